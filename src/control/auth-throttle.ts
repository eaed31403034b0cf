/**
 * Throttles API-key guessing: each client address may present a wrong (or no) key a few times per
 * window; past that, its requests needing a key are answered 429 with `Retry-After` until the window
 * ends, without the key being checked (a throttled guess must not be able to succeed). Successful
 * requests never count. Addresses are the socket's peer: behind a proxy, all clients share one.
 */

export interface AuthThrottleOptions {
  /** Failed authentications allowed per address per window. Default 10 (`PARLEY_MAX_AUTH_FAILURES`). */
  maxFailures: number;
  /** The window, ms, from an address's first failure. Default 60000. */
  windowMs: number;
  /** Wall clock, ms. Default Date.now. */
  now?: () => number;
  /** Addresses tracked at once; the oldest are forgotten beyond it (bounded memory). Default 10000. */
  maxTracked?: number;
}

export const DEFAULT_AUTH_THROTTLE = { maxFailures: 10, windowMs: 60_000 };

/** `PARLEY_MAX_AUTH_FAILURES` (per minute), else the default. */
export function authThrottleFromEnv(env: NodeJS.ProcessEnv): { maxFailures: number; windowMs: number } {
  const raw = env.PARLEY_MAX_AUTH_FAILURES;
  if (raw === undefined || raw.trim() === '') return { ...DEFAULT_AUTH_THROTTLE };
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`PARLEY_MAX_AUTH_FAILURES must be a positive integer, got '${raw}'`);
  return { ...DEFAULT_AUTH_THROTTLE, maxFailures: value };
}

export class AuthThrottle {
  private readonly failures = new Map<string, { count: number; resetAtMs: number }>();
  private readonly now: () => number;

  constructor(private readonly opts: AuthThrottleOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Seconds until `address` may try again, or undefined when it is not throttled. */
  retryAfterS(address: string): number | undefined {
    const entry = this.failures.get(address);
    if (!entry) return undefined;
    const left = entry.resetAtMs - this.now();
    if (left <= 0) {
      this.failures.delete(address);
      return undefined;
    }
    return entry.count >= this.opts.maxFailures ? Math.ceil(left / 1000) : undefined;
  }

  fail(address: string): void {
    const now = this.now();
    const entry = this.failures.get(address);
    if (entry && entry.resetAtMs > now) {
      entry.count++;
      return;
    }
    this.failures.delete(address);
    const max = this.opts.maxTracked ?? 10_000;
    while (this.failures.size >= max) {
      const oldest = this.failures.keys().next().value;
      if (oldest === undefined) break;
      this.failures.delete(oldest);
    }
    this.failures.set(address, { count: 1, resetAtMs: now + this.opts.windowMs });
  }
}
