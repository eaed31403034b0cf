/**
 * Cartesia as a synthesizer engine (TTS WebSocket with word timestamps).
 * https://docs.cartesia.ai/api-reference/tts/websocket
 *
 * Environment: CARTESIA_API_KEY; PARLEY_CARTESIA_URL (default wss://api.cartesia.ai/tts/websocket).
 * Parameters (`cartesia:voice=…,model=…`): `voice` (a voice id), `voices` (ids separated by `|`;
 * the first is the default), `model` (default sonic-3), `language` (default en), `version`
 * (the Cartesia-Version header, default 2025-04-16).
 */
import type { EngineFactory, EngineParams, EngineSettings, SynthesizerEngine } from '../engine.js';
import { listedVoices, requireKeyOrUrl } from '../provider-config.js';
import { checkSocketUrl, socketSynthesizerEngine } from '../websocket/socket-engine.js';
import { CartesiaSynthesizer } from './synthesizer.js';

export const CARTESIA_DEFAULT_URL = 'wss://api.cartesia.ai/tts/websocket';
export const CARTESIA_DEFAULT_MODEL = 'sonic-3';
export const CARTESIA_DEFAULT_VERSION = '2025-04-16';
/** The voice of the API reference's examples. */
export const CARTESIA_DEFAULT_VOICE = 'a0e99841-438c-4a64-b679-ae501e7d6091';

export interface CartesiaEngineOptions {
  /** Sent as the `X-API-Key` header; may be absent for a compatible server without keys. */
  apiKey?: string;
  /** Default CARTESIA_DEFAULT_URL. */
  url?: string;
  /** Voice ids; the first is the default. Default [CARTESIA_DEFAULT_VOICE]. */
  voices?: string[];
  /** Default CARTESIA_DEFAULT_MODEL. */
  model?: string;
  /** Default 'en'. */
  language?: string;
  /** Default CARTESIA_DEFAULT_VERSION. */
  version?: string;
  /** Speaking-rate factor. Default 1. */
  speed?: number;
  /** Handshake deadline. Default 10000 ms. */
  connectTimeoutMs?: number;
  /** Longest wait for the next message of a clause. Default 10000 ms. */
  stallTimeoutMs?: number;
}

/** Options from the environment and the engine spec's parameters; throws EngineError when unusable. */
export function cartesiaOptions(
  settings: Pick<EngineSettings, 'env' | 'voice' | 'speakingRate'>,
  params: EngineParams,
): CartesiaEngineOptions {
  const { apiKey, url } = requireKeyOrUrl(settings.env, {
    engine: 'cartesia',
    keyVar: 'CARTESIA_API_KEY',
    urlVar: 'PARLEY_CARTESIA_URL',
  });
  return {
    ...(apiKey ? { apiKey } : {}),
    url: url ?? CARTESIA_DEFAULT_URL,
    voices: listedVoices(params, settings.voice, CARTESIA_DEFAULT_VOICE),
    model: params.model || CARTESIA_DEFAULT_MODEL,
    language: params.language || 'en',
    version: params.version || CARTESIA_DEFAULT_VERSION,
    speed: settings.speakingRate,
  };
}

export function createCartesiaEngine(opts: CartesiaEngineOptions): SynthesizerEngine {
  const url = opts.url ?? CARTESIA_DEFAULT_URL;
  checkSocketUrl(url, 'cartesia', 'set PARLEY_CARTESIA_URL to wss://host[:port]/tts/websocket');
  return socketSynthesizerEngine({
    name: 'cartesia',
    voices: opts.voices && opts.voices.length > 0 ? opts.voices : [CARTESIA_DEFAULT_VOICE],
    create: (voice, onClose) =>
      CartesiaSynthesizer.create({
        url,
        ...(opts.apiKey ? { apiKey: opts.apiKey } : {}),
        version: opts.version ?? CARTESIA_DEFAULT_VERSION,
        connectTimeoutMs: opts.connectTimeoutMs ?? 10_000,
        voice,
        model: opts.model ?? CARTESIA_DEFAULT_MODEL,
        language: opts.language ?? 'en',
        speed: opts.speed ?? 1,
        ...(opts.stallTimeoutMs !== undefined ? { stallTimeoutMs: opts.stallTimeoutMs } : {}),
        onClose,
      }),
  });
}

export const cartesiaEngine: EngineFactory<'tts'> = async (settings, params) =>
  createCartesiaEngine(cartesiaOptions(settings, params));
