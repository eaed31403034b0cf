/**
 * Caller speech while the agent has the floor. It interrupts once a run of caller speech has
 * lasted `minInterruptionMs` from its onset, is still going (no gap longer than `gapMs`), and was
 * voiced for most of that time (`minVoicedFraction`). So "Wait, can you…" interrupts at 300 ms
 * even with the comma's pause, while a 150 ms cough or a door knock never does.
 */
export class BargeInDetector {
  private runStartMs: number | undefined;
  /** Start of the rising edge: windows just under the threshold right before speech is confirmed. */
  private risingSinceMs: number | undefined;
  private voicedMs = 0;
  private lastSpeechEndMs = 0;
  private fired = false;

  constructor(
    private readonly minInterruptionMs: number,
    private readonly gapMs = 100,
    private readonly minVoicedFraction = 0.8,
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
      if (this.runStartMs === undefined) {
        this.runStartMs = this.risingSinceMs ?? startMs;
        this.voicedMs = 0;
      }
      this.voicedMs += durationMs;
      this.lastSpeechEndMs = endMs;
    } else if (this.runStartMs !== undefined && endMs - this.lastSpeechEndMs > this.gapMs) {
      this.runStartMs = undefined;
      this.risingSinceMs = undefined;
    }
    if (this.fired || this.runStartMs === undefined) return false;
    const heldMs = endMs - this.runStartMs;
    if (heldMs < this.minInterruptionMs || this.voicedMs < this.minVoicedFraction * this.minInterruptionMs)
      return false;
    this.fired = true;
    return true;
  }

  reset(): void {
    this.runStartMs = undefined;
    this.risingSinceMs = undefined;
    this.voicedMs = 0;
    this.fired = false;
  }
}
