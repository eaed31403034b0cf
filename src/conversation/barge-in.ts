/**
 * Caller speech while the agent has the floor: interrupts once it has lasted
 * `minInterruptionMs`. Dips shorter than `gapMs` inside a word do not restart the count, so a
 * 150 ms cough or a door knock never reaches the threshold while real speech does.
 */
export class BargeInDetector {
  private runStartMs: number | undefined;
  private lastSpeechEndMs = 0;
  private fired = false;

  constructor(
    private readonly minInterruptionMs: number,
    private readonly gapMs = 100,
  ) {}

  /** One VAD window (already echo-gated); true exactly once, when the caller has held the floor long enough. */
  push(isSpeech: boolean, startMs: number, durationMs: number): boolean {
    if (!isSpeech) {
      if (this.runStartMs !== undefined && startMs + durationMs - this.lastSpeechEndMs > this.gapMs) {
        this.runStartMs = undefined;
      }
      return false;
    }
    if (this.runStartMs === undefined) this.runStartMs = startMs;
    this.lastSpeechEndMs = startMs + durationMs;
    if (this.fired || this.lastSpeechEndMs - this.runStartMs < this.minInterruptionMs) return false;
    this.fired = true;
    return true;
  }

  reset(): void {
    this.runStartMs = undefined;
    this.fired = false;
  }
}
