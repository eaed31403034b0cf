import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_SAMPLE_RATE } from '../../audio/frame.js';
import { encodeWav } from '../../audio/wav.js';
import packageTracker from '../../apps/package-tracker/agent.js';
import { PACKAGE_TRACKER_PHRASES } from '../../apps/package-tracker/phrases.js';
import type { EngineSettings } from '../../engines/engine.js';
import { openAiTranscriptionEngine } from '../../engines/openai-stt/engine.js';
import { openAiSpeechEngine } from '../../engines/openai-tts/engine.js';
import { ensureDomainLm } from '../../engines/pocketsphinx/domain-lm.js';
import { PocketsphinxRecognizer } from '../../engines/pocketsphinx/recognizer.js';
import { createSynthesizer } from '../../engines/tts.js';
import type { Synthesizer } from '../../engines/types.js';
import { composeCaller } from '../../runtime/caller-audio.js';
import { runRecordedCall } from '../../runtime/recorded-call.js';
import { createRuntime } from '../../runtime/runtime.js';
import { type OpenAiAudioServer, startOpenAiAudioServer } from './openai-audio-server.js';

const KEY = 'sk-parley-call-test-0000111122223333';

let dir: string;
let recognizer: PocketsphinxRecognizer;
let flite: Synthesizer;
let server: OpenAiAudioServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parley-openai-audio-'));
  recognizer = await PocketsphinxRecognizer.create({
    lm: await ensureDomainLm(PACKAGE_TRACKER_PHRASES, join(dir, 'lm')),
  });
  flite = await createSynthesizer('slt');
  server = await startOpenAiAudioServer({ recognizer, synthesizer: flite, apiKey: KEY });
});

afterAll(async () => {
  await server?.close();
  await recognizer?.close();
  await flite?.close?.();
  rmSync(dir, { recursive: true, force: true });
});

const post = (path: string, body: BodyInit, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    body,
    headers: { authorization: `Bearer ${KEY}`, ...headers },
  });

describe('the local OpenAI-compatible audio server', () => {
  it("answers a wrong or missing key with OpenAI's 401 bodies", async () => {
    const wrong = await post('/audio/speech', '{}', { authorization: 'Bearer sk-not-the-key-1234' });
    expect(wrong.status).toBe(401);
    const body = (await wrong.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key', param: null });
    expect(body.error.message).toMatch(/^Incorrect API key provided: sk-\*+1234\./);
    const none = await fetch(`${server.url}/audio/speech`, { method: 'POST', body: '{}' });
    expect(((await none.json()) as { error: { message: string } }).error.message).toMatch(
      /You didn't provide an API key/,
    );
  });

  it('transcribes a WAV at any rate into verbose_json, and speaks a streamed WAV', async () => {
    const caller = await composeCaller({ voice: 'awb', parts: ['cancel my order'] });
    const form = new FormData();
    // 8 kHz upload: the server resamples before recognizing.
    const wav8k = encodeWav(
      caller.samples.filter((_, i) => i % 2 === 0),
      SESSION_SAMPLE_RATE / 2,
    );
    form.set('file', new Blob([new Uint8Array(wav8k)], { type: 'audio/wav' }), 'a.wav');
    form.set('model', 'whisper-1');
    form.set('response_format', 'verbose_json');
    const res = await post('/audio/transcriptions', form);
    expect(res.status).toBe(200);
    const verbose = (await res.json()) as { text: string; duration: number; task: string };
    expect(verbose.task).toBe('transcribe');
    expect(verbose.text).toBe('cancel my order');
    expect(verbose.duration).toBeCloseTo(caller.samples.length / SESSION_SAMPLE_RATE, 1);

    const speech = await post(
      '/audio/speech',
      JSON.stringify({ model: 'tts-1', input: 'Hello there.', voice: 'alloy', response_format: 'wav' }),
    );
    const bytes = new Uint8Array(await speech.arrayBuffer());
    expect(speech.headers.get('content-type')).toBe('audio/wav');
    const view = new DataView(bytes.buffer);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('RIFF');
    expect(view.getUint32(24, true)).toBe(24_000);
    expect(bytes.length - 44).toBeGreaterThan(24_000); // over half a second of 16-bit audio
  });
});

describe('a real call through the openai audio engines', () => {
  it('hears the caller through /audio/transcriptions and answers through /audio/speech', async () => {
    const env = {
      PARLEY_STT_BASE_URL: server.url,
      PARLEY_STT_API_KEY: KEY,
      PARLEY_TTS_BASE_URL: server.url,
      PARLEY_TTS_API_KEY: KEY,
    };
    const settings: EngineSettings = { dataDir: dir, lm: 'domain', speakingRate: 1, env };
    const runtime = createRuntime({
      engines: {
        stt: await openAiTranscriptionEngine(settings, {}),
        tts: await openAiSpeechEngine(settings, {}),
      },
      agent: packageTracker,
      settings: { dataDir: join(dir, 'runtime'), env: {} },
    });
    const caller = await composeCaller({
      voice: 'rms',
      parts: [{ pauseMs: 400 }, 'where is my order four two one nine', { pauseMs: 300 }],
    });
    const before = server.requests.length;
    try {
      const result = await runRecordedCall({
        samples: caller.samples,
        settleMs: 1500,
        createSession: (clock) =>
          runtime.createSession({ clock, options: { greeting: false, echoReturnGain: 0 } }),
      });
      expect(result.errors).toEqual([]);
      const tools = result.traces.flatMap((t) => t.tools);
      expect(tools).toContainEqual({
        name: 'get_order_status',
        args: { order_number: '4219' },
        status: 'executed',
      });
      expect(result.traces[0]?.agentText).toMatch(/four two one nine/);
      // The agent's answer was heard: audible audio on the agent's track.
      const audibleMs = (result.agent.filter((s) => Math.abs(s) > 1000).length * 1000) / SESSION_SAMPLE_RATE;
      expect(audibleMs).toBeGreaterThan(500);
      const made = server.requests.slice(before);
      expect(made.filter((r) => r.endpoint === 'transcriptions' && r.status === 200).length).toBeGreaterThan(
        1,
      );
      expect(
        made.some(
          (r) => r.endpoint === 'speech' && r.status === 200 && /four two one nine/.test(r.text ?? ''),
        ),
      ).toBe(true);
    } finally {
      await runtime.close();
    }
  });
});
