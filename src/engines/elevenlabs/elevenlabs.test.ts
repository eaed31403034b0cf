import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SystemClock } from '../../clock.js';
import { type ElevenLabsServer, startElevenLabsServer } from '../../testing/providers/elevenlabs-server.js';
import {
  collect,
  engineSettings,
  expectKeyRefused,
  expectTrueTimings,
  framesUntilAbort,
  LONG_CLAUSE,
  samplesOf,
} from '../../testing/providers/test-helpers.js';
import type { SynthesizerEngine } from '../engine.js';
import { createSynthesizer } from '../tts.js';
import { EngineError, type SpeechFrame, type Synthesizer } from '../types.js';
import {
  createElevenLabsEngine,
  ELEVENLABS_DEFAULT_VOICE,
  elevenLabsEngine,
  elevenLabsOptions,
} from './engine.js';

const KEY = 'xi-test-key-4242';
const CLAUSE = 'Order four two one nine is in transit with UPS.';
const ctx = { sessionId: 'elevenlabs-test', clock: new SystemClock() };

describe('the ElevenLabs stream-input adapter against a local server', () => {
  let voice: Synthesizer;
  let server: ElevenLabsServer;
  let engine: SynthesizerEngine;
  const open: Synthesizer[] = [];

  beforeAll(async () => {
    voice = await createSynthesizer('slt');
    server = await startElevenLabsServer({ synthesizer: voice, apiKey: KEY });
    engine = await elevenLabsEngine(
      engineSettings({ ELEVENLABS_API_KEY: KEY, PARLEY_ELEVENLABS_URL: server.url }),
      { voice: 'voice-a', model: 'eleven_flash_v2_5' },
    );
  });

  afterEach(async () => {
    server.setFailure(undefined);
    await Promise.all(open.splice(0).map((s) => s.close?.()));
  });

  afterAll(async () => {
    await engine.close?.();
    await server.close();
  });

  async function synthesizer(): Promise<Synthesizer> {
    const s = await engine.synthesizer(undefined, ctx);
    open.push(s);
    return s;
  }

  it('speaks a clause in several frames, each word timed in order within the audio, as it starts', async () => {
    const synth = await synthesizer();
    const frames = await collect(synth, CLAUSE);
    expect(frames.length).toBeGreaterThan(3);
    expect((samplesOf(frames).length * 1000) / synth.sampleRate).toBeGreaterThan(1000);
    expectTrueTimings(frames, CLAUSE);
    // Frames are contiguous from 0.
    let expected = 0;
    for (const f of frames) {
      expect(f.startMs).toBeCloseTo(expected, 6);
      expected += (f.samples.length * 1000) / f.sampleRate;
    }

    const clauseConnection = server.connections.find((c) =>
      c.messages.some((m) => typeof m.message.text === 'string' && m.message.text.startsWith('Order')),
    );
    expect(clauseConnection?.voiceId).toBe('voice-a');
    expect(clauseConnection?.query).toMatchObject({
      model_id: 'eleven_flash_v2_5',
      output_format: 'pcm_16000',
      sync_alignment: 'true',
    });
    expect(clauseConnection?.messages.map((m) => m.message)).toEqual([
      expect.objectContaining({
        text: ' ',
        voice_settings: expect.any(Object),
        generation_config: expect.any(Object),
      }),
      { text: `${CLAUSE} `, flush: true },
      { text: '' },
    ]);
  });

  it('runs each clause on a connection opened before it was asked for', async () => {
    const synth = await synthesizer();
    const before = server.connections.length;
    for (const text of ['Hello there.', 'Your parcel is on its way.']) {
      const askedAt = Date.now();
      await collect(synth, text);
      const used = server.connections.find((c) => c.messages.some((m) => m.message.text === `${text} `));
      expect(used?.openedAt).toBeLessThanOrEqual(askedAt);
    }
    // One new connection per clause (the first was opened with the synthesizer), the last a spare.
    await vi.waitFor(() => expect(server.connections.length - before).toBe(2));
    await vi.waitFor(() =>
      expect(server.connections.at(-1)?.messages.map((m) => m.message.text)).toEqual([' ']),
    );
  });

  it('stops at once when aborted mid-clause, closing the socket', async () => {
    expect(await framesUntilAbort(await synthesizer(), 2)).toHaveLength(2);
    const used = server.connections.find((c) => c.messages.some((m) => m.message.text === `${LONG_CLAUSE} `));
    await vi.waitFor(() => expect(used?.closed).toMatchObject({ by: 'client', code: 1000 }));
    expect(used?.messages.some((m) => m.message.text === '')).toBe(true);
  });

  it('refuses a wrong key when the synthesizer is made, without quoting the key', async () => {
    const wrong = createElevenLabsEngine({
      apiKey: 'sk-wrong-secret-123',
      baseUrl: server.url,
      voices: ['voice-a'],
    });
    await expectKeyRefused(wrong, 'ELEVENLABS_API_KEY', 'sk-wrong-secret-123');
  });

  it('says so at creation when the service answers 429', async () => {
    server.setFailure({ kind: 'rate-limit' });
    await expect(engine.synthesizer(undefined, ctx)).rejects.toThrow(/HTTP 429/);
  });

  it('throws an EngineError when the socket drops mid-clause', async () => {
    const synth = await synthesizer();
    server.setFailure({ kind: 'drop', afterChunks: 2 });
    const frames: SpeechFrame[] = [];
    const error = await (async () => {
      for await (const frame of synth.synthesize(CLAUSE, new AbortController().signal)) frames.push(frame);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as Error).message).toMatch(/closed in the middle of a clause \(code 1006/);
  });

  it('reports the quota error the service sends', async () => {
    const synth = await synthesizer();
    server.setFailure({ kind: 'quota' });
    await expect(collect(synth, CLAUSE)).rejects.toThrow(/exceeds your quota.*quota_exceeded.*add credits/);
  });

  it('gives up on a server that goes quiet mid-clause', async () => {
    const quick = createElevenLabsEngine({
      apiKey: KEY,
      baseUrl: server.url,
      voices: ['voice-a'],
      stallTimeoutMs: 800,
    });
    const synth = await quick.synthesizer(undefined, ctx);
    server.setFailure({ kind: 'stall', afterChunks: 1 });
    await expect(collect(synth, CLAUSE)).rejects.toThrow(/no audio for 800 ms/);
    await quick.close?.();
  });

  it('needs a key or a URL', async () => {
    await expect(elevenLabsEngine(engineSettings({}), {})).rejects.toThrow(/ELEVENLABS_API_KEY is not set/);
  });

  it('takes voices from the spec and the configured voice (never an embedded voice name)', () => {
    const base = { env: { ELEVENLABS_API_KEY: KEY }, speakingRate: 1.5 };
    expect(
      elevenLabsOptions({ ...base, voice: 'cfg-voice' }, { voices: 'a|b', model: 'eleven_turbo_v2_5' }),
    ).toMatchObject({
      voices: ['a', 'b', 'cfg-voice'],
      model: 'eleven_turbo_v2_5',
      baseUrl: 'wss://api.elevenlabs.io',
    });
    expect(elevenLabsOptions({ ...base, voice: 'slt' }, {}).voices).toEqual([ELEVENLABS_DEFAULT_VOICE]);
  });

  it('refuses a voice it was not configured with', async () => {
    await expect(engine.synthesizer('someone-else', ctx)).rejects.toThrow(
      /voice 'someone-else' is not configured/,
    );
  });
});
