/**
 * Where the next chunk of WebSocket audio plays: right after the previous one, with a small
 * lead after an underrun, and never more than `maxBufferMs` ahead of now: after a burst the
 * backlog is trimmed so latency does not creep.
 */
export interface PlaybackScheduleOptions {
  /** Delay before the first chunk after an underrun, ms. Default 40. */
  leadMs?: number;
  /** Largest backlog kept, ms; beyond it chunks are dropped. Default 200. */
  maxBufferMs?: number;
}

export class PlaybackSchedule {
  private readonly leadS: number;
  private readonly maxBufferS: number;
  private nextAtS = 0;
  droppedChunks = 0;

  constructor(opts: PlaybackScheduleOptions = {}) {
    this.leadS = (opts.leadMs ?? 40) / 1000;
    this.maxBufferS = (opts.maxBufferMs ?? 200) / 1000;
  }

  /** Start time (s, AudioContext time) for a chunk of `durationS`, or undefined to drop it. */
  place(nowS: number, durationS: number): number | undefined {
    if (this.nextAtS < nowS) this.nextAtS = nowS + this.leadS;
    if (this.nextAtS + durationS - nowS > this.maxBufferS + this.leadS) {
      this.droppedChunks++;
      return undefined;
    }
    const at = this.nextAtS;
    this.nextAtS += durationS;
    return at;
  }

  /** Audio scheduled but not yet played, in ms. */
  bufferedMs(nowS: number): number {
    return Math.max(0, (this.nextAtS - nowS) * 1000);
  }

  /** Forgets the backlog (after the scheduled sources were stopped). */
  reset(): void {
    this.nextAtS = 0;
  }
}
