/** The support agent's embedded brain: its dialogue engine behind the `Brain` interface. */
import { randomUUID } from 'node:crypto';
import type { Brain, BrainContext, BrainDelta } from '../../index.js';
import { wordChunks } from '../package-tracker/brain.js';
import { decideSupport } from './dialogue.js';

export class RoleplaySupportBrain implements Brain {
  readonly name = 'roleplay-support';

  async *respond(ctx: BrainContext, signal: AbortSignal): AsyncIterable<BrainDelta> {
    if (signal.aborted) return;
    const move = decideSupport(ctx.messages);
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
