/**
 * ElevenLabs as a synthesizer engine (stream-input WebSocket with character alignment).
 * https://elevenlabs.io/docs/api-reference/text-to-speech/v-1-text-to-speech-voice-id-stream-input
 *
 * Environment: ELEVENLABS_API_KEY; PARLEY_ELEVENLABS_URL (default wss://api.elevenlabs.io).
 * Parameters (`elevenlabs:voice=…,model=…`): `voice` (a voice id), `voices` (ids separated by
 * `|`; the first is the default), `model` (default eleven_flash_v2_5), `language` (ISO 639-1).
 */
import type { EngineFactory, EngineParams, EngineSettings, SynthesizerEngine } from '../engine.js';
import { isVoiceName } from '../tts.js';
import { EngineError } from '../types.js';
import { ElevenLabsSynthesizer } from './synthesizer.js';

export const ELEVENLABS_DEFAULT_URL = 'wss://api.elevenlabs.io';
export const ELEVENLABS_DEFAULT_MODEL = 'eleven_flash_v2_5';
/** "George", a premade voice every account has (the documentation's example voice). */
export const ELEVENLABS_DEFAULT_VOICE = 'JBFqnCBsd6RMkjVDRZzb';

export interface ElevenLabsEngineOptions {
  /** Sent as the `xi-api-key` header; may be absent for a compatible server without keys. */
  apiKey?: string;
  /** Default ELEVENLABS_DEFAULT_URL. */
  baseUrl?: string;
  /** Voice ids; the first is the default. Default [ELEVENLABS_DEFAULT_VOICE]. */
  voices?: string[];
  /** Default ELEVENLABS_DEFAULT_MODEL. */
  model?: string;
  language?: string;
  /** Speaking-rate factor, clamped to ElevenLabs' 0.7–1.2. Default 1. */
  speed?: number;
  /** Handshake deadline. Default 10000 ms. */
  connectTimeoutMs?: number;
  /** Longest wait for the next message of a clause. Default 10000 ms. */
  stallTimeoutMs?: number;
  /** The server's inactivity_timeout for spare connections, in seconds. Default 180 (the most it allows). */
  inactivityTimeoutS?: number;
}

/** Options from the environment and the engine spec's parameters; throws EngineError when unusable. */
export function elevenLabsOptions(
  settings: Pick<EngineSettings, 'env' | 'voice' | 'speakingRate'>,
  params: EngineParams,
): ElevenLabsEngineOptions {
  const apiKey = settings.env.ELEVENLABS_API_KEY?.trim() || undefined;
  const url = settings.env.PARLEY_ELEVENLABS_URL?.trim() || undefined;
  if (!apiKey && !url) {
    throw new EngineError(
      'elevenlabs',
      'ELEVENLABS_API_KEY is not set',
      'set ELEVENLABS_API_KEY (or PARLEY_ELEVENLABS_URL for a compatible server that needs no key)',
    );
  }
  const listed = [
    ...(params.voice ? [params.voice] : []),
    ...(params.voices ?? '').split('|').map((v) => v.trim()),
    // The runtime's configured voice, unless it names one of the embedded voices.
    ...(settings.voice && !isVoiceName(settings.voice) ? [settings.voice] : []),
  ].filter((v) => v !== '');
  return {
    ...(apiKey ? { apiKey } : {}),
    baseUrl: url ?? ELEVENLABS_DEFAULT_URL,
    voices: listed.length > 0 ? [...new Set(listed)] : [ELEVENLABS_DEFAULT_VOICE],
    model: params.model || ELEVENLABS_DEFAULT_MODEL,
    ...(params.language ? { language: params.language } : {}),
    speed: settings.speakingRate,
  };
}

export function createElevenLabsEngine(opts: ElevenLabsEngineOptions): SynthesizerEngine {
  const baseUrl = opts.baseUrl ?? ELEVENLABS_DEFAULT_URL;
  if (!/^(wss?|https?):\/\/[^/]/.test(baseUrl)) {
    throw new EngineError(
      'elevenlabs',
      `'${baseUrl}' is not a WebSocket URL`,
      'set PARLEY_ELEVENLABS_URL to wss://host[:port]',
    );
  }
  const voices = opts.voices && opts.voices.length > 0 ? opts.voices : [ELEVENLABS_DEFAULT_VOICE];
  const defaultVoice = voices[0] as string;
  const synthesizers = new Set<ElevenLabsSynthesizer>();
  return {
    name: 'elevenlabs',
    voices,
    defaultVoice,
    async synthesizer(voice) {
      const chosen = voice ?? defaultVoice;
      if (!voices.includes(chosen)) {
        throw new EngineError(
          'elevenlabs',
          `voice '${chosen}' is not configured`,
          `use one of ${voices.join(', ')}, or add it with elevenlabs:voices=id1|id2`,
        );
      }
      const synthesizer = await ElevenLabsSynthesizer.create({
        baseUrl,
        ...(opts.apiKey ? { apiKey: opts.apiKey } : {}),
        voice: chosen,
        model: opts.model ?? ELEVENLABS_DEFAULT_MODEL,
        ...(opts.language ? { language: opts.language } : {}),
        speed: Math.min(1.2, Math.max(0.7, opts.speed ?? 1)),
        connectTimeoutMs: opts.connectTimeoutMs ?? 10_000,
        inactivityTimeoutS: opts.inactivityTimeoutS ?? 180,
        ...(opts.stallTimeoutMs !== undefined ? { stallTimeoutMs: opts.stallTimeoutMs } : {}),
        onClose: () => synthesizers.delete(synthesizer),
      });
      synthesizers.add(synthesizer);
      return synthesizer;
    },
    async close() {
      await Promise.allSettled([...synthesizers].map((s) => s.close()));
      synthesizers.clear();
    },
  };
}

export const elevenLabsEngine: EngineFactory<'tts'> = async (settings, params) =>
  createElevenLabsEngine(elevenLabsOptions(settings, params));
