/**
 * A brain from a pure function of the conversation: the shape of every embedded dialogue engine.
 * The function reads the messages (the latest user turn, earlier tool results, pinned facts) and
 * returns one move; the brain streams a reply word by word, as an LLM streams tokens, or proposes
 * one tool call, which the session runs through the tool gateway before asking again.
 */
import { randomUUID } from 'node:crypto';
import type { Brain, BrainContext, BrainDelta, ChatMessage } from './types.js';

export type RuleMove = { kind: 'say'; text: string } | { kind: 'call'; name: string; args: unknown };

/** Splits a reply into word-sized deltas ("Order", " four", …) the way an LLM streams tokens. */
export function wordChunks(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

export function ruleBrain(name: string, decide: (messages: ChatMessage[]) => RuleMove): Brain {
  return {
    name,
    async *respond(ctx: BrainContext, signal: AbortSignal): AsyncIterable<BrainDelta> {
      if (signal.aborted) return;
      const move = decide(ctx.messages);
      if (move.kind === 'call') {
        const call = { id: `call_${randomUUID()}`, name: move.name, arguments: JSON.stringify(move.args) };
        yield { type: 'tool_call', call };
        return;
      }
      for (const chunk of wordChunks(move.text)) {
        if (signal.aborted) return;
        yield { type: 'text', text: chunk };
      }
    },
  };
}
