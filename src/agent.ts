/** An agent built on Parley: what an app hands the runtime. */
import type { Brain } from './engines/types.js';
import type { ToolDefinition } from './tools/types.js';

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
  /** The embedded brain for this agent (used when no LLM is configured). */
  createBrain(): Brain;
  /** Slots worth pinning across summaries (e.g. order number), extracted from a user turn. */
  extractFacts?(userText: string): Record<string, string>;
  /**
   * Read-only calls worth starting while the caller is still talking, given the stable prefix of
   * a partial transcript. The session proposes them in phase 'partial' (only read-only tools run)
   * and reuses their results when the turn commits.
   */
  prepare?(stableText: string): { name: string; arguments: string }[];
}
