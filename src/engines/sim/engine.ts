/**
 * `sim`: a brain engine that answers like a hosted LLM (hundreds of ms to the first token,
 * tokens at a steady rate, the odd slow reply) while the words come from the agent's own
 * dialogue engine, so calls stay correct and only the latency is an LLM's. Sessions talk to it
 * through the real OpenAI-compatible client (`OpenAiBrain`) over loopback HTTP, so the client
 * path is measured too. Used to measure what streaming, fillers and hedging gain with a real
 * LLM's latency, without a key or a GPU.
 *
 * Spec: `sim` or `sim:key=value,...`, e.g. `sim:ttftMs=450,tps=40,tailP=0.1,tailMs=2000,seed=7`.
 *
 * | param | meaning | default |
 * |---|---|---|
 * | `ttftMs` | median time to first token, ms (from the request's arrival) | 500 |
 * | `ttftSpread` | log-normal σ of the time to first token (0 = always the median) | 0.3 |
 * | `tps` | tokens per second after the first (tokens ≈ 4 characters) | 40 |
 * | `jitter` | each gap between tokens varies by ± this fraction | 0.2 |
 * | `tailP` | probability a reply lands in the slow tail | 0 |
 * | `tailMs` | extra delay before the first token of a tail reply, ms | 2000 |
 * | `seed` | seeds the draws: same seed, same conversation → same schedule | 1 |
 *
 * Unknown or out-of-range parameters fail with an EngineError listing the valid ones.
 *
 * The simulator server starts on the first session's brain and stops on `close()`. Each session
 * gets its own model name, `<agent>/<n>` (the agent's name, then a counter), which routes its
 * requests to that session's dialogue engine and clock. The sim brain does not claim to write
 * summaries: its words come from a rule engine, which cannot.
 */
import type { BrainEngine, BrainOwner, EngineFactory, SessionEngineContext } from '../engine.js';
import { OpenAiBrain } from '../openai/openai-brain.js';
import { type Brain, type BrainContext, type BrainDelta, EngineError } from '../types.js';
import { parseSimParams, type SimLatency } from './latency.js';
import { type SimRoute, type SimServer, startSimServer } from './server.js';

const ENGINE = 'sim';

export class SimBrainEngine implements BrainEngine {
  readonly name = ENGINE;
  private server: Promise<SimServer> | undefined;
  private readonly routes = new Map<string, SimRoute>();
  /** A route is dropped once its session's brain is garbage. */
  private readonly finalizer = new FinalizationRegistry<string>((model) => this.routes.delete(model));
  private sessions = 0;
  private closed = false;

  constructor(readonly latency: SimLatency) {}

  /** The running simulator (started on first use); its `requests` show what it answered. */
  start(): Promise<SimServer> {
    if (this.closed) return Promise.reject(new EngineError(ENGINE, 'the simulator was closed'));
    if (!this.server) {
      this.server = startSimServer({
        latency: this.latency,
        route: (model) => this.routes.get(model),
        models: () => [...this.routes.keys()],
      });
      this.server.catch(() => {
        this.server = undefined;
      });
    }
    return this.server;
  }

  createBrain(agent: BrainOwner, ctx: SessionEngineContext): Brain {
    if (this.closed) throw new EngineError(ENGINE, 'the simulator was closed');
    if (!agent.createBrain) {
      throw new EngineError(
        ENGINE,
        `agent '${agent.name}' has no dialogue engine to simulate`,
        'give the agent a createBrain(), or choose another brain engine',
      );
    }
    const model = `${agent.name}/${++this.sessions}`;
    this.routes.set(model, { brain: agent.createBrain(), clock: ctx.clock });
    // Start now, so the first turn does not pay for the server's start.
    this.start().catch(() => {});
    let client: Promise<OpenAiBrain> | undefined;
    const connect = (): Promise<OpenAiBrain> => {
      client ??= this.start().then((server) => new OpenAiBrain({ baseUrl: server.url, model }));
      client.catch(() => {
        client = undefined;
      });
      return client;
    };
    const brain: Brain = {
      name: `${ENGINE}:${agent.name}`,
      async *respond(context: BrainContext, signal: AbortSignal): AsyncIterable<BrainDelta> {
        yield* (await connect()).respond(context, signal);
      },
    };
    this.finalizer.register(brain, model);
    return brain;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.routes.clear();
    const server = await this.server?.catch(() => undefined);
    await server?.close();
  }
}

/** A simulator with the given latency (defaults for the rest); for code that builds engines itself. */
export function createSimBrainEngine(latency: Partial<SimLatency> = {}): SimBrainEngine {
  const params = Object.fromEntries(Object.entries(latency).map(([k, v]) => [k, String(v)]));
  return new SimBrainEngine(parseSimParams(params));
}

/** The `sim` brain engine from its spec parameters (`sim:ttftMs=450,tps=40`). */
export const simBrainEngine: EngineFactory<'brain'> = async (_settings, params) =>
  new SimBrainEngine(parseSimParams(params));
