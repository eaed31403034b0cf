import type { Brain, BrainContext, BrainDelta } from '../engines/types.js';

function usable(delta: BrainDelta): boolean {
  return delta.type === 'tool_call' || (delta.type === 'text' && delta.text.trim().length > 0);
}

interface Contender {
  controller: AbortController;
  iterator: AsyncIterator<BrainDelta>;
  buffered: BrainDelta[];
  failed?: unknown;
}

/**
 * Asks several brains at once and keeps the one whose first usable delta (text or tool call)
 * arrives first; the others are aborted at that moment. If a brain fails before producing,
 * the race goes on without it; only when all fail does the reply fail.
 */
export class HedgedBrain implements Brain {
  readonly name: string;
  /** What the first brain can do (summaries, say) is what the hedge offers. */
  readonly capabilities: Brain['capabilities'];

  constructor(private readonly brains: Brain[]) {
    if (brains.length === 0) throw new RangeError('HedgedBrain needs at least one brain');
    this.name = `hedged(${brains.map((b) => b.name).join(',')})`;
    this.capabilities = brains[0]?.capabilities;
  }

  async *respond(ctx: BrainContext, signal: AbortSignal): AsyncIterable<BrainDelta> {
    const contenders: Contender[] = this.brains.map((brain) => {
      const controller = new AbortController();
      return {
        controller,
        iterator: brain.respond(ctx, controller.signal)[Symbol.asyncIterator](),
        buffered: [],
      };
    });
    const abortAll = () => {
      for (const c of contenders) c.controller.abort(signal.reason);
    };
    signal.addEventListener('abort', abortAll, { once: true });
    let winner: Contender | undefined;
    try {
      type Step = { contender: Contender; result?: IteratorResult<BrainDelta>; error?: unknown };
      const step = (contender: Contender): Promise<Step> =>
        contender.iterator.next().then(
          (result) => ({ contender, result }),
          (error: unknown) => ({ contender, error }),
        );
      const inFlight = new Map<Contender, Promise<Step>>(contenders.map((c) => [c, step(c)]));
      let lastError: unknown;
      while (!winner && inFlight.size > 0) {
        const { contender, result, error } = await Promise.race(inFlight.values());
        inFlight.delete(contender);
        if (error !== undefined || !result) {
          lastError = error;
          continue;
        }
        if (result.done) {
          // Finished without a usable delta (an empty answer): it wins only if nobody else can.
          if (inFlight.size === 0) winner = contender;
          continue;
        }
        contender.buffered.push(result.value);
        if (usable(result.value)) winner = contender;
        else inFlight.set(contender, step(contender));
      }
      if (signal.aborted) return;
      if (!winner) throw lastError ?? new Error('no brain answered');
      for (const c of contenders) if (c !== winner) c.controller.abort(new Error('hedge lost'));
      for (const other of inFlight.keys()) other.iterator.return?.().catch(() => {});
      yield* winner.buffered;
      for (;;) {
        const next = await winner.iterator.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      signal.removeEventListener('abort', abortAll);
      if (signal.aborted) abortAll();
    }
  }
}
