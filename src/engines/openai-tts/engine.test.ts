import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../clock.js';
import {
  type OpenAiAudioServer,
  type RecordedAudioRequest,
  startOpenAiAudioServer,
} from '../../testing/providers/openai-audio-server.js';
import type { EngineSettings, SynthesizerEngine } from '../engine.js';
import { createSynthesizer } from '../tts.js';
import { EngineError, type SpeechFrame, type Synthesizer } from '../types.js';
import { openAiSpeechEngine } from './engine.js';

const KEY = 'sk-parley-tts-test-abcdef0123456789';
const CLAUSE = 'Your order is on its way and should arrive tomorrow afternoon.';
const ctx = { sessionId: 'tts-test', clock: new SystemClock() };

let dir: string;
let flite: Synthesizer;
let server: OpenAiAudioServer;

function settings(env: EngineSettings['env']): EngineSettings {
  return { dataDir: dir, lm: 'domain', speakingRate: 1, env };
}

function engine(
  params: Record<string, string> = {},
  env: EngineSettings['env'] = {},
): Promise<SynthesizerEngine> {
  return openAiSpeechEngine(
    settings({ PARLEY_TTS_BASE_URL: server.url, PARLEY_TTS_API_KEY: KEY, ...env }),
    params,
  );
}

function lastSpeech(): RecordedAudioRequest {
  const last = server.requests.filter((r) => r.endpoint === 'speech').at(-1);
  if (!last) throw new Error('no speech request recorded');
  return last;
}

async function until(done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const rms = (frames: SpeechFrame[]) => {
  let sum = 0;
  let n = 0;
  for (const f of frames) {
    for (const s of f.samples) sum += s * s;
    n += f.samples.length;
  }
  return Math.sqrt(sum / Math.max(1, n));
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parley-openai-tts-'));
  flite = await createSynthesizer('slt');
  // 20 ms between chunks: the server makes audio as it goes, as a cloud voice does.
  server = await startOpenAiAudioServer({ synthesizer: flite, apiKey: KEY, chunkDelayMs: 20 });
});

afterEach(() => server.fail({ speech: undefined }));

afterAll(async () => {
  await server?.close();
  await flite?.close?.();
  rmSync(dir, { recursive: true, force: true });
});

describe('the openai speech engine against an OpenAI-compatible server', () => {
  it('streams 24 kHz frames while the server is still speaking the clause', async () => {
    const tts = await engine();
    const synth = await tts.synthesizer(undefined, ctx);
    expect(synth.sampleRate).toBe(24_000);
    expect(synth.voice).toBe('alloy');
    const frames: SpeechFrame[] = [];
    let beforeServerDone = 0;
    for await (const frame of synth.synthesize(CLAUSE, new AbortController().signal)) {
      frames.push(frame);
      if (!lastSpeech().finished) beforeServerDone++;
    }
    expect(beforeServerDone).toBeGreaterThanOrEqual(3);
    const samples = frames.reduce((n, f) => n + f.samples.length, 0);
    expect(samples * 2).toBe(lastSpeech().bytesSent);
    // A spoken clause: seconds of audible audio, stamped on one timeline at 24 kHz.
    expect(samples / 24_000).toBeGreaterThan(2);
    expect(rms(frames)).toBeGreaterThan(300);
    expect(frames.every((f) => f.sampleRate === 24_000)).toBe(true);
    expect(frames.at(-1)?.startMs).toBeCloseTo(
      ((samples - (frames.at(-1)?.samples.length ?? 0)) * 1000) / 24_000,
      6,
    );
    expect(lastSpeech()).toMatchObject({
      status: 200,
      model: 'gpt-4o-mini-tts',
      voice: 'alloy',
      responseFormat: 'pcm',
      text: CLAUSE,
      finished: true,
    });
  });

  it('closes the request when the signal aborts mid-clause', async () => {
    const tts = await engine();
    const synth = await tts.synthesizer(undefined, ctx);
    const abort = new AbortController();
    let frames = 0;
    for await (const _ of synth.synthesize(CLAUSE, abort.signal)) {
      if (++frames === 3) abort.abort();
    }
    expect(frames).toBeLessThan(10);
    const request = lastSpeech();
    await until(() => request.closedByClient);
    expect(request.finished).toBe(false);
  });

  it('finds a wrong key when the synthesizer is created, without showing the key', async () => {
    const tts = await engine({}, { PARLEY_TTS_API_KEY: 'sk-wrong-tts-key-5555' });
    const failure = await tts.synthesizer(undefined, ctx).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(EngineError);
    const message = (failure as EngineError).message;
    expect(message).toMatch(/rejected the API key \(HTTP 401, invalid_api_key\).*PARLEY_TTS_API_KEY/);
    expect(message).not.toContain('sk-wrong-tts-key-5555');
    expect(lastSpeech()).toMatchObject({ status: 401, authorized: false });
  });

  it('checks each voice once, and knows the voices it may use', async () => {
    const tts = await engine({ voices: 'af_bella|af_sky' }, { PARLEY_TTS_VOICE: 'bf_emma' });
    expect(tts.defaultVoice).toBe('bf_emma');
    expect(tts.voices).toEqual(expect.arrayContaining(['alloy', 'coral', 'bf_emma', 'af_bella', 'af_sky']));
    const before = server.requests.length;
    await tts.synthesizer(undefined, ctx);
    await tts.synthesizer('bf_emma', ctx);
    await tts.synthesizer('af_bella', ctx);
    expect(server.requests.slice(before).map((r) => r.voice)).toEqual(['bf_emma', 'af_bella']);
    await expect(tts.synthesizer('slt', ctx)).rejects.toThrow(/unknown voice 'slt'.*voices=a\|b/);
  });

  it('fails synthesize() with an EngineError when the connection drops mid-clause or stalls', async () => {
    const tts = await engine({ stallMs: '300' });
    const synth = await tts.synthesizer(undefined, ctx);
    const drain = async () => {
      let frames = 0;
      for await (const _ of synth.synthesize(CLAUSE, new AbortController().signal)) frames++;
      return frames;
    };
    server.fail({ speech: 'drop' });
    await expect(drain()).rejects.toThrow(/openai-tts: .*failed/);
    server.fail({ speech: 'stall' });
    await expect(drain()).rejects.toThrow(/stopped for 300 ms/);
    server.fail({ speech: 'server_error' });
    await expect(drain()).rejects.toThrow(/HTTP 500: The server had an error/);
  });

  it('needs a key for api.openai.com; an unreachable server fails at synthesizer()', async () => {
    await expect(openAiSpeechEngine(settings({}), {})).rejects.toThrow(/PARLEY_TTS_API_KEY/);
    const closed = await startOpenAiAudioServer({});
    await closed.close();
    const tts = await openAiSpeechEngine(settings({ PARLEY_TTS_BASE_URL: closed.url }), {});
    await expect(tts.synthesizer(undefined, ctx)).rejects.toThrow(
      /connection to .* failed.*PARLEY_TTS_BASE_URL/,
    );
  });
});
