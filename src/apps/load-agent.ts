/** `--agent NAME|PATH`: a built-in agent by name, or a module whose default export is `defineAgent(...)`. */
import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Agent, isAgent } from '../index.js';
import { BUILTIN_AGENTS } from './index.js';

export class AgentLoadError extends Error {
  override name = 'AgentLoadError';
}

const MODULE_EXTENSIONS = new Set(['.ts', '.mts', '.js', '.mjs']);

/** Names of the agents that ship with Parley. */
export function builtinAgentNames(): string[] {
  return Object.keys(BUILTIN_AGENTS);
}

export async function loadAgent(ref: string): Promise<Agent> {
  const builtin = BUILTIN_AGENTS[ref];
  if (builtin) return (await builtin()).default;
  const path = resolve(ref);
  if (!MODULE_EXTENSIONS.has(extname(path)) || !existsSync(path)) {
    throw new AgentLoadError(
      `no agent '${ref}': give a built-in agent (${builtinAgentNames().join(', ')}) or the path of a .ts or .js file that exports one`,
    );
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    const message = (err as Error).message;
    // Node reads a .ts/.js file beside a package.json without "type": "module" as CommonJS.
    const hint = /require\(\) (of )?ES Module|ERR_REQUIRE|Cannot use import statement outside a module/.test(
      message,
    )
      ? ' (an agent is an ES module: add "type": "module" to the package.json beside it, or name it .mts)'
      : '';
    throw new AgentLoadError(`${ref}: the module failed to load: ${message}${hint}`);
  }
  const agent = mod.default ?? mod.agent;
  if (!isAgent(agent)) {
    throw new AgentLoadError(
      `${ref} does not export an agent: write \`export default defineAgent({ ... })\` (defineAgent from 'parley-voice')`,
    );
  }
  return agent;
}
