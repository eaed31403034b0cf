/**
 * Caller speech while the agent has the floor. It interrupts once a run of caller speech has
 * lasted `minInterruptionMs` (dips up to `gapMs` inside words do not break the run; a longer
 * pause starts a new one). A 150 ms cough or a door knock never gets there; "Wait," alone
 * (under 300 ms, then a pause) does not either, the words after it do.
 */
export class BargeInDetector {
  private runStartMs: number | undefined;
  /** Start of the rising edge: windows just under the threshold right before speech is confirmed. */
  private risingSinceMs: number | undefined;
  private lastSpeechEndMs = 0;
  private fired = false;

  constructor(
    private readonly minInterruptionMs: number,
    private readonly gapMs = 100,
  ) {}

  /**
   * One VAD window (already echo-gated); true exactly once, when the caller has taken the floor.
   * `rising` marks a window above half the threshold: speech onsets score low for a window or
   * two, so the run is dated from there rather than from the first confident window.
   */
  push(isSpeech: boolean, startMs: number, durationMs: number, rising = isSpeech): boolean {
    const endMs = startMs + durationMs;
    if (this.runStartMs === undefined) {
      if (rising) this.risingSinceMs ??= startMs;
      else this.risingSinceMs = undefined;
    }
    if (isSpeech) {
      this.runStartMs ??= this.risingSinceMs ?? startMs;
      this.lastSpeechEndMs = endMs;
    } else if (this.runStartMs !== undefined && endMs - this.lastSpeechEndMs > this.gapMs) {
      this.runStartMs = undefined;
      this.risingSinceMs = undefined;
    }
    if (this.fired || this.runStartMs === undefined || !isSpeech) return false;
    if (this.lastSpeechEndMs - this.runStartMs < this.minInterruptionMs) return false;
    this.fired = true;
    return true;
  }

  reset(): void {
    this.runStartMs = undefined;
    this.risingSinceMs = undefined;
    this.fired = false;
  }
}
