/** Loads Parley's pocketsphinx N-API addon (native/pocketsphinx) with typed bindings. */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { EngineError } from '../types.js';

/** One native decoder. Calls queue in order; each runs on the libuv thread pool. */
export interface NativeDecoder {
  /** Decodes more audio of the current utterance (started on first call); resolves to the hypothesis so far. */
  process(samples: Int16Array): Promise<string>;
  /** Ends the utterance; resolves to the final hypothesis ('' when no audio came). */
  end(): Promise<string>;
  /** Ends the utterance, discarding it, so the decoder can be reused. */
  cancel(): Promise<void>;
  /**
   * The adaptation carried from one utterance to the next (live cepstral mean normalization),
   * as opaque bytes, read after the work queued before it.
   */
  getAdaptation(): Promise<Uint8Array>;
  /** Puts back a state from `getAdaptation()` (of a decoder with the same models) before the next utterance. */
  setAdaptation(state: Uint8Array): Promise<void>;
  /** Releases the models once queued work is done. Further calls throw. */
  free(): void;
}

interface Addon {
  /** `args` are pocketsphinx flags and values, e.g. ['-hmm', dir, '-lm', file, '-dict', file]. */
  createDecoder(args: string[]): Promise<NativeDecoder>;
}

export const ADDON_PATH = fileURLToPath(
  new URL('../../../native/pocketsphinx/build/Release/pocketsphinx.node', import.meta.url),
);

let loaded: Addon | undefined;

export function loadAddon(): Addon {
  if (loaded) return loaded;
  if (!existsSync(ADDON_PATH)) {
    throw new EngineError(
      'pocketsphinx',
      `the native addon is not built (${ADDON_PATH} is missing)`,
      'run bash scripts/setup.sh (or node scripts/build-native.mjs); in an installed package, npm rebuild parley-voice',
    );
  }
  try {
    loaded = createRequire(import.meta.url)(ADDON_PATH) as Addon;
  } catch (err) {
    throw new EngineError(
      'pocketsphinx',
      `the native addon failed to load (${err instanceof Error ? err.message : String(err)})`,
      'run bash scripts/setup.sh to install libpocketsphinx and rebuild the addon (installed package: apt-get install libpocketsphinx-dev, then npm rebuild parley-voice)',
      { cause: err },
    );
  }
  return loaded;
}
