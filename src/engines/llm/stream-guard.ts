/**
 * The lifetime of one streamed LLM request, shared by the OpenAI-compatible and the Anthropic
 * brains: one controller that the caller's signal (a barge-in), the consumer stopping early and
 * an idle watchdog all abort, so the HTTP request is closed in every case and at once.
 */

export class StreamGuard {
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private idle = false;
  private readonly onCallerAbort = () => this.controller.abort(this.caller.reason);

  /**
   * @param caller the reply's signal; aborting it closes the request.
   * @param idleMs longest wait for the response to start or, once streaming, between two events.
   */
  constructor(
    private readonly caller: AbortSignal,
    private readonly idleMs: number,
  ) {
    if (caller.aborted) this.controller.abort(caller.reason);
    else caller.addEventListener('abort', this.onCallerAbort, { once: true });
    this.touch();
  }

  /** The signal to hand the HTTP client. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The request was closed: by the caller, by the watchdog or by `close()`. */
  get stopped(): boolean {
    return this.controller.signal.aborted;
  }

  /** The watchdog closed it: the server went quiet for `idleMs`. */
  get timedOut(): boolean {
    return this.idle;
  }

  /** Data arrived: the watchdog starts over. */
  touch(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.idle = true;
      this.controller.abort(new Error(`no data for ${this.idleMs} ms`));
    }, this.idleMs);
    // A forgotten guard must never keep the process alive.
    this.timer.unref?.();
  }

  /** Closes the request if it is still open (a no-op after it completed) and drops the listeners. */
  close(): void {
    clearTimeout(this.timer);
    this.caller.removeEventListener('abort', this.onCallerAbort);
    if (!this.stopped) this.controller.abort(new Error('reply finished'));
  }
}

/** `text` with every occurrence of `secret` masked, for messages that may echo what was sent. */
export function redact(text: string, secret: string | undefined): string {
  if (!secret || secret.length < 4) return text;
  return text.split(secret).join('***');
}
