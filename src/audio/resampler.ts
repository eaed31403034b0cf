/**
 * Sample-rate conversion by a polyphase windowed-sinc (Kaiser) low-pass filter, for any rational
 * ratio. The filter cuts below the lower of the two Nyquist frequencies, so downsampling does not
 * alias and upsampling does not image. The streaming form keeps its input history between calls,
 * so 20 ms chunks join without clicks.
 */
import { clampInt16 } from './pcm.js';

export interface ResamplerOptions {
  /** Filter half-length counted in samples of the lower rate; longer = steeper. Default 24. */
  halfWidthLowRateSamples?: number;
  /** Stopband attenuation in dB that sets the Kaiser window's shape. Default 80. */
  stopbandDb?: number;
}

const DEFAULT_HALF_WIDTH = 24;
const DEFAULT_STOPBAND_DB = 80;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Zeroth-order modified Bessel function of the first kind (series), for the Kaiser window. */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const half = x / 2;
  for (let k = 1; k < 64; k++) {
    term *= (half / k) * (half / k);
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

function checkRate(name: string, rate: number): void {
  if (!Number.isInteger(rate) || rate <= 0) {
    throw new RangeError(`resampler: ${name} must be a positive integer in Hz, got ${rate}`);
  }
}

/** The filter bank shared by the streaming and one-shot forms. */
class PolyphaseFilter {
  /** Output step: L output samples span M input samples. */
  readonly up: number;
  readonly down: number;
  /** Taps on each side of the output position, in input samples. */
  readonly halfTaps: number;
  readonly taps: number;
  /** `up` phases × `taps` coefficients; each phase sums to 1 (exact DC gain). */
  readonly bank: Float64Array;

  constructor(fromRate: number, toRate: number, options: ResamplerOptions) {
    checkRate('fromRate', fromRate);
    checkRate('toRate', toRate);
    const divisor = gcd(fromRate, toRate);
    this.up = toRate / divisor;
    this.down = fromRate / divisor;
    const halfWidthLow = options.halfWidthLowRateSamples ?? DEFAULT_HALF_WIDTH;
    const stopbandDb = options.stopbandDb ?? DEFAULT_STOPBAND_DB;
    const lowRate = Math.min(fromRate, toRate);
    this.halfTaps = Math.ceil((halfWidthLow * fromRate) / lowRate);
    this.taps = 2 * this.halfTaps;
    // Kaiser design: the transition band follows from the filter length and attenuation; centre it
    // below the low Nyquist so the stopband starts at or before it.
    if (!(stopbandDb >= 21) || !(halfWidthLow >= 2)) {
      throw new RangeError('resampler: stopbandDb must be ≥ 21 and halfWidthLowRateSamples ≥ 2');
    }
    const beta =
      stopbandDb > 50
        ? 0.1102 * (stopbandDb - 8.7)
        : 0.5842 * (stopbandDb - 21) ** 0.4 + 0.07886 * (stopbandDb - 21);
    const transitionHz = ((stopbandDb - 8) / (2.285 * 2 * Math.PI * 2 * halfWidthLow)) * lowRate;
    const cutoff = (lowRate / 2 - transitionHz / 2) / fromRate; // cycles per input sample
    const i0Beta = besselI0(beta);
    this.bank = new Float64Array(this.up * this.taps);
    for (let phase = 0; phase < this.up; phase++) {
      const frac = phase / this.up;
      let sum = 0;
      for (let j = 0; j < this.taps; j++) {
        const distance = j - this.halfTaps + 1 - frac;
        const x = distance / this.halfTaps;
        const window = Math.abs(x) >= 1 ? 0 : besselI0(beta * Math.sqrt(1 - x * x)) / i0Beta;
        const arg = 2 * cutoff * distance;
        const sinc = arg === 0 ? 1 : Math.sin(Math.PI * arg) / (Math.PI * arg);
        const h = 2 * cutoff * sinc * window;
        this.bank[phase * this.taps + j] = h;
        sum += h;
      }
      for (let j = 0; j < this.taps; j++) this.bank[phase * this.taps + j]! /= sum;
    }
  }

  /**
   * One output sample. `position` = n·M − D·L (in 1/L input samples); `input[index - offset]`
   * holds input sample `index`.
   */
  sampleAt(position: number, input: Float64Array, offset: number): number {
    const base = Math.floor(position / this.up);
    const phase = position - base * this.up;
    const first = base - this.halfTaps + 1 - offset;
    const coefficients = phase * this.taps;
    let acc = 0;
    for (let j = 0; j < this.taps; j++) acc += this.bank[coefficients + j]! * input[first + j]!;
    return clampInt16(acc);
  }
}

/** Filter banks are immutable and cost milliseconds to design, so each is built once per process. */
const filterCache = new Map<string, PolyphaseFilter>();

function filterFor(fromRate: number, toRate: number, options: ResamplerOptions): PolyphaseFilter {
  const key = `${fromRate}:${toRate}:${options.halfWidthLowRateSamples ?? ''}:${options.stopbandDb ?? ''}`;
  let filter = filterCache.get(key);
  if (!filter) {
    filter = new PolyphaseFilter(fromRate, toRate, options);
    filterCache.set(key, filter);
  }
  return filter;
}

/**
 * Converts a stream chunk by chunk. Output is delayed by a fixed `delayMs` (half the filter), so
 * every call returns exactly the samples its input makes possible: 960 samples at 48 kHz in give
 * 320 at 16 kHz out, every time. `flush()` returns the delayed tail at end of stream.
 */
export class StreamingResampler {
  private readonly filter: PolyphaseFilter | undefined;
  /** Input history as floats; `history[0]` is input sample `historyStart` (negative = zeros before start). */
  private history = new Float64Array(0);
  private historyStart = 0;
  private received = 0;
  private produced = 0;

  constructor(
    readonly fromRate: number,
    readonly toRate: number,
    options: ResamplerOptions = {},
  ) {
    checkRate('fromRate', fromRate);
    checkRate('toRate', toRate);
    this.filter = fromRate === toRate ? undefined : filterFor(fromRate, toRate, options);
    this.reset();
  }

  /** Fixed latency the filter adds, in ms. */
  get delayMs(): number {
    return this.filter ? (this.filter.halfTaps * 1000) / this.fromRate : 0;
  }

  process(chunk: Int16Array): Int16Array {
    const filter = this.filter;
    if (!filter) return chunk.slice();
    const joined = new Float64Array(this.history.length + chunk.length);
    joined.set(this.history);
    for (let i = 0; i < chunk.length; i++) joined[this.history.length + i] = chunk[i]!;
    this.received += chunk.length;
    // Output n is ready once input floor(n·M/L) has arrived (the delay covers the look-ahead).
    const ready = Math.ceil((this.received * filter.up) / filter.down);
    const out = new Int16Array(Math.max(0, ready - this.produced));
    const delayPosition = filter.halfTaps * filter.up;
    for (let k = 0; k < out.length; k++) {
      const n = this.produced + k;
      out[k] = filter.sampleAt(n * filter.down - delayPosition, joined, this.historyStart);
    }
    this.produced += out.length;
    // Keep only what the next output can still reach.
    const nextBase = Math.floor((this.produced * filter.down - delayPosition) / filter.up);
    const keepFrom = nextBase - filter.halfTaps + 1;
    const drop = Math.max(0, Math.min(joined.length, keepFrom - this.historyStart));
    this.history = joined.slice(drop);
    this.historyStart += drop;
    return out;
  }

  /** Ends the stream: returns the delayed tail and makes the resampler ready for a new stream. */
  flush(): Int16Array {
    const filter = this.filter;
    if (!filter) return new Int16Array(0);
    // Zeros push the last real input through the filter's look-ahead; outputs stop exactly at the
    // end of real input (plus the fixed delay).
    const tail = this.process(new Int16Array(filter.halfTaps));
    this.reset();
    return tail;
  }

  reset(): void {
    const halfTaps = this.filter?.halfTaps ?? 0;
    // Zeros stand in for the samples before the stream started.
    this.history = new Float64Array(2 * halfTaps);
    this.historyStart = -2 * halfTaps;
    this.received = 0;
    this.produced = 0;
  }
}

/**
 * Converts a whole signal with no delay: output sample n is the input at time n/toRate, and the
 * result has ceil(length · toRate / fromRate) samples.
 */
export function resample(
  samples: Int16Array,
  fromRate: number,
  toRate: number,
  options: ResamplerOptions = {},
): Int16Array {
  checkRate('fromRate', fromRate);
  checkRate('toRate', toRate);
  if (fromRate === toRate) return samples.slice();
  const filter = filterFor(fromRate, toRate, options);
  const padded = new Float64Array(samples.length + 2 * filter.taps);
  for (let i = 0; i < samples.length; i++) padded[filter.taps + i] = samples[i]!;
  const out = new Int16Array(Math.ceil((samples.length * filter.up) / filter.down));
  for (let n = 0; n < out.length; n++) out[n] = filter.sampleAt(n * filter.down, padded, -filter.taps);
  return out;
}
