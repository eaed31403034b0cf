/**
 * A push-fed queue read one item at a time with a deadline and an abort signal: how a
 * synthesizer waits for the next provider message without losing any that arrive meanwhile.
 */

export type InboxWait<T> = { kind: 'item'; item: T } | { kind: 'timeout' } | { kind: 'aborted' };

export class Inbox<T> {
  private readonly items: T[] = [];
  private wake: (() => void) | undefined;

  push(item: T): void {
    this.items.push(item);
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** The next item; 'timeout' when none comes within `timeoutMs`, 'aborted' at once on abort. */
  async next(timeoutMs: number, signal: AbortSignal): Promise<InboxWait<T>> {
    for (;;) {
      if (signal.aborted) return { kind: 'aborted' };
      if (this.items.length > 0) return { kind: 'item', item: this.items.shift() as T };
      const woken = await new Promise<'woken' | 'timeout'>((resolve) => {
        const done = (why: 'woken' | 'timeout') => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          this.wake = undefined;
          resolve(why);
        };
        const onAbort = () => done('woken');
        const timer = setTimeout(() => done('timeout'), timeoutMs);
        signal.addEventListener('abort', onAbort, { once: true });
        this.wake = () => done('woken');
      });
      if (woken === 'timeout' && this.items.length === 0 && !signal.aborted) return { kind: 'timeout' };
    }
  }
}
