import { normalizeForMatch, words } from './text-for-speech.js';

/** Word-level edit distance. */
function editDistance(a: string[], b: string[]): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] as number;
}

/**
 * How much `heard` looks like a stretch of `spoken` (0..1): the best word-level match of
 * `heard` against windows of `spoken` of about the same length, since echo is usually a piece.
 */
export function echoSimilarity(heard: string, spoken: string): number {
  const h = words(normalizeForMatch(heard));
  const s = words(normalizeForMatch(spoken));
  if (h.length === 0 || s.length === 0) return 0;
  let best = 0;
  for (let len = Math.max(1, h.length - 1); len <= h.length + 1; len++) {
    for (let start = 0; start + len <= s.length || start === 0; start++) {
      const window = s.slice(start, start + len);
      const similarity = 1 - editDistance(h, window) / Math.max(h.length, window.length);
      if (similarity > best) best = similarity;
      if (start + len >= s.length) break;
    }
  }
  return best;
}

interface SpokenText {
  text: string;
  atMs: number;
}

export interface EchoGuardOptions {
  echoSimilarity: number;
  echoWindowMs: number;
  echoReturnGain: number;
  echoTailMs: number;
  echoCorrelation: number;
}

/** The acoustic gate works on a 4 kHz copy: enough for speech, cheap enough to search delays. */
const GATE_RATE_PER_MS = 4;
const DECIMATION = 4;
const REFERENCE_MS = 3000;

/** 16 kHz → 4 kHz by averaging groups of four (a crude low-pass is enough for a similarity test). */
function decimate(samples: Int16Array): Float32Array {
  const out = new Float32Array(Math.floor(samples.length / DECIMATION));
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    for (let j = 0; j < DECIMATION; j++) sum += samples[i * DECIMATION + j] as number;
    out[i] = sum / (DECIMATION * 32768);
  }
  return out;
}

/**
 * Keeps the agent from answering itself: a text gate on transcripts and an acoustic gate on
 * mic windows, both against what the agent played recently.
 */
export class EchoGuard {
  private spoken: SpokenText[] = [];
  private readonly reference = new Float32Array(REFERENCE_MS * GATE_RATE_PER_MS);
  /** Absolute 4 kHz sample index just past the newest reference sample. */
  private referenceEnd = 0;
  /** Best normalized correlation of the last window checked (diagnostics). */
  lastCorrelation = 0;

  constructor(private readonly opts: EchoGuardOptions) {}

  /** Agent text that became audible at `atMs`. */
  noteSpoken(text: string, atMs: number): void {
    this.spoken.push({ text, atMs });
  }

  /** An agent frame (16 kHz) emitted at `atMs`: the reference the mic may hear again. */
  noteReference(samples: Int16Array, atMs: number): void {
    const decimated = decimate(samples);
    const start = Math.round(atMs * GATE_RATE_PER_MS);
    const size = this.reference.length;
    // Silence between agent frames is reference too.
    for (let i = Math.max(this.referenceEnd, start - size); i < start; i++) this.reference[i % size] = 0;
    for (let i = 0; i < decimated.length; i++) {
      this.reference[(start + i) % size] = decimated[i] as number;
    }
    this.referenceEnd = Math.max(this.referenceEnd, start + decimated.length);
  }

  /** Similarity of a caller transcript to recent agent speech, and whether it is echo. */
  checkTranscript(text: string, nowMs: number): { echo: boolean; similarity: number } {
    this.spoken = this.spoken.filter((s) => s.atMs >= nowMs - this.opts.echoWindowMs);
    if (this.spoken.length === 0) return { echo: false, similarity: 0 };
    const recent = this.spoken.map((s) => s.text).join(' ');
    const similarity = echoSimilarity(text, recent);
    return { echo: similarity >= this.opts.echoSimilarity, similarity };
  }

  /**
   * Whether a mic window (16 kHz, starting at `startMs`) is the agent's own voice coming back:
   * it matches the reference at some delay up to `outputLatencyMs + echoTailMs` (normalized
   * correlation ≥ `echoCorrelation`) and is no louder than the reference × `echoReturnGain`.
   * A caller talking over the echo lowers the correlation, so they still count as speech.
   */
  isEcho(samples: Int16Array, startMs: number, outputLatencyMs: number): boolean {
    if (this.opts.echoReturnGain <= 0 || this.opts.echoCorrelation <= 0 || this.referenceEnd === 0)
      return false;
    const mic = decimate(samples);
    const n = mic.length;
    const size = this.reference.length;
    const base = Math.round(startMs * GATE_RATE_PER_MS);
    const maxDelay = Math.round((outputLatencyMs + this.opts.echoTailMs) * GATE_RATE_PER_MS);
    // Audio cannot come back before it was played; the latency estimate gets some slack.
    const minDelay = Math.max(0, Math.round((outputLatencyMs - 60) * GATE_RATE_PER_MS));
    // The newest reference a window could contain is one that had started by its end.
    if (base - maxDelay >= this.referenceEnd || base + n <= this.referenceEnd - size) return false;
    let micEnergy = 0;
    for (const v of mic) micEnergy += v * v;
    if (micEnergy === 0) return false;
    const micRms = Math.sqrt(micEnergy / n);
    // A linear copy of the reference the delays can reach: [base - maxDelay, base + n).
    const first = Math.max(base - maxDelay, this.referenceEnd - size);
    const last = Math.min(base - minDelay + n, this.referenceEnd);
    if (last - first < n) return false;
    const ref = new Float32Array(last - first);
    for (let i = 0; i < ref.length; i++) ref[i] = this.reference[(first + i) % size] as number;
    let best = 0;
    let loudest = 0;
    // Energy of the reference under the window, slid one sample at a time.
    let refEnergy = 0;
    for (let i = 0; i < n; i++) refEnergy += (ref[i] as number) ** 2;
    for (let offset = 0; offset + n <= ref.length; offset++) {
      if (offset > 0) refEnergy += (ref[offset + n - 1] as number) ** 2 - (ref[offset - 1] as number) ** 2;
      if (refEnergy <= 1e-12) continue;
      let dot = 0;
      for (let i = 0; i < n; i++) dot += (mic[i] as number) * (ref[offset + i] as number);
      const refRms = Math.sqrt(refEnergy / n);
      if (refRms > loudest) loudest = refRms;
      // Some echo paths invert polarity; the match counts either way.
      const correlation = Math.abs(dot) / Math.sqrt(micEnergy * refEnergy);
      if (correlation > best) best = correlation;
    }
    this.lastCorrelation = best;
    return best >= this.opts.echoCorrelation && micRms <= loudest * this.opts.echoReturnGain;
  }
}
