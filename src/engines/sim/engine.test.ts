import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../clock.js';
import type { BrainOwner } from '../engine.js';
import { parseEngineSpec } from '../engine-spec.js';
import { OpenAiBrain } from '../openai/openai-brain.js';
import { ruleBrain } from '../rule-brain.js';
import { type Brain, type BrainContext, type BrainDelta, EngineError } from '../types.js';
import { createSimBrainEngine, type SimBrainEngine, simBrainEngine } from './engine.js';

const settings = { dataDir: '.parley', lm: 'domain' as const, speakingRate: 1, env: {} };
const LONG_REPLY =
  'Your order is in transit with DHL and should arrive on Thursday afternoon, ' +
  'and I can text you the tracking link whenever you like, just say the word.';

/** A dialogue engine: a tool call when asked to look something up, else a fixed reply. */
const owner: BrainOwner = {
  name: 'tester',
  createBrain: () =>
    ruleBrain('tester', (messages) => {
      const last = messages.at(-1);
      if (last?.role === 'user' && /look up/.test(last.content)) {
        return { kind: 'call', name: 'get_order_status', args: { order_number: '4219' } };
      }
      if (last?.role === 'user' && /long/.test(last.content)) return { kind: 'say', text: LONG_REPLY };
      return { kind: 'say', text: 'Sure.' };
    }),
};

const ask = (content: string): BrainContext => ({
  messages: [
    { role: 'system', content: 'You are a test agent.' },
    { role: 'user', content },
  ],
  tools: [
    {
      name: 'get_order_status',
      description: 'Looks up an order',
      parameters: { type: 'object', properties: { order_number: { type: 'string' } } },
    },
  ],
});

const engines: SimBrainEngine[] = [];
function engine(latency: Parameters<typeof createSimBrainEngine>[0]): SimBrainEngine {
  const e = createSimBrainEngine(latency);
  engines.push(e);
  return e;
}
const session = (id = 's') => ({ sessionId: id, clock: new SystemClock() });

afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
});

