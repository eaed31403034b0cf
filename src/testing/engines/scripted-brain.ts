import type { Clock } from '../../clock.js';
import type { Brain, BrainContext, BrainDelta } from '../../engines/types.js';

/** One step of a scripted reply. */
export type BrainStep =
  | { text: string }
  | { toolCall: { name: string; arguments: string; id?: string } }
  | { delayMs: number }
  | { usage: { inputTokens: number; outputTokens: number } }
  | { fail: string };

/** A reply: steps, or a function of the context (to react to tool results and history). */
export type ScriptedReply = BrainStep[] | ((ctx: BrainContext, call: number) => BrainStep[]);

export interface ScriptedBrainOptions {
  clock: Clock;
  /** One entry per `respond` call, in order; the last one repeats when the script runs out. */
  replies: ScriptedReply[];
  /** Delay before the first delta, on the clock. Default 50 ms. */
  firstTokenMs?: number;
  /** Delay between text deltas (text steps are streamed word by word). Default 20 ms. */
  tokenMs?: number;
  name?: string;
}

/** A record of one respond call, for assertions. */
export interface BrainCall {
  ctx: BrainContext;
  aborted: boolean;
  completed: boolean;
}

/**
 * Streams scripted text and tool calls at a scripted pace on the given clock. Honours the
 * signal: an aborted call stops at once and is recorded as aborted.
 */
export class ScriptedBrain implements Brain {
  readonly name: string;
  readonly calls: BrainCall[] = [];

  constructor(private readonly opts: ScriptedBrainOptions) {
    this.name = opts.name ?? 'scripted';
  }

  async *respond(ctx: BrainContext, signal: AbortSignal): AsyncIterable<BrainDelta> {
    const index = this.calls.length;
    const record: BrainCall = { ctx: structuredClone(ctx), aborted: false, completed: false };
    this.calls.push(record);
    const onAbort = () => {
      record.aborted = true;
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const reply = this.opts.replies[Math.min(index, this.opts.replies.length - 1)];
      if (!reply) return;
      const steps = typeof reply === 'function' ? reply(ctx, index) : reply;
      await this.opts.clock.sleep(this.opts.firstTokenMs ?? 50, signal);
      let first = true;
      let toolSeq = 0;
      for (const step of steps) {
        if ('delayMs' in step) {
          await this.opts.clock.sleep(step.delayMs, signal);
        } else if ('fail' in step) {
          throw new Error(step.fail);
        } else if ('usage' in step) {
          yield { type: 'usage', ...step.usage };
        } else if ('toolCall' in step) {
          const id = step.toolCall.id ?? `call_${index}_${toolSeq++}`;
          yield {
            type: 'tool_call',
            call: { id, name: step.toolCall.name, arguments: step.toolCall.arguments },
          };
        } else {
          for (const piece of step.text.match(/\S+\s*|\s+/g) ?? []) {
            if (!first) await this.opts.clock.sleep(this.opts.tokenMs ?? 20, signal);
            first = false;
            if (signal.aborted) return;
            yield { type: 'text', text: piece };
          }
        }
      }
      record.completed = true;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
}
