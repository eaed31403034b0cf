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

interface ReferenceLevel {
  atMs: number;
  rms: number;
}

export interface EchoGuardOptions {
  echoSimilarity: number;
  echoWindowMs: number;
  echoReturnGain: number;
  echoTailMs: number;
}

/**
 * Keeps the agent from answering itself: a text gate on transcripts and an acoustic gate on
 * mic frames, both against what the agent played recently.
 */
export class EchoGuard {
  private spoken: SpokenText[] = [];
  private reference: ReferenceLevel[] = [];

  constructor(private readonly opts: EchoGuardOptions) {}

  /** Agent text that became audible at `atMs`. */
  noteSpoken(text: string, atMs: number): void {
    this.spoken.push({ text, atMs });
  }

  /** Level of an agent frame emitted at `atMs` (RMS as a fraction of full scale). */
  noteReference(rms: number, atMs: number): void {
    this.reference.push({ atMs, rms });
    const horizon = atMs - this.opts.echoWindowMs;
    while ((this.reference[0]?.atMs ?? Number.POSITIVE_INFINITY) < horizon) this.reference.shift();
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
   * Whether a mic window at `atMs` with level `micRms` can be explained by agent audio of the
   * last `echoTailMs` (plus output latency) ringing back at most `echoReturnGain` as loud.
   */
  isEchoLevel(micRms: number, atMs: number, outputLatencyMs: number): boolean {
    const from = atMs - outputLatencyMs - this.opts.echoTailMs;
    let loudest = 0;
    for (const r of this.reference) if (r.atMs >= from && r.atMs <= atMs && r.rms > loudest) loudest = r.rms;
    if (loudest === 0) return false;
    return micRms <= loudest * this.opts.echoReturnGain;
  }
}
