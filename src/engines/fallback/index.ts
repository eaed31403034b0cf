/** Fallback chains of any kind of engine but VAD: the runtime builds one from a spec with commas. */
import type { BrainEngine, EngineKind, EngineOf, RecognizerEngine, SynthesizerEngine } from '../engine.js';
import { EngineError } from '../types.js';
import { brainChain } from './brain.js';
import type { ChainOptions } from './chain.js';
import { recognizerChain } from './recognizer.js';
import { synthesizerChain } from './synthesizer.js';

export { type ChainOptions, DEFAULT_RETRY_PRIMARY_AFTER_MS, describeFailure } from './chain.js';

/** One engine that serves from the first of `engines` that works, handing over on failure. */
export function chainEngines<K extends EngineKind>(
  kind: K,
  engines: EngineOf[K][],
  opts: ChainOptions,
): EngineOf[K] {
  if (kind === 'stt') return recognizerChain(engines as RecognizerEngine[], opts) as EngineOf[K];
  if (kind === 'tts') return synthesizerChain(engines as SynthesizerEngine[], opts) as EngineOf[K];
  if (kind === 'brain') return brainChain(engines as BrainEngine[], opts) as EngineOf[K];
  throw new EngineError('runtime', 'VAD engines do not form fallback chains');
}
