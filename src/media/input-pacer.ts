/**
 * Caller audio may arrive no faster than real time plus a small burst allowance, per session:
 * a token bucket of media milliseconds refilled by the clock. A client that sends minutes of
 * audio at once would otherwise make the server decode, detect and recognise all of it at once,
 * delaying every other call on the process. Excess audio is dropped before it reaches the
 * session, and the client is told once per episode (`audio_too_fast`).
 */
import type { Clock } from '../clock.js';

export const AUDIO_TOO_FAST = 'audio_too_fast';

/** Default burst allowance above real time, ms of audio. */
export const DEFAULT_INPUT_BURST_MS = 2000;

export interface InputPacerOptions {
  /** Wall time the media time is held against (only `now()` is used). */
  clock: Pick<Clock, 'now'>;
  /**
   * Audio a client may send ahead of real time (network bunching, a reconnect's backlog) before
   * any is dropped. Default 2000 ms.
   */
  burstMs?: number;
}

export interface PaceDecision {
  /** Push this audio into the session. */
  accept: boolean;
  /** First refusal of an episode: tell the client (once) that its audio is too fast. */
  report: boolean;
}

export class InputPacer {
  private readonly burstMs: number;
  /** Media ms that may be accepted right now. */
  private creditMs: number;
  private lastMs: number;
  /** True between the first refusal and the bucket filling up again (one report per episode). */
  private refusing = false;
  private accepted = 0;
  private dropped = 0;

  constructor(private readonly opts: InputPacerOptions) {
    this.burstMs = Math.max(0, opts.burstMs ?? DEFAULT_INPUT_BURST_MS);
    this.creditMs = this.burstMs;
    this.lastMs = opts.clock.now();
  }

  /** Decides on one chunk of `durationMs` of caller audio that just arrived. */
  admit(durationMs: number): PaceDecision {
    const now = this.opts.clock.now();
    this.creditMs = Math.min(this.burstMs, this.creditMs + Math.max(0, now - this.lastMs));
    this.lastMs = now;
    // Back within real time: a later burst is a new episode and gets its own report.
    if (this.creditMs >= this.burstMs) this.refusing = false;
    // A hair of slack so a steady real-time stream never trips on timer rounding.
    if (durationMs <= this.creditMs + 1) {
      this.creditMs -= durationMs; // may dip to -1 ms: the slack is paid back, never leaked
      this.accepted += durationMs;
      return { accept: true, report: false };
    }
    this.dropped += durationMs;
    const report = !this.refusing;
    this.refusing = true;
    return { accept: false, report };
  }

  /** Caller audio accepted so far, ms. */
  get acceptedMs(): number {
    return this.accepted;
  }

  /** Caller audio dropped as too fast so far, ms. */
  get droppedMs(): number {
    return this.dropped;
  }

  /** The one message a client gets when its audio is refused. */
  message(): string {
    return `caller audio arrives faster than real time: audio more than ${this.burstMs} ms ahead of real time is dropped; send 20 ms frames as they are captured`;
  }
}
