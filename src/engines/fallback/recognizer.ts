/**
 * A recognizer chain (`PARLEY_STT=deepgram,embedded`): each utterance goes to the first engine
 * that works. When it fails mid-utterance (a dropped socket, a 429, a timeout) the utterance's
 * audio so far is replayed into the next engine, so the same turn is recognized and nothing the
 * caller said is lost. The session stays on the fallback for `retryPrimaryAfterMs`, then tries
 * the failed engine again in the background.
 */
import type { AudioFrame } from '../../audio/frame.js';
import type { RecognizerDomain, RecognizerEngine, SessionEngineContext } from '../engine.js';
import type { Recognition, RecognitionOptions, Recognizer, Transcript } from '../types.js';
import { type ChainOptions, describeFailure } from './chain.js';

/** Longest stretch of an utterance kept for replay (a turn is rarely longer). */
const MAX_REPLAY_MS = 60_000;

export function recognizerChain(engines: RecognizerEngine[], opts: ChainOptions): RecognizerEngine {
  return {
    name: engines.map((e) => e.name).join(','),
    async prepare(domain) {
      // Every link loads ahead, so a handover never waits for a model to load.
      await Promise.all(engines.map((e) => e.prepare?.(domain)));
    },
    async createRecognizer(domain, ctx) {
      const session = new ChainRecognizer(engines, domain, ctx, opts);
      await session.start();
      return session;
    },
    async close() {
      await Promise.allSettled(engines.map((e) => e.close?.()));
    },
  };
}

class ChainRecognizer implements Recognizer {
  private readonly live: (Recognizer | undefined)[];
  private active = 0;
  private failedAtMs: number | undefined;
  private retrying = false;
  private closed = false;

  constructor(
    private readonly engines: RecognizerEngine[],
    private readonly domain: RecognizerDomain,
    private readonly ctx: SessionEngineContext,
    private readonly opts: ChainOptions,
  ) {
    this.live = engines.map(() => undefined);
  }

  /** Connects the first engine that accepts this session (a wrong key shows here, at session start). */
  async start(): Promise<void> {
    let lastError: unknown;
    for (let i = 0; i < this.engines.length; i++) {
      try {
        this.live[i] = await (this.engines[i] as RecognizerEngine).createRecognizer(this.domain, this.ctx);
        this.active = i;
        if (i > 0) this.failedAtMs = this.ctx.clock.now();
        return;
      } catch (err) {
        lastError = err;
        if (i + 1 < this.engines.length) this.report(i, i + 1, err);
      }
    }
    throw lastError;
  }

  open(opts?: RecognitionOptions): Recognition {
    this.maybeRetryPrimary();
    return new ChainRecognition(this, opts);
  }

  /** The recognition of the active engine, or of the next one that opens. */
  openActive(opts: RecognitionOptions | undefined): { recognition: Recognition; index: number } {
    for (;;) {
      const recognizer = this.live[this.active];
      if (recognizer) {
        try {
          return { recognition: recognizer.open(opts), index: this.active };
        } catch (err) {
          if (!this.failOver(this.active, err)) throw err;
          continue;
        }
      }
      throw new Error('no recognizer of the chain is connected');
    }
  }

  get activeIndex(): number {
    return this.active;
  }

  /** Moves past engine `index` after it failed; false when no engine is left. */
  failOver(index: number, err: unknown): boolean {
    if (index !== this.active) return this.live[this.active] !== undefined;
    const failed = this.live[index];
    this.live[index] = undefined;
    void failed?.close?.().catch(() => {});
    const next = this.live.findIndex((r, i) => r !== undefined && i > index);
    const target = next >= 0 ? next : index + 1;
    if (target >= this.engines.length) return false;
    this.report(index, target, err);
    this.failedAtMs = this.ctx.clock.now();
    this.active = target;
    return true;
  }

  /** Connects engine `index` when the chain hands over to it (recognizers of fallbacks are made on demand). */
  async ensure(index: number): Promise<void> {
    if (this.live[index] || this.closed) return;
    this.live[index] = await (this.engines[index] as RecognizerEngine).createRecognizer(
      this.domain,
      this.ctx,
    );
  }

  private maybeRetryPrimary(): void {
    if (this.active === 0 || this.retrying || this.closed || this.failedAtMs === undefined) return;
    if (this.ctx.clock.now() - this.failedAtMs < this.opts.retryPrimaryAfterMs) return;
    this.retrying = true;
    const primary = this.engines[0] as RecognizerEngine;
    primary.createRecognizer(this.domain, this.ctx).then(
      (recognizer) => {
        this.retrying = false;
        if (this.closed) {
          void recognizer.close?.();
          return;
        }
        this.live[0] = recognizer;
        this.active = 0;
        this.failedAtMs = undefined;
      },
      () => {
        this.retrying = false;
        this.failedAtMs = this.ctx.clock.now();
      },
    );
  }

