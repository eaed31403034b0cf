import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_SAMPLE_RATE } from '../../audio/frame.js';
import { concat, silence, splitFrames } from '../../audio/signals.js';
import { PACKAGE_TRACKER_PHRASES } from '../../apps/package-tracker/index.js';
import { SystemClock } from '../../clock.js';
import { composeCaller } from '../../runtime/caller-audio.js';
import {
  type DeepgramServer,
  type DeepgramServerOptions,
  startDeepgramServer,
} from '../../testing/providers/deepgram-server.js';
import type { RecognizerEngine } from '../engine.js';
import { pocketsphinxEngine } from '../pocketsphinx/engine.js';
import { EngineError, type Recognition } from '../types.js';
import { DEFAULT_OPTIONS, type DeepgramOptions } from './config.js';
import { createDeepgramEngine, deepgramEngine } from './engine.js';
import type { DeepgramStream } from './stream.js';

const KEY = 'dg-test-key-5f1c9a';
const ctx = { sessionId: 'test', clock: new SystemClock() };
const domain = { phrases: PACKAGE_TRACKER_PHRASES };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let dir: string;
let pocketsphinx: RecognizerEngine;
let question: Int16Array;
let cancel: Int16Array;
const servers: DeepgramServer[] = [];
const engines: { close(): Promise<void> }[] = [];
/** Ms from finish() to the final, for the report. */
const latencies: number[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-deepgram-'));
  pocketsphinx = await pocketsphinxEngine({ dataDir: dir, lm: 'domain', speakingRate: 1, env: {} }, {});
  await pocketsphinx.prepare?.(domain);
  question = (await composeCaller({ voice: 'slt', parts: ['Where is my order four two one nine?'] })).samples;
  cancel = (await composeCaller({ voice: 'slt', parts: ['I want to cancel my order.'] })).samples;
}, 120_000);

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  await pocketsphinx?.close?.();
  await rm(dir, { recursive: true, force: true });
  if (latencies.length > 0) console.log(`deepgram final latency (ms from finish()): ${latencies.join(', ')}`);
});

async function server(opts: Partial<DeepgramServerOptions> = {}): Promise<DeepgramServer> {
  // A recognizer per stream, as no Deepgram stream adapts to another's caller.
  const s = await startDeepgramServer({
    recognizer: () => pocketsphinx.createRecognizer(domain, ctx),
    apiKey: KEY,
    ...opts,
  });
  servers.push(s);
  return s;
}

function engine(url: string, opts: Partial<DeepgramOptions> = {}) {
  const e = createDeepgramEngine({ ...DEFAULT_OPTIONS, url, apiKey: KEY, ...opts });
  engines.push(e);
  return e;
}

/** Pushes `samples` as 20 ms frames, `paceMs` apart (20: real time; 0: as fast as possible). */
async function feed(recognition: Recognition, samples: Int16Array, paceMs = 20): Promise<void> {
  for (const frame of splitFrames(samples, SESSION_SAMPLE_RATE)) {
    recognition.push(frame);
    if (paceMs > 0) await sleep(paceMs);
  }
}

async function collect(recognition: Recognition): Promise<string[]> {
  const texts: string[] = [];
  for await (const p of recognition.partials()) texts.push(p.text);
  return texts;
}

/** A caller line followed by the silence a turn detector waits before it commits. */
const withPause = (samples: Int16Array) => concat(samples, silence(600, SESSION_SAMPLE_RATE));

