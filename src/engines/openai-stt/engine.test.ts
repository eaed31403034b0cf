import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_SAMPLE_RATE } from '../../audio/frame.js';
import { splitFrames } from '../../audio/signals.js';
import { PACKAGE_TRACKER_PHRASES } from '../../apps/package-tracker/phrases.js';
import { SystemClock } from '../../clock.js';
import { composeCaller } from '../../runtime/caller-audio.js';
import {
  type OpenAiAudioServer,
  startOpenAiAudioServer,
} from '../../testing/providers/openai-audio-server.js';
import type { EngineSettings, RecognizerEngine } from '../engine.js';
import { ensureDomainLm } from '../pocketsphinx/domain-lm.js';
import { PocketsphinxRecognizer } from '../pocketsphinx/recognizer.js';
import { EngineError, type Recognition } from '../types.js';
import { openAiTranscriptionEngine } from './engine.js';

const KEY = 'sk-parley-test-0123456789abcdef';
const LINE = 'where is my order four two one nine';
const ctx = { sessionId: 'stt-test', clock: new SystemClock() };
const domain = { phrases: PACKAGE_TRACKER_PHRASES };

let dir: string;
let recognizer: PocketsphinxRecognizer;
let server: OpenAiAudioServer;
let caller: Int16Array;

function settings(env: EngineSettings['env']): EngineSettings {
  return { dataDir: dir, lm: 'domain', speakingRate: 1, env };
}

function engine(
  params: Record<string, string> = {},
  env: EngineSettings['env'] = {},
): Promise<RecognizerEngine> {
  return openAiTranscriptionEngine(
    settings({ PARLEY_STT_BASE_URL: server.url, PARLEY_STT_API_KEY: KEY, ...env }),
    params,
  );
}

/** Pushes the caller line in real time (20 ms per 20 ms frame), noting how much was pushed. */
async function pushInRealTime(r: Recognition, samples: Int16Array, pushed: { ms: number }): Promise<void> {
  const startedMs = performance.now();
  for (const [i, frame] of splitFrames(samples, SESSION_SAMPLE_RATE).entries()) {
    const wait = startedMs + i * 20 - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    r.push(frame);
    pushed.ms = (i + 1) * 20;
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parley-openai-stt-'));
  // The server's recognizer: pocketsphinx with the package tracker's domain model.
  recognizer = await PocketsphinxRecognizer.create({
    lm: await ensureDomainLm(PACKAGE_TRACKER_PHRASES, join(dir, 'lm')),
  });
  server = await startOpenAiAudioServer({ recognizer, apiKey: KEY });
  caller = (await composeCaller({ voice: 'rms', parts: [LINE] })).samples;
});

afterEach(() => server.fail({ transcriptions: undefined }));

