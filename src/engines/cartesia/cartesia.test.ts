import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SystemClock } from '../../clock.js';
import { type CartesiaServer, startCartesiaServer } from '../../testing/providers/cartesia-server.js';
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
import { EngineError, type Synthesizer } from '../types.js';
import { CARTESIA_DEFAULT_VOICE, cartesiaEngine, cartesiaOptions, createCartesiaEngine } from './engine.js';

const KEY = 'cartesia-test-key-777';
const CLAUSE = 'Order four two one nine is in transit with UPS.';
const ctx = { sessionId: 'cartesia-test', clock: new SystemClock() };

const requests = (server: CartesiaServer) =>
  server.connections.flatMap((c) => c.messages.map((m) => m.message)).filter((m) => 'transcript' in m);

describe('the Cartesia WebSocket adapter against a local server', () => {
  let voice: Synthesizer;
  let server: CartesiaServer;
  let engine: SynthesizerEngine;
  const open: Synthesizer[] = [];

  beforeAll(async () => {
    voice = await createSynthesizer('slt');
    server = await startCartesiaServer({ synthesizer: voice, apiKey: KEY });
    engine = await cartesiaEngine(
      engineSettings({ CARTESIA_API_KEY: KEY, PARLEY_CARTESIA_URL: server.url }),
      {
        voice: 'voice-c',
        model: 'sonic-3',
      },
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

  async function synthesizer(e = engine): Promise<Synthesizer> {
    const s = await e.synthesizer(undefined, ctx);
    open.push(s);
    return s;
  }

  it('speaks a clause in several frames with a timing for every word, sent with the audio it starts in', async () => {
    const synth = await synthesizer();
    const frames = await collect(synth, CLAUSE);
    expect(frames.length).toBeGreaterThan(3);
    expect((samplesOf(frames).length * 1000) / synth.sampleRate).toBeGreaterThan(1000);
    expectTrueTimings(frames, CLAUSE);
    const request = requests(server).at(-1);
    expect(request).toMatchObject({
      model_id: 'sonic-3',
      transcript: CLAUSE,
      voice: { mode: 'id', id: 'voice-c' },
      output_format: { container: 'raw', encoding: 'pcm_s16le', sample_rate: 16_000 },
      add_timestamps: true,
      language: 'en',
      context_id: expect.any(String),
    });
    expect(server.connections.at(-1)?.version).toBe('2025-04-16');
  });

  it('runs every clause of a session on one socket, each with its own context', async () => {
    const sockets = server.connections.length;
    const synth = await synthesizer();
    await collect(synth, 'Hello there.');
    await collect(synth, 'Your parcel is on its way.');
    expect(server.connections.length).toBe(sockets + 1);
    const [a, b] = requests(server).slice(-2);
    expect(a?.context_id).not.toBe(b?.context_id);
  });

  it('also takes timestamps that come before their audio', async () => {
    const early = await startCartesiaServer({ synthesizer: voice, apiKey: KEY, timestampsFirst: true });
    try {
      const e = createCartesiaEngine({ apiKey: KEY, url: early.url, voices: ['v'] });
      const synth = await synthesizer(e);
      expectTrueTimings(await collect(synth, CLAUSE), CLAUSE);
    } finally {
      await early.close();
    }
  });

  it('stops at once when aborted mid-clause and cancels its context', async () => {
    expect(await framesUntilAbort(await synthesizer(), 2)).toHaveLength(2);
    const request = requests(server).find((m) => m.transcript === LONG_CLAUSE);
    await vi.waitFor(() =>
      expect(server.connections.at(-1)?.messages.map((m) => m.message)).toContainEqual({
        context_id: request?.context_id,
        cancel: true,
      }),
    );
  });

  it('refuses a wrong key when the synthesizer is made, without quoting the key', async () => {
    const wrong = createCartesiaEngine({ apiKey: 'sk_car_wrong_secret', url: server.url, voices: ['v'] });
    await expectKeyRefused(wrong, 'CARTESIA_API_KEY', 'sk_car_wrong_secret');
  });

  it('fails the clause when the socket drops, and the next clause reconnects', async () => {
    const synth = await synthesizer();
    const sockets = server.connections.length;
    server.setFailure({ kind: 'drop', afterChunks: server.connections.at(-1)!.chunksSent + 3 });
    const error = await collect(synth, CLAUSE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as Error).message).toMatch(/closed in the middle of a clause \(code 1006/);
    server.setFailure(undefined);
    const frames = await collect(synth, 'Still here.');
    expect(frames.flatMap((f) => f.words ?? []).map((w) => w.word)).toEqual(['Still', 'here.']);
    expect(server.connections.length).toBe(sockets + 1);
  });

  it('fails the next clause when the reconnect is refused', async () => {
    const doomed = await startCartesiaServer({
      synthesizer: voice,
      apiKey: KEY,
      failure: { kind: 'drop', afterChunks: 1 },
    });
    const synth = await synthesizer(createCartesiaEngine({ apiKey: KEY, url: doomed.url, voices: ['v'] }));
    await expect(collect(synth, CLAUSE)).rejects.toThrow(EngineError);
    await doomed.close();
    const error = await collect(synth, 'Still here.').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as Error).message).toMatch(/cannot reach .*PARLEY_CARTESIA_URL/);
  });

  it('reports the documented 429 error event', async () => {
    const synth = await synthesizer();
    server.setFailure({ kind: 'rate-limit' });
    await expect(collect(synth, CLAUSE)).rejects.toThrow(
      /Too many concurrent requests.*429 concurrency_limited/,
    );
  });

  it('gives up on a server that goes quiet mid-clause, cancelling the context', async () => {
    const quick = createCartesiaEngine({ apiKey: KEY, url: server.url, voices: ['v'], stallTimeoutMs: 800 });
    const synth = await synthesizer(quick);
    server.setFailure({ kind: 'stall', afterChunks: 1 });
    await expect(collect(synth, CLAUSE)).rejects.toThrow(/no audio for 800 ms/);
    await vi.waitFor(() =>
      expect(server.connections.at(-1)?.messages.some((m) => m.message.cancel === true)).toBe(true),
    );
  });

  it('needs a key or a URL', async () => {
    await expect(cartesiaEngine(engineSettings({}), {})).rejects.toThrow(/CARTESIA_API_KEY is not set/);
  });

  it('takes voices from the spec and the configured voice (never an embedded voice name)', () => {
    const base = { env: { CARTESIA_API_KEY: KEY }, speakingRate: 1 };
    expect(
      cartesiaOptions({ ...base, voice: 'cfg-voice' }, { voice: 'a', version: '2026-03-01' }),
    ).toMatchObject({
      voices: ['a', 'cfg-voice'],
      model: 'sonic-3',
      version: '2026-03-01',
      url: 'wss://api.cartesia.ai/tts/websocket',
    });
    expect(cartesiaOptions({ ...base, voice: 'kal16' }, {}).voices).toEqual([CARTESIA_DEFAULT_VOICE]);
  });
});
