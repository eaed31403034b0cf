import type { Clock } from '../clock.js';

/**
 * After `idleCheckInMs` of caller silence the agent checks in once ("Are you still there?"),
 * and not again until the caller has spoken. 0 turns it off.
 */
export class IdleCheckIn {
  private timer: AbortController | undefined;
  private checkedIn = false;
  private running = false;

  /** `checkIn` speaks and returns true, or returns false when the moment has passed. */
  constructor(
    private readonly clock: Clock,
    private readonly idleCheckInMs: number,
    private readonly checkIn: () => boolean,
  ) {}

  /** The session is idle from now on (started, reply done, nothing heard). */
  arm(): void {
    if (this.idleCheckInMs <= 0 || this.checkedIn || this.running === false) return;
    this.disarm();
    const timer = new AbortController();
    this.timer = timer;
    this.clock.sleep(this.idleCheckInMs, timer.signal).then(
      () => {
        if (this.timer !== timer) return;
        this.timer = undefined;
        if (this.checkIn()) this.checkedIn = true;
      },
      () => {},
    );
  }

  start(): void {
    this.running = true;
  }

  disarm(): void {
    this.timer?.abort();
    this.timer = undefined;
  }

  callerSpoke(): void {
    this.checkedIn = false;
  }

  stop(): void {
    this.running = false;
    this.disarm();
  }
}