  private report(from: number, to: number, err: unknown): void {
    this.opts.report({
      kind: 'stt',
      from: (this.engines[from] as RecognizerEngine).name,
      to: (this.engines[to] as RecognizerEngine).name,
      reason: describeFailure(err),
      sessionId: this.ctx.sessionId,
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled(this.live.map((r) => r?.close?.()));
  }
}

/** One utterance on the chain: frames are kept so a handover can replay them. */
class ChainRecognition implements Recognition {
  private readonly frames: AudioFrame[] = [];
  private keptMs = 0;
  /** Billed audio of engines this utterance already left behind. */
  private billedBefore = 0;
  private handedOver = false;
  private current: { recognition: Recognition; index: number } | undefined;
  private readonly queue: Transcript[] = [];
  private wake: (() => void) | undefined;
  private ended = false;
  private error: unknown;
  private closed = false;
  /** Serializes handovers: a failing pump and a failing finish must not both move on. */
  private switching: Promise<void> = Promise.resolve();

  constructor(
    private readonly chain: ChainRecognizer,
    private readonly opts: RecognitionOptions | undefined,
  ) {
    try {
      this.current = chain.openActive(opts);
      void this.pump(this.current);
    } catch (err) {
      // The active engine is not connected yet (the chain just moved on): connect, then stream.
      void this.handOver(undefined, err);
    }
  }

  push(frame: AudioFrame): void {
    if (this.closed) return;
    this.frames.push(frame);
    this.keptMs += (frame.samples.length * 1000) / frame.sampleRate;
    while (this.keptMs > MAX_REPLAY_MS && this.frames.length > 1) {
      const dropped = this.frames.shift() as AudioFrame;
      this.keptMs -= (dropped.samples.length * 1000) / dropped.sampleRate;
    }
    const current = this.current;
    if (!current) return;
    try {
      current.recognition.push(frame);
    } catch (err) {
      void this.handOver(current, err);
    }
  }

  /** What every engine this utterance went through bills for it (pushed audio where one does not say). */
  get billedAudioMs(): number | undefined {
    const current = this.current?.recognition.billedAudioMs;
    if (current === undefined && this.billedBefore === 0) return undefined;
    return this.billedBefore + (current ?? this.keptMs);
  }

  /** The first engine's progress; after a handover the replay may have dropped early audio, so unknown. */
  get decodedAudioMs(): number | undefined {
    return this.handedOver ? undefined : this.current?.recognition.decodedAudioMs;
  }

  async *partials(): AsyncIterable<Transcript> {
    for (;;) {
      const next = this.queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.ended || this.closed) return;
      if (this.error !== undefined) throw this.error;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  async finish(): Promise<Transcript> {
    for (;;) {
      await this.switching;
      if (this.error !== undefined) throw this.error;
      const current = this.current as { recognition: Recognition; index: number };
      try {
        const final = await current.recognition.finish();
        this.end();
        return final;
      } catch (err) {
        if (this.closed) throw err;
        await this.handOver(current, err);
      }
    }
  }

  close(): void {
    this.closed = true;
    this.current?.recognition.close();
    this.notify();
  }

  private async pump(of: { recognition: Recognition; index: number }): Promise<void> {
    try {
      for await (const partial of of.recognition.partials()) {
        if (this.current !== of || this.closed) return;
        this.queue.push(partial);
        this.notify();
      }
    } catch (err) {
      if (this.current === of && !this.closed) await this.handOver(of, err);
    }
  }

  /**
   * Moves this utterance to the next engine that connects and replays its audio there; once no
   * engine is left, the error stands (partials throw, finish rejects).
   */
  private handOver(
    failed: { recognition: Recognition; index: number } | undefined,
    err: unknown,
  ): Promise<void> {
    this.handedOver = true;
    this.switching = this.switching.then(async () => {
      if (this.closed) return;
      if (failed) {
        if (this.current !== failed) return;
        this.billedBefore += failed.recognition.billedAudioMs ?? this.keptMs;
        this.current = undefined;
        failed.recognition.close();
        if (!this.chain.failOver(failed.index, err)) {
          this.fail(err);
          return;
        }
      }
      for (;;) {
        const index = this.chain.activeIndex;
        try {
          await this.chain.ensure(index);
          const next = this.chain.openActive(this.opts);
          for (const frame of this.frames) next.recognition.push(frame);
          this.current = next;
          void this.pump(next);
          return;
        } catch (connectErr) {
          if (!this.chain.failOver(index, connectErr)) {
            this.fail(connectErr);
            return;
          }
        }
      }
    });
    return this.switching;
  }

  private fail(err: unknown): void {
    this.error = err;
    this.notify();
  }

  private end(): void {
    this.ended = true;
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}
