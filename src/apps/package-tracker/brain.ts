/** The package tracker's embedded brain: the dialogue engine behind the same `Brain` interface as an LLM. */
import { randomUUID } from 'node:crypto';
import type { Brain, BrainContext, BrainDelta } from '../../index.js';
import { decide } from './dialogue.js';

/** Splits a reply into word-sized deltas ("Order", " four", …) the way an LLM streams tokens. */
export function wordChunks(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

export class PackageTrackerBrain implements Brain {
  readonly name = 'package-tracker';

  async *respond(ctx: BrainContext, signal: AbortSignal): AsyncIterable<BrainDelta> {
    if (signal.aborted) return;
    const move = decide(ctx.messages);
    if (move.kind === 'call') {
      yield {
        type: 'tool_call',
        call: { id: `call_${randomUUID()}`, name: move.name, arguments: JSON.stringify(move.args) },
      };
      return;
    }
    for (const chunk of wordChunks(move.text)) {
      if (signal.aborted) return;
      yield { type: 'text', text: chunk };
    }
  }
}
