/**
 * A recognition's partial transcripts as `Recognition.partials()` hands them out: every reader
 * starts from the first, waits for the next, and sees the end (or the failure) once the
 * recognition says so. Shared by the recognizers whose partials arrive asynchronously.
 */
import type { EngineError, Transcript } from './types.js';

export class PartialLog {
  private readonly items: Transcript[] = [];
  private ended = false;
  private waiting: (() => void)[] = [];

  /** @param failure the recognition's failure, if any: thrown to readers once the log has ended. */
  constructor(private readonly failure: () => EngineError | undefined) {}

  get isEnded(): boolean {
    return this.ended;
  }

  /** Adds `text` unless it is empty or the same as the last partial. */
  add(text: string): void {
    if (text === '' || text === this.items.at(-1)?.text) return;
    this.items.push({ text, final: false });
    this.wake();
  }

  /** No more partials: waiting readers finish (or throw the failure). */
  end(): void {
    this.ended = true;
    this.wake();
  }

  /** Each partial from the first; throws the failure after the last. */
  reader(): AsyncIterable<Transcript> {
    return {
      [Symbol.asyncIterator]: () => {
        let next = 0;
        return {
          next: async (): Promise<IteratorResult<Transcript>> => {
            for (;;) {
              const item = this.items[next];
              if (item) {
                next++;
                return { value: item, done: false };
              }
              if (this.ended) {
                const failure = this.failure();
                if (failure) throw failure;
                return { value: undefined, done: true };
              }
              await new Promise<void>((resolve) => this.waiting.push(resolve));
            }
          },
          return: async (): Promise<IteratorResult<Transcript>> => {
            next = Number.POSITIVE_INFINITY;
            return { value: undefined, done: true };
          },
        };
      },
    };
  }

  private wake(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}
