/** Loads Parley's flite N-API addon (native/flite), turning a missing build into an EngineError. */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { EngineError } from '../types.js';

export interface NativeSynthesisInfo {
  /** True when synthesis was cut short by cancel(). */
  stopped: boolean;
  /** Samples flite handed over before it finished or stopped. */
  samples: number;
  /** Rate of those samples (0 when none were made). */
  sampleRate: number;
}

export interface NativeSynthesisOptions {
  /** flite's duration_stretch: 1 is normal, 2 speaks twice as slowly. */
  durationStretch: number;
  /** Samples flite gathers before each streaming callback. */
  chunkSamples: number;
}

export interface FliteAddon {
  voices(): string[];
  /** Starts synthesis on a worker thread; returns cancel(), which stops it within one chunk. */
  synthesize(
    voice: string,
    text: string,
    options: NativeSynthesisOptions,
    onChunk: (samples: Int16Array) => void,
    onDone: (error: Error | null, info?: NativeSynthesisInfo) => void,
  ): () => void;
}

const addonPath = fileURLToPath(new URL('../../../native/flite/build/Release/flite.node', import.meta.url));
let loaded: FliteAddon | undefined;

export function loadFliteAddon(): FliteAddon {
  if (loaded) return loaded;
  try {
    loaded = createRequire(import.meta.url)(addonPath) as FliteAddon;
    return loaded;
  } catch (cause) {
    throw new EngineError(
      'flite',
      `cannot load the native addon at ${addonPath} (${cause instanceof Error ? cause.message : String(cause)})`,
      'install Debian packages flite and flite1-dev, then run `node scripts/build-native.mjs` (or `bash scripts/setup.sh`)',
      { cause },
    );
  }
}
