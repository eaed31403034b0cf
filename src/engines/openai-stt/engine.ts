/**
 * Speech recognition on an OpenAI-compatible transcription endpoint: OpenAI, Groq, whisper.cpp's
 * server, faster-whisper servers. `POST {base}/audio/transcriptions`, multipart: the utterance as
 * a 16 kHz mono WAV, `model`, optional `prompt` and `language`, `response_format=json` → `{text}`.
 *
 * API reference: https://platform.openai.com/docs/api-reference/audio/createTranscription
 * Prompting (a biasing text, ≤ 224 tokens for whisper-1):
 * https://platform.openai.com/docs/guides/speech-to-text#prompting
 *
 * The agent's phrase templates are not sent as a prompt by default: Whisper-family models read
 * the prompt as the preceding transcript, and a word list of plain English (the package
 * tracker's) brings little while it can leak into short or near-silent segments, which partial
 * re-decodes send often. `prompt=...` sets one for unusual vocabulary; a turn's `hints` are
 * used when the session gives some.
 */
import type OpenAI from 'openai';
import { toFile } from 'openai';
import { SESSION_SAMPLE_RATE } from '../../audio/frame.js';
import { encodeWav } from '../../audio/wav.js';
import type { EngineFactory } from '../engine.js';
import { type ApiErrorContext, audioApiError, createAudioClient } from './audio-client.js';
import { promptFor, STT_ENGINE, type TranscriptionConfig, transcriptionConfig } from './config.js';
import { SegmentRecognition, type SegmentTranscriber } from './recognition.js';

/** Silence sent once per engine to check the URL, key and model before the first call. */
const CHECK_MS = 250;

/** One transcription request per call, through the official client. */
export class TranscriptionClient implements SegmentTranscriber {
  private readonly client: OpenAI;
  private readonly errors: ApiErrorContext;

  constructor(private readonly config: TranscriptionConfig) {
    this.client = createAudioClient(config);
    this.errors = {
      engine: STT_ENGINE,
      url: `${config.baseUrl}/audio/transcriptions`,
      keyVar: 'PARLEY_STT_API_KEY',
      urlVar: 'PARLEY_STT_BASE_URL',
      modelVar: 'PARLEY_STT_MODEL',
      timeoutMs: config.timeoutMs,
      ...(config.apiKey ? { apiKey: config.apiKey } : {}),
    };
  }

  async transcribe(samples: Int16Array, prompt: string | undefined, signal: AbortSignal): Promise<string> {
    try {
      const file = await toFile(encodeWav(samples, SESSION_SAMPLE_RATE), 'utterance.wav', {
        type: 'audio/wav',
      });
      const result = await this.client.audio.transcriptions.create(
        {
          file,
          model: this.config.model,
          response_format: 'json',
          ...(prompt ? { prompt } : {}),
          ...(this.config.language ? { language: this.config.language } : {}),
        },
        { signal },
      );
      return typeof result.text === 'string' ? result.text : '';
    } catch (err) {
      // An aborted request is dropped by its caller; only real failures need the fix.
      if (signal.aborted) throw err;
      throw audioApiError(err, this.errors);
    }
  }
}

export const openAiTranscriptionEngine: EngineFactory<'stt'> = async (settings, params) => {
  const config = transcriptionConfig(settings.env, params);
  const client = new TranscriptionClient(config);
  let checked: Promise<void> | undefined;
  /** One tiny request per engine: a wrong key or URL fails the session's start, not its first turn. */
  const check = (): Promise<void> => {
    if (!checked) {
      const silence = new Int16Array((CHECK_MS * SESSION_SAMPLE_RATE) / 1000);
      checked = client.transcribe(silence, undefined, new AbortController().signal).then(() => undefined);
      // A failure is not kept: the next session tries again (after the fix, say).
      checked.catch(() => {
        checked = undefined;
      });
    }
    return checked;
  };
  return {
    name: 'openai',
    prepare: check,
    // The agent's phrases are not sent: see the note at the top.
    async createRecognizer() {
      await check();
      return {
        open: (opts) => {
          const prompt = promptFor(config, opts?.hints);
          return new SegmentRecognition(client, {
            partialMs: config.partialMs,
            engine: STT_ENGINE,
            ...(prompt ? { prompt } : {}),
          });
        },
      };
    },
    async transcribe(samples) {
      const startedMs = performance.now();
      const text = await client.transcribe(samples, config.prompt, new AbortController().signal);
      const elapsedMs = performance.now() - startedMs;
      return {
        text: text.trim(),
        partials: [],
        finalLatencyMs: elapsedMs,
        elapsedMs,
        audioMs: (samples.length * 1000) / SESSION_SAMPLE_RATE,
      };
    },
  };
};
