/** What every fallback chain shares: when to retry the failed engine, where to report a handover. */
import type { EngineFallbackEvent } from '../engine.js';

export interface ChainOptions {
  /** After a handover, the session stays on the fallback this long before trying the failed engine again. Default 30000 ms. */
  retryPrimaryAfterMs: number;
  /** Told of every handover (the runtime logs it and counts `parley_engine_fallbacks_total`). */
  report(event: EngineFallbackEvent): void;
}

export const DEFAULT_RETRY_PRIMARY_AFTER_MS = 30_000;

/** A failure as one line for logs: engine errors carry their fix and never a secret. */
export function describeFailure(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]?.slice(0, 300) ?? 'unknown error';
}
