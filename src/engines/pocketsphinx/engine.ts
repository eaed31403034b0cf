/**
 * pocketsphinx as a recognizer engine: one decoder pool per distinct language model (the
 * agent's domain model, or the generic one), shared by every session; each session gets its own
 * view, so adaptation to one caller's voice never reaches another call.
 */
import { join } from 'node:path';
import type { EngineFactory, RecognizerDomain } from '../engine.js';
import { ensureDomainLm } from './domain-lm.js';
import { resolveLanguageModel } from './lm-source.js';
import { transcribeSamples } from './transcribe.js';
import { PocketsphinxRecognizer } from './recognizer.js';

export const pocketsphinxEngine: EngineFactory<'stt'> = async (settings) => {
  const pools = new Map<string, Promise<PocketsphinxRecognizer>>();
  const poolFor = (domain: RecognizerDomain): Promise<PocketsphinxRecognizer> => {
    const useDomain = settings.lm === 'domain' && domain.phrases.length > 0;
    const key = useDomain ? JSON.stringify([...domain.phrases].sort()) : 'generic';
    let pool = pools.get(key);
    if (!pool) {
      pool = useDomain
        ? ensureDomainLm([...domain.phrases], join(settings.dataDir, 'lm')).then((lm) =>
            PocketsphinxRecognizer.create({ lm }),
          )
        : PocketsphinxRecognizer.create({ lm: 'generic' });
      // A failed load is not cached: the next session retries (after the fix, say).
      pool.catch(() => pools.delete(key));
      pools.set(key, pool);
    }
    return pool;
  };
  return {
    name: 'embedded',
    async prepare(domain) {
      await poolFor(domain);
    },
    async createRecognizer(domain) {
      return (await poolFor(domain)).forSession();
    },
    async transcribe(samples, opts) {
      // 'generic', a model folder or file, or a phrase-template file built into a cached domain model.
      const lm = await resolveLanguageModel(opts.model ?? 'generic', join(settings.dataDir, 'lm'));
      const recognizer = await PocketsphinxRecognizer.create({ lm });
      try {
        return await transcribeSamples(
          recognizer,
          samples,
          opts.onPartial ? { onPartial: opts.onPartial } : {},
        );
      } finally {
        await recognizer.close();
      }
    },
    async close() {
      const loaded = await Promise.allSettled(pools.values());
      await Promise.allSettled(loaded.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
    },
  };
};
