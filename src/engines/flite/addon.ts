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

const BUILT_ADDON = fileURLToPath(new URL('../../../native/flite/build/Release/flite.node', import.meta.url));
const loaded = new Map<string, FliteAddon>();

/** The addon built by scripts/build-native.mjs (or the one at `addonPath`), loaded once. */
export function loadFliteAddon(addonPath = BUILT_ADDON): FliteAddon {
  const cached = loaded.get(addonPath);
  if (cached) return cached;
  try {
    const addon = createRequire(import.meta.url)(addonPath) as FliteAddon;
    loaded.set(addonPath, addon);
    return addon;
  } catch (cause) {
    throw new EngineError(
      'flite',
      `cannot load the native addon at ${addonPath} (${cause instanceof Error ? cause.message : String(cause)})`,
      'install Debian packages flite and flite1-dev, then run `node scripts/build-native.mjs` (or `bash scripts/setup.sh`; in an installed package, `npm rebuild parley-voice`)',
      { cause },
    );
  }
}
