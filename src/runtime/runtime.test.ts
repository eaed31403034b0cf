import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAgent } from '../agent.js';
import { VirtualClock } from '../clock.js';
import type { SessionEvent } from '../conversation/events.js';
import type { BrainEngine, EngineFallbackEvent } from '../engines/engine.js';
import { registerEngine } from '../engines/registry.js';
import { concat, silence, sine, splitFrames } from '../audio/signals.js';
import { scriptedEngines } from '../testing/index.js';
import { defineTool } from '../tools/define.js';
import { type Brain, type BrainDelta, EngineError } from '../engines/types.js';
import { createRuntime } from './runtime.js';

/** A brain that looks the day up, then reads the result: what a user's embedded brain does. */
function hoursBrain(): Brain {
  return {
    name: 'hours-rules',
    async *respond(ctx): AsyncIterable<BrainDelta> {
      const last = ctx.messages.at(-1);
      if (last?.role === 'tool') {
        const { result } = JSON.parse(last.content) as { result: { closes: string } };
        yield { type: 'text', text: `We close at ${result.closes}.` };
        return;
      }
      yield {
        type: 'tool_call',
        call: { id: 'c1', name: 'get_opening_hours', arguments: JSON.stringify({ day: 'saturday' }) },
      };
    },
  };
}

const shop = defineAgent({
  name: 'shop',
  persona: 'You tell callers when the shop is open.',
  phraseTemplates: ['when are you open on saturday'],
  voice: 'tone',
  tools: [
    defineTool({
      name: 'get_opening_hours',
      description: 'Opening hours on a day',
      schema: z.strictObject({ day: z.string() }),
      kind: 'read-only',
      execute: ({ day }) => ({ day, closes: '5 pm' }),
    }),
  ],
  createBrain: hoursBrain,
});

async function talk(
  session: Awaited<ReturnType<ReturnType<typeof createRuntime>['createSession']>>,
  clock: VirtualClock,
) {
  const events: SessionEvent[] = [];
  session.onEvent((e) => events.push(e));
  session.start();
  for (const frame of splitFrames(concat(sine(220, 900, 16_000, 0.3), silence(800, 16_000)), 16_000)) {
    session.pushAudio(frame);
    await clock.advance(20);
  }
  for (let i = 0; i < 300 && !events.some((e) => e.type === 'reply_done'); i++) await clock.advance(20);
  return events;
}

