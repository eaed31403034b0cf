/**
 * Graceful shutdown: stop taking calls, let the live ones reach a turn boundary (the agent's reply
 * finished, the caller not mid-utterance) within a grace period, then hang up. Calls are not cut
 * mid-sentence unless the grace period runs out.
 */
import type { SessionApi } from '../conversation/api.js';

export interface DrainOptions {
  /** How long live calls may take to reach a turn boundary, ms. Default: the server's `drainGraceMs`. */
  graceMs?: number;
}

export interface DrainResult {
  /** Calls hung up at a turn boundary. */
  atBoundary: number;
  /** Calls still going when the grace period ended, hung up there (a reply may have been cut). */
  cutAtGrace: number;
}

/** Default grace period for live calls on shutdown, ms. */
export const DEFAULT_DRAIN_GRACE_MS = 30_000;

export const DRAINING_MESSAGE =
  'this server is shutting down and takes no new sessions; try again on another instance';

/** `PARLEY_DRAIN_GRACE_MS`, if set; a malformed value is refused at start. */
export function drainGraceFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.PARLEY_DRAIN_GRACE_MS?.trim();
  if (!raw) return undefined;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 0)
    throw new Error(`PARLEY_DRAIN_GRACE_MS must be a whole number of ms ≥ 0, got '${raw}'`);
  return ms;
}

/**
 * Resolves once `session` stands at a turn boundary: listening (no reply going or pending, the
 * caller not in a turn) or ended. A reply being spoken or prepared, or a caller talking, is
 * waited out. Also resolves when `signal` aborts (the grace period is over).
 */
export function atTurnBoundary(session: SessionApi, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    let off: () => void = () => {};
    const finish = () => {
      off();
      signal.removeEventListener('abort', finish);
      resolve();
    };
    const check = () => {
      if (session.state === 'listening' || session.state === 'ended') finish();
    };
    if (signal.aborted) return finish();
    off = session.onEvent((e) => {
      if (e.type === 'state' || e.type === 'ended') check();
    });
    signal.addEventListener('abort', finish, { once: true });
    check();
  });
}
