/**
 * How `parley serve` leaves: the first SIGTERM or SIGINT drains (no new sessions, live calls end at
 * their next turn boundary or when the grace period runs out, records written), a second signal
 * exits at once.
 */
import type { DrainOptions, DrainResult } from '../control/drain.js';

export interface Drainable {
  drain(opts?: DrainOptions): Promise<DrainResult>;
}

export interface ShutdownHooks {
  /** After the server has drained and closed (close the runtime, say). */
  afterDrain?(): Promise<void>;
  /** Where progress lines go. Default stderr. */
  log?(line: string): void;
  /** Leaves at once on the second signal. Default process.exit. */
  exitNow?(code: number): void;
}

/** Resolves with the exit code once a signal has drained the server: 0, or 1 if shutdown failed. */
export function drainOnSignals(server: Drainable, hooks: ShutdownHooks = {}): Promise<number> {
  const log = hooks.log ?? ((line: string) => console.error(line));
  const exitNow = hooks.exitNow ?? ((code: number) => process.exit(code));
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        log(`parley serve: ${signal} again, exiting now`);
        exitNow(1);
        return;
      }
      stopping = true;
      log(`parley serve: ${signal}, draining: no new sessions, live calls end at their next turn boundary`);
      server
        .drain()
        .then(async (result) => {
          log(
            `parley serve: drained (${result.atBoundary} call(s) ended at a turn boundary, ${result.cutAtGrace} at the grace limit)`,
          );
          await hooks.afterDrain?.();
          resolve(0);
        })
        .catch((err: unknown) => {
          log(`parley serve: shutdown failed: ${(err as Error).message}`);
          resolve(1);
        })
        .finally(() => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
