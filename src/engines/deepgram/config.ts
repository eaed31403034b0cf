/**
 * What a Deepgram stream is opened with: the endpoint, the key, the model and language, and the
 * query parameters of the live API (https://developers.deepgram.com/reference/speech-to-text/listen-streaming).
 * Keys come from the environment only and travel in the Authorization header, never in the URL.
 */
import type { EngineParams } from '../engine.js';
import { checkParams, requireKeyOrUrl } from '../provider-config.js';
import { EngineError } from '../types.js';

export const DEFAULT_DEEPGRAM_URL = 'wss://api.deepgram.com/v1/listen';

export interface DeepgramOptions {
  /** Endpoint of the live API. Default `wss://api.deepgram.com/v1/listen` (PARLEY_DEEPGRAM_URL). */
  url: string;
  /** Sent as `Authorization: Token <key>`; none for a self-hosted server that needs none. */
  apiKey?: string;
  /** Default 'nova-3'. */
  model: string;
  /** BCP-47 tag. Default 'en'. */
  language: string;
  /**
   * Silence after which Deepgram finalizes what it heard so far (`endpointing`), or false for
   * none. Parley decides the end of the turn itself; this only makes segments final (stable)
   * at the caller's pauses, so less is left for Finalize to flush. Default 300 ms.
   */
  endpointingMs: number | false;
  /** Gap after the last word before an UtteranceEnd message (the API's minimum is 1000). Default 1000 ms. */
  utteranceEndMs: number;
  /** Boosted terms: `keyterm` on Nova-3, `keywords` on older models. Default none. */
  keyterms: readonly string[];
  /** Longest wait for the handshake. Default 10000 ms. */
  connectTimeoutMs: number;
  /** Longest wait from Finalize to the utterance's final result. Default 3000 ms. */
  finalizeTimeoutMs: number;
  /** KeepAlive period while no audio flows (the server closes after ~10 s without data). Default 4000 ms. */
  keepAliveMs: number;
  /** Longest wait for the server to close after CloseStream. Default 2000 ms. */
  closeTimeoutMs: number;
}

export const DEFAULT_OPTIONS: Omit<DeepgramOptions, 'url' | 'apiKey'> = {
  model: 'nova-3',
  language: 'en',
  endpointingMs: 300,
  utteranceEndMs: 1000,
  keyterms: [],
  connectTimeoutMs: 10_000,
  finalizeTimeoutMs: 3000,
  keepAliveMs: 4000,
  closeTimeoutMs: 2000,
};

/** Parameters a spec may carry: `deepgram:model=nova-3,language=en,endpointing=300`. */
const PARAMS = ['model', 'language', 'endpointing'] as const;

/** Options from the environment (DEEPGRAM_API_KEY, PARLEY_DEEPGRAM_URL) and the spec's parameters. */
export function optionsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  params: EngineParams,
): DeepgramOptions {
  const { apiKey, url } = requireKeyOrUrl(env, {
    engine: 'deepgram',
    keyVar: 'DEEPGRAM_API_KEY',
    urlVar: 'PARLEY_DEEPGRAM_URL',
    missing: 'no Deepgram API key is configured',
    server: 'a self-hosted server',
  });
  checkParams(params, PARAMS, 'deepgram');
  const target = url ?? DEFAULT_DEEPGRAM_URL;
  if (!/^wss?:\/\//.test(target)) {
    throw new EngineError('deepgram', `PARLEY_DEEPGRAM_URL must be a ws:// or wss:// URL, got '${target}'`);
  }
  const opts: DeepgramOptions = { ...DEFAULT_OPTIONS, url: target, ...(apiKey ? { apiKey } : {}) };
  if (params.model) opts.model = params.model;
  if (params.language) opts.language = params.language;
  if (params.endpointing !== undefined) opts.endpointingMs = parseEndpointing(params.endpointing);
  return opts;
}

function parseEndpointing(value: string): number | false {
  if (value === 'false') return false;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 10) {
    throw new EngineError(
      'deepgram',
      `endpointing must be 'false' or whole ms of at least 10, got '${value}'`,
    );
  }
  return ms;
}

/** The stream's URL: the endpoint plus the query; no secret is ever part of it. */
export function streamUrl(opts: DeepgramOptions): URL {
  const url = new URL(opts.url);
  const q = url.searchParams;
  q.set('model', opts.model);
  q.set('language', opts.language);
  q.set('encoding', 'linear16');
  q.set('sample_rate', '16000');
  q.set('channels', '1');
  q.set('interim_results', 'true');
  q.set('endpointing', opts.endpointingMs === false ? 'false' : String(opts.endpointingMs));
  q.set('utterance_end_ms', String(opts.utteranceEndMs));
  q.set('vad_events', 'true');
  // Parley's brains read words as spoken ("four two one nine"), so no formatting into digits.
  q.set('smart_format', 'false');
  // Keyterm prompting is Nova-3 only; older models take `keywords` (single words).
  if (opts.model.startsWith('nova-3')) {
    for (const term of opts.keyterms) q.append('keyterm', term);
  } else {
    for (const term of opts.keyterms) if (!term.includes(' ')) q.append('keywords', term);
  }
  return url;
}

/** Common words a recognizer needs no help with (keyterms are for distinctive vocabulary). */
const COMMON = new Set(
  (
    'about after again could would should there their where which while these those what when with ' +
    'your yours from have been being into like just want need please thank thanks hello right ' +
    'three seven eight eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen ' +
    'twenty thirty forty fifty sixty seventy eighty ninety hundred thousand'
  ).split(' '),
);

/**
 * A small set of distinctive words from the agent's phrase templates (`{a|b}` alternatives
 * included), most used first: long words that are not everyday English. At most `max`.
 */
export function keytermsFromPhrases(phrases: readonly string[], max = 20): string[] {
  const counts = new Map<string, number>();
  for (const phrase of phrases) {
    const words = phrase.toLowerCase().match(/[a-z][a-z'-]*/g) ?? [];
    for (const word of new Set(words)) {
      if (word.length < 5 || word.includes("'") || COMMON.has(word)) continue;
      counts.set(word, (counts.get(word) ?? 0) + 1);
    }
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, max)
    .map(([word]) => word);
}

/** `text` with every occurrence of the key masked: nothing a server echoes may leak it. */
export function redact(text: string, apiKey: string | undefined): string {
  return apiKey ? text.split(apiKey).join('***') : text;
}