describe('deepgram recognizer against a local Deepgram server', () => {
  it('streams a caller line: partials grow, and the final is what was said', async () => {
    const s = await server();
    const e = await deepgramEngine(
      {
        dataDir: dir,
        lm: 'domain',
        speakingRate: 1,
        env: { DEEPGRAM_API_KEY: KEY, PARLEY_DEEPGRAM_URL: s.url },
      },
      {},
    );
    engines.push(e as { close(): Promise<void> });
    const recognizer = await e.createRecognizer(domain, ctx);
    const r = recognizer.open();
    const partials = collect(r);
    await feed(r, withPause(question));
    const final = await r.finish();
    expect(final).toMatchObject({ text: 'where is my order four two one nine', final: true });
    expect(final.latencyMs).toBeGreaterThan(0);
    latencies.push(Math.round(final.latencyMs as number));

    const texts = await partials;
    expect(new Set(texts).size).toBeGreaterThanOrEqual(2);
    expect(texts[0]?.split(' ').length).toBeLessThan(8);
    expect(texts.at(-1)).toContain('four two one');
    // vad_events: the server's SpeechStarted reached the stream (informational; Parley's own VAD decides).
    expect((recognizer as DeepgramStream).stats.received.SpeechStarted).toBeGreaterThanOrEqual(1);

    // The documented live query; the key travels only in the Authorization header.
    const [stream] = s.streams;
    expect(stream?.query).toMatchObject({
      encoding: ['linear16'],
      sample_rate: ['16000'],
      channels: ['1'],
      interim_results: ['true'],
      endpointing: ['300'],
      utterance_end_ms: ['1000'],
      vad_events: ['true'],
      smart_format: ['false'],
      model: ['nova-3'],
      language: ['en'],
    });
    expect(stream?.query.keyterm).toContain('order');
    expect(stream?.query.keyterm?.length).toBeLessThanOrEqual(20);
    expect(JSON.stringify(stream?.query)).not.toContain(KEY);
    expect(stream?.controls).toEqual(['Finalize']);
    expect(stream?.audioMs).toBeCloseTo((withPause(question).length * 1000) / SESSION_SAMPLE_RATE, -2);
  });

  it('keeps utterances apart: an abandoned one never leaks into the next', async () => {
    const s = await server();
    const recognizer = await engine(s.url).createRecognizer(domain, ctx);
    // The first is pushed at once and abandoned while its results are still on their way.
    const abandoned = recognizer.open();
    const abandonedPartials = collect(abandoned);
    await feed(abandoned, cancel, 0);
    abandoned.close();
    await expect(abandonedPartials).resolves.toBeInstanceOf(Array);

    const next = recognizer.open();
    const partials = collect(next);
    await feed(next, withPause(question));
    const final = await next.finish();
    latencies.push(Math.round(final.latencyMs as number));
    expect(final.text).toBe('where is my order four two one nine');
    expect((await partials).filter((t) => /cancel/.test(t))).toEqual([]);
    // Both utterances were flushed on their own.
    expect(s.streams[0]?.controls).toEqual(['Finalize', 'Finalize']);
    await expect(abandoned.finish()).rejects.toThrow(/after close/);
  });

  it('keeps an idle session alive with KeepAlive past the server’s idle limit', async () => {
    const s = await server({ idleTimeoutMs: 700 });
    const recognizer = await engine(s.url, { keepAliveMs: 250 }).createRecognizer(domain, ctx);
    await sleep(2000);
    expect(s.streams[0]?.closed).toBeUndefined();
    expect(s.streams[0]?.controls.filter((c) => c === 'KeepAlive').length).toBeGreaterThanOrEqual(3);
    const r = recognizer.open();
    await feed(r, withPause(question), 5);
    expect((await r.finish()).text).toBe('where is my order four two one nine');
  });

  it('without KeepAlive the server closes an idle stream (1011 NET-0001), and the next utterance fails at once', async () => {
    const s = await server({ idleTimeoutMs: 500 });
    const recognizer = await engine(s.url, { keepAliveMs: 60_000 }).createRecognizer(domain, ctx);
    await sleep(1500);
    expect(s.streams[0]?.closed).toEqual({ code: 1011, reason: 'NET-0001' });
    const r = recognizer.open();
    const started = performance.now();
    await expect(r.finish()).rejects.toThrow(/1011.*NET-0001/);
    await expect(collect(r)).rejects.toBeInstanceOf(EngineError);
    // At once: long before the 3000 ms a Finalize may take.
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses a wrong key at session start, without showing the key', async () => {
    const s = await server();
    const wrong = 'dg-wrong-key-77aa31';
    const err = await engine(s.url, { apiKey: wrong })
      .createRecognizer(domain, ctx)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as Error).message).toMatch(/401/);
    expect((err as Error).message).toMatch(/DEEPGRAM_API_KEY/);
    expect((err as Error).message).not.toContain(wrong);
    expect(s.refused).toEqual([401]);
    expect(s.streams).toEqual([]);
  });

  it('reports a rate limit (429) and an unreachable server at session start', async () => {
    const s = await server({ rateLimited: true });
    await expect(engine(s.url).createRecognizer(domain, ctx)).rejects.toThrow(/429/);

    // A port nobody listens on.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const { port } = probe.address() as { port: number };
    await new Promise((r) => probe.close(r));
    const err = await engine(`ws://127.0.0.1:${port}/v1/listen`)
      .createRecognizer(domain, ctx)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as Error).message).toMatch(
      /cannot reach ws:\/\/127\.0\.0\.1:\d+\/v1\/listen \(ECONNREFUSED\)/,
    );
  });

  it('fails the utterance when the socket drops mid-utterance, and the next one at once', async () => {
    const s = await server({ dropAfterAudioMs: 800 });
    const recognizer = await engine(s.url).createRecognizer(domain, ctx);
    const r = recognizer.open();
    const partials = collect(r);
    const finished = (async () => {
      await feed(r, withPause(question), 10);
      return r.finish();
    })();
    await expect(partials).rejects.toThrow(/stream closed \(code 1006/);
    await expect(finished).rejects.toBeInstanceOf(EngineError);
    await expect(finished).rejects.toThrow(/1006/);
    const next = recognizer.open();
    await expect(next.finish()).rejects.toThrow(/1006/);
  });

  it('rejects finish() when Finalize is never answered', async () => {
    const s = await server({ stallFinalize: true });
    const recognizer = await engine(s.url, { finalizeTimeoutMs: 800, endpointingMs: false }).createRecognizer(
      domain,
      ctx,
    );
    const r = recognizer.open();
    await feed(r, question, 0);
    const started = performance.now();
    await expect(r.finish()).rejects.toThrow(/no final transcript within 800 ms/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(700);
    await expect(recognizer.open().finish()).rejects.toThrow(/800 ms/);
  });

  it('closes with CloseStream: the server sends its Metadata and ends the stream normally', async () => {
    const s = await server();
    const recognizer = (await engine(s.url).createRecognizer(domain, ctx)) as DeepgramStream;
    const r = recognizer.open();
    await feed(r, withPause(question), 0);
    expect((await r.finish()).text).toBe('where is my order four two one nine');
    await recognizer.close();
    expect(s.streams[0]?.controls).toEqual(['Finalize', 'CloseStream']);
    expect(s.streams[0]?.sent.at(-1)).toBe('Metadata');
    expect(s.streams[0]?.closed).toEqual({ code: 1000, reason: '' });
    expect(recognizer.stats.requestId).toMatch(/^[0-9a-f-]{36}$/);
    await expect(recognizer.open().finish()).rejects.toThrow(/closed/);
  });
});
