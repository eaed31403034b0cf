/**
 * Hedging measured on the brain alone: many requests straight to a brain, the time to its first
 * usable delta (text or tool call), as the reply sees it. Cheap, so p95 rests on many samples.
 */
import { SystemClock } from '../../src/clock.js';
import { HedgedBrain } from '../../src/conversation/hedging.js';
import type { BrainEngine, BrainOwner, SessionEngineContext } from '../../src/engines/engine.js';
import type { Brain, BrainContext } from '../../src/engines/types.js';

/** A brain engine whose brains ask every engine of `engines` at once and keep the first to answer. */
export function hedgedEngine(engines: BrainEngine[]): BrainEngine {
  return {
    name: `hedged(${engines.map((e) => e.name).join(',')})`,
    createBrain: (agent: BrainOwner, ctx: SessionEngineContext) =>
      new HedgedBrain(engines.map((e) => e.createBrain(agent, ctx))),
  };
}

/** Ms to the first text or tool-call delta of `n` requests, `concurrency` at a time. */
export async function firstDeltaTimes(
  engine: BrainEngine,
  agent: BrainOwner,
  ctx: BrainContext,
  n: number,
  concurrency: number,
): Promise<number[]> {
  const brain: Brain = engine.createBrain(agent, { sessionId: 'hedging', clock: new SystemClock() });
  const times: number[] = [];
  let started = 0;
  const worker = async () => {
    while (started < n) {
      started++;
      const controller = new AbortController();
      const t0 = performance.now();
      for await (const d of brain.respond(ctx, controller.signal)) {
        if (d.type === 'tool_call' || (d.type === 'text' && d.text.trim() !== '')) {
          times.push(performance.now() - t0);
          controller.abort();
          break;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return times;
}
