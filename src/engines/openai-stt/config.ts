/** PARLEY_STT_* and the engine parameters (`openai:partialMs=500,...`) as one checked configuration. */
import type { EngineParams } from '../engine.js';
import { checkParams, msParam } from '../provider-config.js';
import { openAiEndpoint } from './audio-client.js';

export const STT_ENGINE = 'openai-stt';
export const DEFAULT_STT_MODEL = 'gpt-4o-mini-transcribe';
/**
 * Re-decode the growing segment after this much new audio. Measured on a 2.4 s caller line
 * pushed in real time to the local server (pocketsphinx behind it, 5 runs each; 0 / 400 ms
 * added answer delay):
 *   250 ms: 8.6 / 5.0 partial requests, final latency 467 / 561 ms, 5.5× / 3.4× the audio uploaded
 *   500 ms: 4.0 / 4.0 partial requests, final latency 325 / 536 ms, 3.1× the audio uploaded
 *  1000 ms: 2.0 / 2.0 partial requests, final latency 233 / 588 ms, 2.3× the audio uploaded
 * 500 ms gives a partial about every half second (the first by ~0.6–0.9 s of speech) for the
 * turn detector, while a server busy with superseded partials (250 ms) delays the final. Uploads
 * are billed by audio length on OpenAI: `partialMs=0` sends the final only.
 */
export const DEFAULT_PARTIAL_MS = 500;
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Whisper reads at most 224 prompt tokens; about 4 characters each. */
const MAX_PROMPT_CHARS = 800;

export interface TranscriptionConfig {
  baseUrl: string;
  apiKey?: string;
  model: string;
  /** New audio between partial re-decodes, ms; 0 turns partials off. */
  partialMs: number;
  /** Longest wait for an answer, ms. */
  timeoutMs: number;
  /** A fixed prompt (the documented biasing text) for every request. */
  prompt?: string;
  /** ISO-639-1 language of the audio (documented to improve accuracy and latency). */
  language?: string;
}

export interface SttEnv {
  PARLEY_STT_BASE_URL?: string;
  PARLEY_STT_API_KEY?: string;
  PARLEY_STT_MODEL?: string;
}

const PARAMS = ['partialMs', 'timeoutMs', 'prompt', 'language'] as const;

export function transcriptionConfig(env: SttEnv, params: EngineParams): TranscriptionConfig {
  checkParams(params, PARAMS, STT_ENGINE, 'openai:partialMs=500');
  const { baseUrl, apiKey } = openAiEndpoint(env.PARLEY_STT_BASE_URL, env.PARLEY_STT_API_KEY, {
    engine: STT_ENGINE,
    keyVar: 'PARLEY_STT_API_KEY',
    urlVar: 'PARLEY_STT_BASE_URL',
    localServers: 'whisper.cpp, faster-whisper',
  });
  const partialRaw = params.partialMs;
  const partialMs = partialRaw === '0' ? 0 : msParam(params, 'partialMs', DEFAULT_PARTIAL_MS, STT_ENGINE);
  const prompt = params.prompt?.trim().slice(0, MAX_PROMPT_CHARS);
  const language = params.language?.trim();
  return {
    baseUrl,
    ...(apiKey ? { apiKey } : {}),
    model: env.PARLEY_STT_MODEL?.trim() || DEFAULT_STT_MODEL,
    partialMs,
    timeoutMs: msParam(params, 'timeoutMs', DEFAULT_TIMEOUT_MS, STT_ENGINE),
    ...(prompt ? { prompt } : {}),
    ...(language ? { language } : {}),
  };
}

/** The prompt for one utterance: the fixed one, else the turn's hints (short, comma-joined). */
export function promptFor(
  config: TranscriptionConfig,
  hints: readonly string[] | undefined,
): string | undefined {
  if (config.prompt) return config.prompt;
  if (!hints || hints.length === 0) return undefined;
  return hints.join(', ').slice(0, MAX_PROMPT_CHARS);
}
