/**
 * A brain chain (`PARLEY_BRAIN=openai,agent`): a reply comes from the first brain that answers.
 * A brain that fails before it has said anything (refused, 401, 429, timeout) hands the same
 * request to the next one; once words or a tool call have gone out, a failure stands, since a
 * second brain cannot continue another's sentence.
 */
import type { BrainEngine, BrainOwner, SessionEngineContext } from '../engine.js';
import { type Brain, type BrainContext, type BrainDelta, EngineError } from '../types.js';
import { type ChainOptions, describeFailure } from './chain.js';

export function brainChain(engines: BrainEngine[], opts: ChainOptions): BrainEngine {
  return {
    name: engines.map((e) => e.name).join(','),
    createBrain(agent, ctx) {
      return new ChainBrain(engines, agent, ctx, opts);
    },
    async close() {
      await Promise.allSettled(engines.map((e) => e.close?.()));
    },
  };
}

class ChainBrain implements Brain {
  readonly name: string;
  readonly capabilities: Brain['capabilities'];
  private readonly brains: { engine: string; brain: Brain }[] = [];
  private active = 0;
  private failedAtMs: number | undefined;

  constructor(
    engines: BrainEngine[],
    agent: BrainOwner,
    private readonly ctx: SessionEngineContext,
    private readonly opts: ChainOptions,
  ) {
    let lastError: unknown;
    for (const engine of engines) {
      try {
        this.brains.push({ engine: engine.name, brain: engine.createBrain(agent, ctx) });
      } catch (err) {
        // An engine that cannot serve this agent at all is left out of its chain.
        lastError = err;
      }
    }
    if (this.brains.length === 0) {
      throw lastError ?? new EngineError('brain', `no brain of the chain can serve agent '${agent.name}'`);
    }
    this.name = this.brains.map((b) => b.brain.name).join(',');
    this.capabilities = (this.brains[0] as { brain: Brain }).brain.capabilities;
  }

  async *respond(ctx: BrainContext, signal: AbortSignal): AsyncIterable<BrainDelta> {
    if (
      this.failedAtMs !== undefined &&
      this.ctx.clock.now() - this.failedAtMs >= this.opts.retryPrimaryAfterMs
    ) {
      this.active = 0;
      this.failedAtMs = undefined;
    }
    for (let index = this.active; ; index++) {
      const current = this.brains[index] as { engine: string; brain: Brain };
      let said = false;
      try {
        for await (const delta of current.brain.respond(ctx, signal)) {
          if (delta.type !== 'usage') said = true;
          yield delta;
        }
        return;
      } catch (err) {
        const next = this.brains[index + 1];
        if (said || signal.aborted || !next) throw err;
        this.opts.report({
          kind: 'brain',
          from: current.engine,
          to: next.engine,
          reason: describeFailure(err),
          sessionId: this.ctx.sessionId,
        });
        this.active = index + 1;
        this.failedAtMs = this.ctx.clock.now();
      }
    }
  }
}
