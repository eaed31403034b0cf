/**
 * ElevenLabs as a synthesizer engine (stream-input WebSocket with character alignment).
 * https://elevenlabs.io/docs/api-reference/text-to-speech/v-1-text-to-speech-voice-id-stream-input
 *
 * Environment: ELEVENLABS_API_KEY; PARLEY_ELEVENLABS_URL (default wss://api.elevenlabs.io).
 * Parameters (`elevenlabs:voice=…,model=…`): `voice` (a voice id), `voices` (ids separated by
 * `|`; the first is the default), `model` (default eleven_flash_v2_5), `language` (ISO 639-1).
 */
import type { EngineFactory, EngineParams, EngineSettings, SynthesizerEngine } from '../engine.js';
import { listedVoices, requireKeyOrUrl } from '../provider-config.js';
import { checkSocketUrl, socketSynthesizerEngine } from '../websocket/socket-engine.js';
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
  const { apiKey, url } = requireKeyOrUrl(settings.env, {
    engine: 'elevenlabs',
    keyVar: 'ELEVENLABS_API_KEY',
    urlVar: 'PARLEY_ELEVENLABS_URL',
  });
  return {
    ...(apiKey ? { apiKey } : {}),
    baseUrl: url ?? ELEVENLABS_DEFAULT_URL,
    voices: listedVoices(params, settings.voice, ELEVENLABS_DEFAULT_VOICE),
    model: params.model || ELEVENLABS_DEFAULT_MODEL,
    ...(params.language ? { language: params.language } : {}),
    speed: settings.speakingRate,
  };
}

export function createElevenLabsEngine(opts: ElevenLabsEngineOptions): SynthesizerEngine {
  const baseUrl = opts.baseUrl ?? ELEVENLABS_DEFAULT_URL;
  checkSocketUrl(baseUrl, 'elevenlabs', 'set PARLEY_ELEVENLABS_URL to wss://host[:port]');
  return socketSynthesizerEngine({
    name: 'elevenlabs',
    voices: opts.voices && opts.voices.length > 0 ? opts.voices : [ELEVENLABS_DEFAULT_VOICE],
    create: (voice, onClose) =>
      ElevenLabsSynthesizer.create({
        baseUrl,
        ...(opts.apiKey ? { apiKey: opts.apiKey } : {}),
        voice,
        model: opts.model ?? ELEVENLABS_DEFAULT_MODEL,
        ...(opts.language ? { language: opts.language } : {}),
        speed: Math.min(1.2, Math.max(0.7, opts.speed ?? 1)),
        connectTimeoutMs: opts.connectTimeoutMs ?? 10_000,
        inactivityTimeoutS: opts.inactivityTimeoutS ?? 180,
        ...(opts.stallTimeoutMs !== undefined ? { stallTimeoutMs: opts.stallTimeoutMs } : {}),
        onClose,
      }),
  });
}

export const elevenLabsEngine: EngineFactory<'tts'> = async (settings, params) =>
  createElevenLabsEngine(elevenLabsOptions(settings, params));