/** Deltas with the wall-clock ms (from the call) at which each arrived. */
async function timed(brain: Brain, ctx: BrainContext): Promise<{ delta: BrainDelta; atMs: number }[]> {
  const start = performance.now();
  const out: { delta: BrainDelta; atMs: number }[] = [];
  for await (const delta of brain.respond(ctx, new AbortController().signal)) {
    out.push({ delta, atMs: performance.now() - start });
  }
  return out;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

describe('the sim brain engine', () => {
  it('is made from a spec, and rejects unknown parameters naming the valid ones', async () => {
    const spec = parseEngineSpec('sim:ttftMs=450,tps=40,tailP=0.1,tailMs=2000,seed=7')[0];
    const made = (await simBrainEngine(settings, spec?.params ?? {})) as SimBrainEngine;
    engines.push(made);
    expect(made.name).toBe('sim');
    expect(made.latency).toMatchObject({ ttftMs: 450, tps: 40, tailP: 0.1, tailMs: 2000, seed: 7 });
    await expect(simBrainEngine(settings, { ttft: '450' })).rejects.toThrow(
      /unknown parameter 'ttft'.*ttftMs.*ttftSpread.*tps.*tailP.*tailMs.*seed/,
    );
    await expect(simBrainEngine(settings, { tps: '-3' })).rejects.toBeInstanceOf(EngineError);
  });

  it('refuses an agent without a dialogue engine of its own', () => {
    expect(() => engine({}).createBrain({ name: 'bare' }, session())).toThrow(/no dialogue engine/);
  });

  it('honours the median time to first token over real HTTP (20 requests at ttftMs=200)', async () => {
    const sim = engine({ ttftMs: 200, tps: 40 });
    const brain = sim.createBrain(owner, session());
    const server = await sim.start();
    // Warm the HTTP client (its first use loads it), then one session asks 20 times: 20 draws.
    await timed(brain, ask('warm up'));
    const firsts: number[] = [];
    for (let i = 0; i < 20; i++) {
      const run = await timed(brain, ask('hello'));
      firsts.push(run.find((d) => d.delta.type === 'text')?.atMs ?? Number.NaN);
    }
    expect(median(firsts)).toBeGreaterThan(200 * 0.6);
    expect(median(firsts)).toBeLessThan(200 * 1.4);
    expect(Math.max(...firsts) - Math.min(...firsts)).toBeGreaterThan(40);
    expect(new Set(server.requests.slice(1).map((r) => r.plan.firstTokenMs)).size).toBe(20);
  });

  it('gives every session the same delay for the same conversation', async () => {
    const sim = engine({ ttftMs: 50, tps: 100 });
    const server = await sim.start();
    for (let i = 0; i < 5; i++) await timed(sim.createBrain(owner, session(`s${i}`)), ask('hello'));
    expect(new Set(server.requests.map((r) => r.plan.firstTokenMs)).size).toBe(1);
    expect(new Set(server.requests.map((r) => r.model)).size).toBe(5);
  });

  it('streams text at tps tokens per second, then usage', async () => {
    const sim = engine({ ttftMs: 50, tps: 50, ttftSpread: 0 });
    const brain = sim.createBrain(owner, session());
    const deltas = await timed(brain, ask('tell me something long'));
    const texts = deltas.filter((d) => d.delta.type === 'text');
    expect(texts.map((d) => (d.delta.type === 'text' ? d.delta.text : '')).join('')).toBe(LONG_REPLY);
    const server = await sim.start();
    const tokens = server.requests.at(-1)?.tokens ?? 0;
    expect(tokens).toBe(texts.length);
    expect(tokens).toBeGreaterThan(30);
    const spanMs = (texts.at(-1)?.atMs ?? 0) - (texts[0]?.atMs ?? 0);
    const expectedMs = ((tokens - 1) * 1000) / 50;
    expect(spanMs).toBeGreaterThan(expectedMs * 0.6);
    expect(spanMs).toBeLessThan(expectedMs * 1.4);
    expect(deltas.at(-1)?.delta).toEqual({
      type: 'usage',
      inputTokens: expect.any(Number),
      outputTokens: tokens,
    });
  });

  it('streams a tool call as fragments that arrive as one Parley tool_call delta', async () => {
    const sim = engine({ ttftMs: 30, tps: 100 });
    const deltas = await timed(sim.createBrain(owner, session()), ask('please look up my order'));
    const calls = deltas.flatMap((d) => (d.delta.type === 'tool_call' ? [d.delta.call] : []));
    expect(calls).toEqual([
      { id: expect.stringMatching(/^call_/), name: 'get_order_status', arguments: '{"order_number":"4219"}' },
    ]);
    const server = await sim.start();
    // The arguments went over the wire in several fragments, as an LLM streams them.
    expect(server.requests.at(-1)?.tokens).toBeGreaterThan(3);
    expect(server.requests.at(-1)?.tools).toEqual(['get_order_status']);
  });

  it('closes the request when the signal aborts', async () => {
    const sim = engine({ ttftMs: 30, tps: 10, ttftSpread: 0 });
    const brain = sim.createBrain(owner, session());
    const server = await sim.start();
    const controller = new AbortController();
    const started = performance.now();
    let received = 0;
    for await (const d of brain.respond(ask('tell me something long'), controller.signal)) {
      if (d.type === 'text') received++;
      if (received === 2) controller.abort();
    }
    const stoppedMs = performance.now() - started;
    // The whole reply would take about 4 s at 10 tokens/s.
    expect(stoppedMs).toBeLessThan(2000);
    for (let i = 0; i < 100 && server.requests.at(-1)?.status === 'streaming'; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const request = server.requests.at(-1);
    expect(request?.status).toBe('aborted');
    expect((request?.endedAtMs ?? 0) - (request?.receivedAtMs ?? 0)).toBeLessThan(
      (request?.plan.tokenAtMs.at(-1) ?? 0) / 2,
    );
  });

  it('repeats the same schedule for the same seed, and another for another seed', async () => {
    const firstTokens = async (seed: number) => {
      const sim = engine({ ttftMs: 40, tps: 200, seed, tailP: 0.3, tailMs: 100 });
      const brain = sim.createBrain(owner, session());
      for (let i = 0; i < 4; i++) await timed(brain, ask('hello'));
      return (await sim.start()).requests.map((r) => r.plan);
    };
    const a = await firstTokens(7);
    expect(await firstTokens(7)).toEqual(a);
    expect((await firstTokens(8)).map((p) => p.firstTokenMs)).not.toEqual(a.map((p) => p.firstTokenMs));
  });

  it('answers an unknown model with 404 model_not_found', async () => {
    const sim = engine({ ttftMs: 10 });
    const server = await sim.start();
    const stranger = new OpenAiBrain({ baseUrl: server.url, model: 'nobody/1' });
    await expect(timed(stranger, ask('hello'))).rejects.toThrow(/404|does not exist/);
  });
});