afterAll(async () => {
  await server?.close();
  await recognizer?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the openai transcription engine against an OpenAI-compatible server', () => {
  it('transcribes a caller line: the final text, with its latency', async () => {
    const stt = await engine({ partialMs: '0' });
    const r = (await stt.createRecognizer(domain, ctx)).open();
    for (const frame of splitFrames(caller, SESSION_SAMPLE_RATE)) r.push(frame);
    const final = await r.finish();
    expect(final.text).toBe(LINE);
    expect(final.final).toBe(true);
    expect(final.latencyMs).toBeGreaterThan(0);
    const last = server.requests.at(-1);
    expect(last).toMatchObject({
      endpoint: 'transcriptions',
      status: 200,
      responseFormat: 'json',
      text: LINE,
    });
    expect(last?.model).toBe('gpt-4o-mini-transcribe');
    // (the last frame pushed is padded to 20 ms)
    expect(Math.abs((last?.audioMs ?? 0) - (caller.length * 1000) / SESSION_SAMPLE_RATE)).toBeLessThan(20);
    // A whole recording (`parley transcribe`) is one request.
    await expect(stt.transcribe?.(caller, {})).resolves.toMatchObject({ text: LINE, partials: [] });
  });

  it('gives partials while the utterance grows, each from a longer segment', async () => {
    const stt = await engine({ partialMs: '500' }, { PARLEY_STT_MODEL: 'whisper-1' });
    const r = (await stt.createRecognizer(domain, ctx)).open();
    const before = server.requests.length;
    const pushed = { ms: 0 };
    const partials: { text: string; pushedMs: number }[] = [];
    const reading = (async () => {
      for await (const p of r.partials()) partials.push({ text: p.text, pushedMs: pushed.ms });
    })();
    await pushInRealTime(r, caller, pushed);
    const final = await r.finish();
    await reading;

    expect(final.text).toBe(LINE);
    expect(partials.length).toBeGreaterThanOrEqual(2);
    // The first partial came while the caller was still talking, and they grew towards the final.
    expect(partials[0]?.pushedMs).toBeLessThan(pushed.ms);
    expect(partials[0]?.text.length).toBeLessThan(partials.at(-1)?.text.length ?? 0);
    const uploads = server.requests.slice(before).map((q) => q.audioMs ?? 0);
    expect(uploads.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < uploads.length; i++) expect(uploads[i]).toBeGreaterThan(uploads[i - 1] as number);
    expect(server.requests.slice(before).every((q) => q.model === 'whisper-1')).toBe(true);
  });

  it('finds a wrong key when the recognizer is created, without showing the key', async () => {
    const stt = await engine({}, { PARLEY_STT_API_KEY: 'sk-wrong-key-9876543210' });
    const failure = await stt.createRecognizer(domain, ctx).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(EngineError);
    const message = (failure as EngineError).message;
    expect(message).toMatch(/rejected the API key \(HTTP 401, invalid_api_key\)/);
    expect(message).toMatch(/PARLEY_STT_API_KEY/);
    expect(message).not.toContain('sk-wrong-key-9876543210');
    expect(message).not.toContain('3210');
    expect(server.requests.at(-1)).toMatchObject({ status: 401, authorized: false });
  });

  it('finds an unreachable server when the recognizer is created', async () => {
    const closed = await startOpenAiAudioServer({});
    await closed.close();
    const stt = await openAiTranscriptionEngine(settings({ PARLEY_STT_BASE_URL: closed.url }), {});
    await expect(stt.createRecognizer(domain, ctx)).rejects.toThrow(
      /connection to http:\/\/127\.0\.0\.1:\d+\/v1\/audio\/transcriptions failed \(.*ECONNREFUSED.*PARLEY_STT_BASE_URL/,
    );
  });

  it('checks the server once per engine', async () => {
    const stt = await engine();
    const before = server.requests.length;
    await stt.createRecognizer(domain, ctx);
    await stt.createRecognizer(domain, ctx);
    expect(server.requests.length - before).toBe(1);
  });

  it('rejects finish() with an EngineError when the server drops the request', async () => {
    const stt = await engine({ partialMs: '500' });
    const r = (await stt.createRecognizer(domain, ctx)).open();
    server.fail({ transcriptions: 'drop' });
    // Caught at once: the failure comes while audio is still being pushed.
    const partialsEnd = (async () => {
      for await (const _ of r.partials()) {
        // none arrive
      }
    })().catch((e: unknown) => e);
    await pushInRealTime(r, caller.subarray(0, SESSION_SAMPLE_RATE), { ms: 0 });
    const failure = await r.finish().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(EngineError);
    expect((failure as EngineError).message).toMatch(/openai-stt: the connection to .* failed/);
    expect(await partialsEnd).toBeInstanceOf(EngineError);
  });

  it('reports a rate limit and a stalled server with their fixes', async () => {
    server.fail({ transcriptions: 'rate_limit' });
    const limited = await engine();
    await expect(limited.createRecognizer(domain, ctx)).rejects.toThrow(
      /HTTP 429: Rate limit reached.*retry later/,
    );

    server.fail({ transcriptions: undefined });
    const stt = await engine({ partialMs: '0', timeoutMs: '500' });
    const r = (await stt.createRecognizer(domain, ctx)).open();
    server.fail({ transcriptions: 'stall' });
    for (const frame of splitFrames(caller, SESSION_SAMPLE_RATE)) r.push(frame);
    await expect(r.finish()).rejects.toThrow(/no answer from .* within 500 ms/);
  });

  it('needs a key for api.openai.com but none for a local server', async () => {
    await expect(openAiTranscriptionEngine(settings({}), {})).rejects.toThrow(/PARLEY_STT_API_KEY/);
    const open = await startOpenAiAudioServer({ recognizer });
    try {
      const stt = await openAiTranscriptionEngine(settings({ PARLEY_STT_BASE_URL: `${open.url}/` }), {
        partialMs: '0',
      });
      const r = (await stt.createRecognizer(domain, ctx)).open();
      for (const frame of splitFrames(caller, SESSION_SAMPLE_RATE)) r.push(frame);
      expect((await r.finish()).text).toBe(LINE);
    } finally {
      await open.close();
    }
    await expect(engine({ partialMs: 'soon' })).rejects.toThrow(/partialMs must be a number/);
    await expect(engine({ chunkMs: '20' })).rejects.toThrow(/unknown parameter 'chunkMs'/);
  });
});
