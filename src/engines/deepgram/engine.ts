/**
 * Deepgram live streaming speech recognition as a recognizer engine
 * (https://developers.deepgram.com/reference/speech-to-text/listen-streaming).
 * Environment: DEEPGRAM_API_KEY (sent as `Authorization: Token <key>`), PARLEY_DEEPGRAM_URL
 * (default wss://api.deepgram.com/v1/listen). Spec parameters: `deepgram:model=nova-3,language=en,endpointing=300`.
 * Each session gets one stream, opened by createRecognizer, so a wrong key or an unreachable
 * server fails the session's start, not its first turn.
 */
import type { EngineFactory, RecognizerDomain, RecognizerEngine } from '../engine.js';
import { type DeepgramOptions, keytermsFromPhrases, optionsFromEnv } from './config.js';
import { DeepgramStream } from './stream.js';

/** Most distinctive words of the agent's phrases sent as keyterms (the API allows 100; fewer work better). */
const MAX_KEYTERMS = 20;

/** The engine from explicit options (tests, embedding); `deepgramEngine` reads them from the environment. */
export function createDeepgramEngine(
  opts: DeepgramOptions,
  useDomainTerms = true,
): RecognizerEngine & { close(): Promise<void> } {
  const streams = new Set<DeepgramStream>();
  return {
    name: 'deepgram',
    async createRecognizer(domain: RecognizerDomain): Promise<DeepgramStream> {
      const keyterms =
        opts.keyterms.length > 0 || !useDomainTerms
          ? opts.keyterms
          : keytermsFromPhrases(domain.phrases, MAX_KEYTERMS);
      const stream = await DeepgramStream.connect({ ...opts, keyterms }, (s) => streams.delete(s));
      streams.add(stream);
      return stream;
    },
    /** Closes every session's stream still open. */
    async close(): Promise<void> {
      await Promise.allSettled([...streams].map((s) => s.close()));
      streams.clear();
    },
  };
}

export const deepgramEngine: EngineFactory<'stt'> = async (settings, params) =>
  // The agent's words are sent as keyterms unless the user chose the generic model.
  createDeepgramEngine(optionsFromEnv(settings.env, params), settings.lm === 'domain');
