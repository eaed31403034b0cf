/**
 * Speech on an OpenAI-compatible `/audio/speech` endpoint (OpenAI, Kokoro-FastAPI), configured by
 * PARLEY_TTS_BASE_URL, PARLEY_TTS_API_KEY, PARLEY_TTS_MODEL and PARLEY_TTS_VOICE. Parameters:
 * `voices=a|b` adds voice names the server speaks (Kokoro's `af_bella`, say), `timeoutMs` bounds
 * the wait for the response to start, `stallMs` a pause inside the streamed audio.
 *
 * API reference: https://platform.openai.com/docs/api-reference/audio/createSpeech
 * Voices: https://platform.openai.com/docs/guides/text-to-speech#voice-options
 */
import type { EngineFactory } from '../engine.js';
import { type ApiErrorContext, createAudioClient, openAiEndpoint } from '../openai-stt/audio-client.js';
import { checkParams, chooseVoice, msParam, splitList } from '../provider-config.js';
import type { Synthesizer } from '../types.js';
import { OpenAiSpeechSynthesizer } from './synthesizer.js';

const ENGINE = 'openai-tts';
export const DEFAULT_TTS_MODEL = 'gpt-4o-mini-tts';
/** OpenAI's built-in voices, as the API reference lists them. */
export const OPENAI_VOICES = [
  'alloy',
  'ash',
  'ballad',
  'coral',
  'echo',
  'fable',
  'onyx',
  'nova',
  'sage',
  'shimmer',
  'verse',
  'marin',
  'cedar',
] as const;
const DEFAULT_VOICE = 'alloy';
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_STALL_MS = 5_000;
/** Spoken once per engine and voice to check the URL, key, model and voice before the first call. */
const CHECK_TEXT = 'Hi.';
const PARAMS = ['voices', 'timeoutMs', 'stallMs'];

export interface TtsEnv {
  PARLEY_TTS_BASE_URL?: string;
  PARLEY_TTS_API_KEY?: string;
  PARLEY_TTS_MODEL?: string;
  PARLEY_TTS_VOICE?: string;
}

export const openAiSpeechEngine: EngineFactory<'tts'> = async (settings, params) => {
  checkParams(params, PARAMS, ENGINE);
  const env: TtsEnv = settings.env;
  const { baseUrl, apiKey } = openAiEndpoint(env.PARLEY_TTS_BASE_URL, env.PARLEY_TTS_API_KEY, {
    engine: ENGINE,
    keyVar: 'PARLEY_TTS_API_KEY',
    urlVar: 'PARLEY_TTS_BASE_URL',
    localServers: 'Kokoro-FastAPI',
  });
  const timeoutMs = msParam(params, 'timeoutMs', DEFAULT_TIMEOUT_MS, ENGINE);
  const defaultVoice = env.PARLEY_TTS_VOICE?.trim() || DEFAULT_VOICE;
  const voices = [...new Set([...OPENAI_VOICES, defaultVoice, ...splitList(params.voices)])];
  const errors: ApiErrorContext = {
    engine: ENGINE,
    url: `${baseUrl}/audio/speech`,
    keyVar: 'PARLEY_TTS_API_KEY',
    urlVar: 'PARLEY_TTS_BASE_URL',
    modelVar: 'PARLEY_TTS_MODEL',
    timeoutMs,
    ...(apiKey ? { apiKey } : {}),
  };
  const client = createAudioClient({ baseUrl, timeoutMs, ...(apiKey ? { apiKey } : {}) });
  const request = {
    model: env.PARLEY_TTS_MODEL?.trim() || DEFAULT_TTS_MODEL,
    speed: Math.min(4, Math.max(0.25, settings.speakingRate)),
    stallMs: msParam(params, 'stallMs', DEFAULT_STALL_MS, ENGINE),
    errors,
  };

  // One check per voice, kept once it passed: a wrong key, URL, model or voice fails the
  // session's start. A failed check is forgotten, so the next session tries again.
  const checked = new Map<string, Promise<Synthesizer>>();
  const synthesizer = (voice: string): Promise<Synthesizer> => {
    let made = checked.get(voice);
    if (!made) {
      const synth = new OpenAiSpeechSynthesizer(client, voice, request);
      made = (async () => {
        for await (const _ of synth.synthesize(CHECK_TEXT, new AbortController().signal)) {
          // drained: only the answer matters
        }
        return synth;
      })();
      made.catch(() => checked.delete(voice));
      checked.set(voice, made);
    }
    return made;
  };

  return {
    name: 'openai',
    voices,
    defaultVoice,
    async synthesizer(voice) {
      const engine = { name: ENGINE, voices, defaultVoice };
      const unknown = (v: string) => `unknown voice '${v}'`;
      return synthesizer(chooseVoice(voice, engine, unknown, 'PARLEY_TTS_VOICE or the voices=a|b parameter'));
    },
  };
};