const dataDir = mkdtempSync(join(tmpdir(), 'parley-runtime-test-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('createRuntime', () => {
  it('runs a user-defined agent on engines given as objects, with its tool going through the gateway', async () => {
    const runtime = createRuntime({
      engines: scriptedEngines({ script: ['when are you open on saturday'] }),
      agent: shop,
      settings: { env: {}, dataDir },
    });
    const clock = new VirtualClock();
    const session = await runtime.createSession({ clock, options: { idleCheckInMs: 0 } });
    const events = await talk(session, clock);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'tool_executed', name: 'get_opening_hours', status: 'executed' }),
    );
    expect(events).toContainEqual(expect.objectContaining({ type: 'reply_done', text: 'We close at 5 pm.' }));
    await runtime.close();
  });

  it('answers the turn through a fallback chain when the first recognizer refuses the session, and reports the handover', async () => {
    const base = scriptedEngines({ script: ['when are you open on saturday'] });
    const refusing = {
      name: 'cloud-stt',
      async createRecognizer(): Promise<never> {
        throw new EngineError('cloud-stt', 'HTTP 401: invalid API key', 'check CLOUD_STT_API_KEY');
      },
    };
    const runtime = createRuntime({
      engines: { ...base, stt: [refusing, base.stt] },
      agent: shop,
      settings: { env: {}, dataDir },
    });
    const handovers: EngineFallbackEvent[] = [];
    runtime.onEngineFallback?.((e) => handovers.push(e));
    const clock = new VirtualClock();
    const session = await runtime.createSession({ clock, options: { idleCheckInMs: 0 } });
    expect((await runtime.offers?.())?.defaults.stt).toBe('cloud-stt,scripted');
    expect(handovers).toEqual([
      expect.objectContaining({ kind: 'stt', from: 'cloud-stt', to: 'scripted', sessionId: session.id }),
    ]);
    expect(handovers[0]?.reason).toContain('HTTP 401');
    const events = await talk(session, clock);
    expect(events).toContainEqual(expect.objectContaining({ type: 'reply_done', text: 'We close at 5 pm.' }));
    await runtime.close();
  });

  it('hedges two brains named with +: the reply comes from whichever speaks first', async () => {
    const timed = (name: string, delayMs: number, text: string): BrainEngine => ({
      name,
      createBrain: (_agent, ctx) => ({
        name,
        async *respond(_c, signal) {
          await ctx.clock.sleep(delayMs, signal);
          yield { type: 'text', text };
        },
      }),
    });
    registerEngine('brain', 'slow-llm-test', async () => timed('slow-llm-test', 3000, 'Slow answer.'));
    registerEngine('brain', 'fast-llm-test', async () => timed('fast-llm-test', 200, 'Fast answer.'));
    const runtime = createRuntime({
      engines: {
        ...scriptedEngines({ script: ['when are you open on saturday'] }),
        brain: 'slow-llm-test+fast-llm-test',
      },
      agent: shop,
      settings: { env: {}, dataDir },
    });
    const clock = new VirtualClock();
    const session = await runtime.createSession({ clock, options: { idleCheckInMs: 0 } });
    const events = await talk(session, clock);
    expect(events).toContainEqual(expect.objectContaining({ type: 'reply_done', text: 'Fast answer.' }));
    await runtime.close();
  });

  it('refuses an engine or a voice it does not offer, naming the ones it does', async () => {
    const runtime = createRuntime({
      engines: scriptedEngines({ script: [] }),
      agent: shop,
      settings: { env: {}, dataDir },
      offer: { stt: [], tts: [], brain: ['agent'] },
    });
    await expect(runtime.createSession({ engines: { stt: 'deepgram' } })).rejects.toThrow(
      /stt engine 'deepgram' is not offered here.*scripted/,
    );
    await expect(runtime.createSession({ engines: { voice: 'alto' } })).rejects.toThrow(/voice 'alto'.*tone/);
    expect(await runtime.offers?.()).toMatchObject({
      stt: ['scripted'],
      tts: ['tone'],
      brain: ['agent'],
      voices: ['tone'],
      defaults: { vad: 'energy', stt: 'scripted', tts: 'tone', brain: 'agent', voice: 'tone' },
    });
    await runtime.close();
  });

  it('says so at start when the agent has no brain of its own and no LLM is configured', async () => {
    const mute = defineAgent({ name: 'mute', persona: 'p', tools: [] });
    const runtime = createRuntime({
      engines: scriptedEngines({ script: [] }),
      agent: mute,
      settings: { env: {}, dataDir },
    });
    await expect(runtime.createSession()).rejects.toThrow(
      /agent 'mute' has no embedded brain.*PARLEY_LLM_BASE_URL/,
    );
    await runtime.close();
  });

  it('a brain engine registered by name is chosen by name per session', async () => {
    const made: string[] = [];
    const engine: BrainEngine = {
      name: 'summarizing-test',
      createBrain: (agent) => {
        made.push(agent.name);
        return { ...hoursBrain(), capabilities: { summaries: true } };
      },
    };
    registerEngine('brain', 'summarizing-test', async () => engine);
    const runtime = createRuntime({
      engines: scriptedEngines({ script: [] }),
      agent: shop,
      settings: { env: {}, dataDir },
    });
    const session = await runtime.createSession({ engines: { brain: 'summarizing-test' } });
    expect(made).toEqual(['shop']);
    await session.close();
    await runtime.close();
  });

  it('offers the LLM brain only when one is configured', async () => {
    const plain = createRuntime({
      engines: scriptedEngines({ script: [] }),
      agent: shop,
      settings: { env: {}, dataDir },
    });
    expect((await plain.offers?.())?.brain).not.toContain('openai');
    const llm = createRuntime({
      engines: { ...scriptedEngines({ script: [] }), brain: 'agent' },
      agent: shop,
      settings: { env: { PARLEY_LLM_BASE_URL: 'http://127.0.0.1:1/v1' }, dataDir },
    });
    expect((await llm.offers?.())?.brain).toEqual(expect.arrayContaining(['agent', 'openai']));
    await Promise.all([plain.close(), llm.close()]);
  });

  it('speaks the voice the session chose, else the configured one, else the agent’s preference', async () => {
    const spoken: string[] = [];
    const tone = scriptedEngines({ script: [] }).tts;
    const voices = (configured?: string) =>
      createRuntime({
        engines: {
          ...scriptedEngines({ script: [] }),
          tts: {
            name: 'two-voices',
            voices: ['low', 'high'],
            defaultVoice: 'low',
            async synthesizer(voice, ctx) {
              spoken.push(voice ?? 'low');
              return tone.synthesizer(undefined, ctx);
            },
          },
        },
        agent: defineAgent({
          name: 'high-voiced',
          persona: 'p',
          tools: [],
          voice: 'high',
          createBrain: hoursBrain,
        }),
        settings: { env: {}, dataDir, ...(configured ? { voice: configured } : {}) },
      });
    const unconfigured = voices();
    await (await unconfigured.createSession()).close();
    await (await unconfigured.createSession({ engines: { voice: 'low' } })).close();
    const configured = voices('low');
    await (await configured.createSession()).close();
    expect(spoken).toEqual(['high', 'low', 'low']);
    await Promise.all([unconfigured.close(), configured.close()]);
  });
});
