/**
 * Helpers for the package test: child processes run the way a user's shell runs them (no npm or
 * vitest variables inherited from this repository's `npx vitest`, no repository bins on PATH).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { delimiter, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');

/** The environment of a fresh shell: this process's, minus npm's, vitest's and this repository's. */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    const k = key.toLowerCase();
    if (k.startsWith('npm_') || k.startsWith('vitest') || k === 'init_cwd' || k === 'node_options') continue;
    if (k === 'node_env' || k === 'test' || k === 'tsx_tsconfig_path') continue;
    env[key] = value;
  }
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '' && !resolve(dir).startsWith(ROOT))
    .join(delimiter);
  return { ...env, ...extra };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command to completion (killing its process group after `timeoutMs`). Never throws. */
export function run(
  command: string,
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<RunResult> {
  const started = performance.now();
  return new Promise((done) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? userEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${opts.timeoutMs} ms]`;
      killGroup(child, 'SIGKILL');
    }, opts.timeoutMs);
    const finish = (code: number | null) => {
      clearTimeout(timer);
      done({ code, stdout, stderr, ms: performance.now() - started });
    };
    child.on('error', (err) => {
      stderr += String(err);
      finish(null);
    });
    child.on('close', finish);
  });
}

/**
 * Signals a child started with `detached: true` and everything it started (npx → node), even
 * when the child itself is gone but what it started lives on.
 */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** A failure message with the command's output, for `expect(...).toBe(0)` on exit codes. */
export function describeRun(what: string, r: RunResult): string {
  const tail = (s: string) => s.split('\n').slice(-40).join('\n');
  return `${what} exited ${r.code} after ${Math.round(r.ms)} ms\n--- stdout\n${tail(r.stdout)}\n--- stderr\n${tail(r.stderr)}`;
}

/**
 * The agent a new user writes against the published types: one read-only tool and a rule brain
 * that proposes it for the day it hears and then reads back the tool's result.
 */
export const AGENT_TS = `import { type Brain, type BrainContext, type BrainDelta, defineAgent, defineTool } from 'parley-voice';
import { z } from 'zod';

const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

const getHours = defineTool({
  name: 'get_opening_hours',
  description: 'Opening hours of the shop on a given day',
  schema: z.strictObject({ day: z.string().max(20) }),
  kind: 'read-only',
  execute: async ({ day }) => ({ day, opens: '9 am', closes: '5 pm' }),
});

interface Hours { day: string; opens: string; closes: string }

const shopRules: Brain = {
  name: 'shop-rules',
  async *respond(ctx: BrainContext): AsyncIterable<BrainDelta> {
    const last = ctx.messages.at(-1);
    if (last?.role === 'tool') {
      const outcome = JSON.parse(last.content) as { status: string; result?: Hours };
      const hours = outcome.result;
      yield hours
        ? { type: 'text', text: \`On \${hours.day} we are open from \${hours.opens} to \${hours.closes}.\` }
        : { type: 'text', text: 'Sorry, I cannot look up the hours right now.' };
      return;
    }
    const heard = [...ctx.messages].reverse().find((m) => m.role === 'user')?.content.toLowerCase() ?? '';
    const day = DAYS.find((d) => heard.includes(d));
    if (!day) {
      yield { type: 'text', text: 'Which day would you like the opening hours for?' };
      return;
    }
    yield { type: 'tool_call', call: { id: \`hours-\${day}\`, name: getHours.name, arguments: JSON.stringify({ day }) } };
  },
};

export default defineAgent({
  name: 'shop-hours',
  persona: 'You tell callers when the shop is open.',
  greeting: 'Hello, this is the shop.',
  phraseTemplates: [
    'when {are you|is the shop} open on {monday|tuesday|saturday}',
    '{what are|tell me} your opening hours',
    '{yes|no|thanks|goodbye}',
  ],
  tools: [getHours],
  createBrain: () => shopRules,
});
`;

/**
 * What `tsc --init` (TypeScript 5.9) writes for a Node project, but with skipLibCheck off so
 * Parley's published declarations are checked too.
 */
export const TSCONFIG_JSON = `${JSON.stringify(
  {
    compilerOptions: {
      module: 'nodenext',
      moduleResolution: 'nodenext',
      target: 'es2022',
      types: [],
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      verbatimModuleSyntax: true,
      isolatedModules: true,
      moduleDetection: 'force',
      skipLibCheck: false,
      noEmit: true,
    },
    include: ['agent.ts'],
  },
  null,
  2,
)}\n`;
