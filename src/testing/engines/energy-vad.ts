import type { Vad } from '../../engines/types.js';
import { dbfsOf } from './energy.js';

export interface EnergyVadOptions {
  /** Samples per call, like Silero v5 at 16 kHz. Default 512. */
  frameSamples?: number;
  /** Default 16000. */
  sampleRate?: number;
  /** Level at which the probability crosses 0.5, in dBFS. Default −40. */
  thresholdDbfs?: number;
  /** dB over which the probability rises from ~0.27 to ~0.73. Default 2. */
  slopeDb?: number;
}

/**
 * A real, if simple, VAD: speech probability is a logistic function of the frame's RMS level.
 * Deterministic and instant, so conversations on a virtual clock behave the same every run.
 */
export class EnergyVad implements Vad {
  readonly frameSamples: number;
  readonly sampleRate: number;
  private readonly thresholdDbfs: number;
  private readonly slopeDb: number;

  constructor(opts: EnergyVadOptions = {}) {
    this.frameSamples = opts.frameSamples ?? 512;
    this.sampleRate = opts.sampleRate ?? 16_000;
    this.thresholdDbfs = opts.thresholdDbfs ?? -40;
    this.slopeDb = opts.slopeDb ?? 2;
  }

  async speechProbability(frame: Int16Array): Promise<number> {
    if (frame.length !== this.frameSamples) {
      throw new RangeError(`EnergyVad expects ${this.frameSamples}-sample frames, got ${frame.length}`);
    }
    const db = dbfsOf(frame);
    if (!Number.isFinite(db)) return 0;
    return 1 / (1 + Math.exp(-(db - this.thresholdDbfs) / this.slopeDb));
  }

  reset(): void {
    // Stateless: nothing to forget.
  }
}
