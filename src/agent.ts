/** An agent built on Parley: what an app hands the runtime. */
import type { TurnWords } from './conversation/turn-words.js';
import type { Brain } from './engines/types.js';
import type { ToolDefinition } from './tools/types.js';

export type { TurnWords } from './conversation/turn-words.js';

/** A fact pinned across summaries, keyed by slot name (e.g. `{ order_number: '4219' }`). */
export type PinnedFacts = Record<string, string>;

/** A read-only call worth starting before the caller has finished. */
export interface PreparedCall {
  name: string;
  /** JSON text, validated by the tool gateway like any proposal. */
  arguments: string;
}

/** One agent as a session runs it. Built by `defineAgent` (or by hand for tests). */
export interface AgentDefinition {
  name: string;
  /** Persona / system prompt; re-injected periodically in long calls. */
  persona: string;
  /** Spoken at call start when greetings are on. */
  greeting?: string;
  /** Phrases the caller is likely to say; builds the recognizer's domain language model. */
  phraseTemplates: string[];
  // biome-ignore lint/suspicious/noExplicitAny: tool argument types differ per tool
  tools: ToolDefinition<any, any>[];
  /**
   * The embedded brain for this agent, used when no LLM is configured. An agent without one
   * needs an LLM brain (PARLEY_LLM_* or the `brain` engine choice).
   */
  createBrain?(): Brain;
  /** The voice this agent speaks with when the session does not choose one (e.g. 'rms'). */
  voice?: string;
  /** Domain words for the end-of-turn judgement. */
  turnWords?: TurnWords;
  /** Slots worth pinning across summaries (e.g. order number), extracted from a user turn. */
  extractFacts?(userText: string): PinnedFacts;
  /**
   * Read-only calls worth starting while the caller is still talking, given the stable prefix of
   * a partial transcript. The session proposes them in phase 'partial' (only read-only tools run)
   * and reuses their results when the turn commits.
   */
  prepare?(stableText: string): PreparedCall[];
  /** Releases what the agent opened (its database, say); a returned promise is awaited. */
  close?(): unknown;
}

/** What an agent is given when it is built: where it may keep its data. */
export interface AgentContext {
  /** A folder for the agent's own data (created if missing). */
  dataDir: string;
  /** True when `dataDir` is a scratch folder thrown away after one call (eval, `parley call`). */
  ephemeral: boolean;
}

/** An agent's definition as its author writes it: the name comes from the spec. */
export type AgentBody = Omit<AgentDefinition, 'name' | 'phraseTemplates'> & { phraseTemplates?: string[] };

interface AgentSpecCommon {
  /** Lowercase letters, digits and dashes: how sessions, the CLI and the API name it. */
  name: string;
  /** One line for listings. */
  description?: string;
  /** A folder (or file) of eval scenarios for `parley eval --agent`, e.g. `new URL('./scenarios/', import.meta.url)`. */
  scenarios?: string | URL;
}

/** A fixed agent, or one built per context (`setup`) when it keeps data. */
export type AgentSpec =
  | (AgentSpecCommon & AgentBody)
  | (AgentSpecCommon & { setup(ctx: AgentContext): AgentBody | Promise<AgentBody> });

/** What `defineAgent` returns and an agent module exports as its default. */
export interface Agent {
  readonly kind: 'parley.agent';
  readonly name: string;
  readonly description: string;
  /** Absolute path of the agent's scenario folder or file, when it has one. */
  readonly scenarios?: string;
  /** Builds one instance of the agent (a server builds one; an eval builds one per call). */
  create(ctx: AgentContext): Promise<AgentDefinition>;
}

const AGENT_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

/**
 * Declares an agent: persona, greeting, tools, phrases for the recognizer, turn-taking words,
 * an embedded brain, fact extraction, prefetch and its own scenarios.
 */
export function defineAgent(spec: AgentSpec): Agent {
  if (!AGENT_NAME.test(spec.name)) {
    throw new TypeError(
      `agent name '${spec.name}' must be 1–64 lowercase letters, digits and dashes, starting with a letter or digit`,
    );
  }
  const { name, description = '', scenarios } = spec;
  const build = async (ctx: AgentContext): Promise<AgentBody> => {
    if ('setup' in spec) return spec.setup(ctx);
    const { description: _d, scenarios: _s, name: _n, ...body } = spec;
    return body;
  };
  return {
    kind: 'parley.agent',
    name,
    description,
    ...(scenarios !== undefined ? { scenarios: scenarioPath(scenarios) } : {}),
    async create(ctx) {
      const body = await build(ctx);
      return { ...body, name, phraseTemplates: body.phraseTemplates ?? [] };
    },
  };
}

function scenarioPath(where: string | URL): string {
  if (where instanceof URL) return decodeURIComponent(where.pathname);
  if (where.startsWith('file:')) return decodeURIComponent(new URL(where).pathname);
  return where;
}

/** Whether `value` is an agent made by `defineAgent` (a module's default export, say). */
export function isAgent(value: unknown): value is Agent {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Agent).kind === 'parley.agent' &&
    typeof (value as Agent).create === 'function'
  );
}
