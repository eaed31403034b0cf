/**
 * A small send queue drained by a drift-corrected timer: frame n of a burst leaves at
 * start + n * frameMs, so timer jitter never accumulates, and a barge-in flush empties it at once.
 */
import type { Clock } from '../clock.js';

export interface SendInfo {
  /** Frames sent since this sender was created. */
  index: number;
  /** True for the first frame after the queue ran dry (a new talkspurt: RTP marker, timestamp jump). */
  afterGap: boolean;
  /** When this frame left, on the sender's clock. */
  atMs: number;
}

export interface PacedSenderOptions<T> {
  clock: Clock;
  /** Interval between frames. Default 20 ms. */
  frameMs?: number;
  /** Queue bound; the oldest frames are dropped past it so latency cannot creep. Default 25 (500 ms). */
  maxQueueFrames?: number;
  /**
   * Backlog (frames) above which a tick sends two frames instead of one. The source is already
   * paced in real time, so without this a backlog from one stall would never drain. Default 2.
   */
  targetQueueFrames?: number;
  /** If the timer falls further behind than this, re-anchor instead of bursting to catch up. Default 100 ms. */
  maxLagMs?: number;
  send(item: T, info: SendInfo): void;
}

export class PacedSender<T> {
  private readonly clock: Clock;
  private readonly frameMs: number;
  private readonly maxQueueFrames: number;
  private readonly maxLagMs: number;
  private readonly targetQueueFrames: number;
  private readonly sendFrame: (item: T, info: SendInfo) => void;
  private readonly queue: T[] = [];
  private readonly stop = new AbortController();
  private running = false;
  private wake: (() => void) | undefined;
  private sent = 0;
  private dropped = 0;

  constructor(opts: PacedSenderOptions<T>) {
    this.clock = opts.clock;
    this.frameMs = opts.frameMs ?? 20;
    this.maxQueueFrames = opts.maxQueueFrames ?? 25;
    this.maxLagMs = opts.maxLagMs ?? 100;
    this.targetQueueFrames = opts.targetQueueFrames ?? 2;
    this.sendFrame = opts.send;
  }

  get queuedFrames(): number {
    return this.queue.length;
  }

  get sentFrames(): number {
    return this.sent;
  }

  get droppedFrames(): number {
    return this.dropped;
  }

  enqueue(item: T): void {
    if (this.stop.signal.aborted) return;
    this.queue.push(item);
    while (this.queue.length > this.maxQueueFrames) {
      this.queue.shift();
      this.dropped++;
    }
    if (!this.running) {
      this.running = true;
      void this.drain();
    }
    this.wake?.();
  }

  /** Drops everything queued (barge-in); returns how many frames were dropped. */
  flush(): number {
    const n = this.queue.length;
    this.queue.length = 0;
    return n;
  }

  close(): void {
    this.flush();
    this.stop.abort();
  }

  private async drain(): Promise<void> {
    let start = this.clock.now();
    let n = 0;
    let afterGap = true;
    try {
      while (!this.stop.signal.aborted) {
        const item = this.queue.shift();
        if (item === undefined) {
          // Ran dry: wait one more interval for a late frame before calling it a gap.
          const waited = await this.waitForFrame(start + (n + 1) * this.frameMs);
          if (!waited) break;
          continue; // a late frame takes its slot at once; the grid stays anchored
        }
        const now = this.clock.now();
        this.sendFrame(item, { index: this.sent++, afterGap, atMs: now });
        afterGap = false;
        if (this.queue.length > this.targetQueueFrames) {
          const extra = this.queue.shift() as T;
          this.sendFrame(extra, { index: this.sent++, afterGap: false, atMs: now });
        }
        n++;
        let deadline = start + n * this.frameMs;
        if (now - deadline > this.maxLagMs) {
          start = now;
          n = 1;
          deadline = now + this.frameMs;
        }
        const delay = deadline - this.clock.now();
        if (delay > 0) await this.clock.sleep(delay, this.stop.signal);
      }
    } catch {
      // Aborted by close().
    } finally {
      this.running = false;
    }
    if (this.queue.length > 0 && !this.stop.signal.aborted) {
      this.running = true;
      void this.drain();
    }
  }

  /** Waits until `deadlineMs` or an enqueue, whichever first; true if a frame is waiting. */
  private async waitForFrame(deadlineMs: number): Promise<boolean> {
    if (this.queue.length > 0) return true;
    const timeout = new AbortController();
    const onStop = () => timeout.abort();
    this.stop.signal.addEventListener('abort', onStop, { once: true });
    const arrived = new Promise<void>((resolve) => {
      this.wake = resolve;
    });
    const delay = Math.max(0, deadlineMs - this.clock.now());
    await Promise.race([arrived, this.clock.sleep(delay, timeout.signal).catch(() => undefined)]);
    this.wake = undefined;
    timeout.abort();
    this.stop.signal.removeEventListener('abort', onStop);
    return this.queue.length > 0 && !this.stop.signal.aborted;
  }
}
