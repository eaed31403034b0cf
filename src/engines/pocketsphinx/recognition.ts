/** One utterance on a pooled pocketsphinx decoder: audio in, partial hypotheses out, a final. */
import { type AudioFrame, SESSION_SAMPLE_RATE } from '../../audio/frame.js';
import { EngineError, type Recognition, type Transcript } from '../types.js';
import type { NativeDecoder } from './addon.js';
import type { DecoderPool } from './decoder-pool.js';

/** A transcript stamped with how much audio had been decoded when it appeared. */
export interface TimedTranscript extends Transcript {
  /** Ms of this utterance's audio decoded when the hypothesis was read. */
  audioMs: number;
}

export interface RecognitionTuning {
  /** Audio gathered before each decode step, which bounds how often partials come. Default 100. */
  partialEveryMs: number;
}

/**
 * What one conversation's recognitions adapted to so far (the caller's voice and line), carried
 * from each finished utterance to the next one of the same conversation, whichever pooled
 * decoder serves it. An abandoned utterance (a cough that never became a turn) leaves it as it
 * was. Unset: the model's initial state.
 */
export interface AdaptationSlot {
  state?: Uint8Array;
}

type State = 'open' | 'finishing' | 'done' | 'closed';

export class PocketsphinxRecognition implements Recognition {
  private state: State = 'open';
  private readonly decoder: Promise<NativeDecoder>;
  private readonly stepSamples: number;
  private pending: Int16Array[] = [];
  private pendingSamples = 0;
  private decodedSamples = 0;
  private inFlight: Promise<void> | undefined;
  private failure: unknown;
  private finishing: Promise<TimedTranscript> | undefined;
  private lastText = '';
  private readonly partialLog: TimedTranscript[] = [];
  private partialsEnded = false;
  private wakeReaders: (() => void)[] = [];

  constructor(
    private readonly pool: DecoderPool,
    tuning: RecognitionTuning,
    /** Where this conversation's adaptation lives; none: start from the model's initial state. */
    private readonly adaptation?: AdaptationSlot,
  ) {
    this.stepSamples = Math.max(1, Math.round((tuning.partialEveryMs * SESSION_SAMPLE_RATE) / 1000));
    this.decoder = pool.acquire(adaptation?.state);
    // A failure to get a decoder surfaces through finish(); never as an unhandled rejection.
    this.decoder.catch((err: unknown) => this.fail(err));
  }

  push(frame: AudioFrame): void {
    if (this.state === 'closed') return;
    if (this.state !== 'open') {
      throw new EngineError(
        'pocketsphinx',
        'audio pushed after finish()',
        'open a new recognition per utterance',
      );
    }
    if (frame.sampleRate !== SESSION_SAMPLE_RATE) {
      throw new EngineError(
        'pocketsphinx',
        `frames must be ${SESSION_SAMPLE_RATE} Hz mono 16-bit; got a ${frame.sampleRate} Hz frame`,
        `resample to ${SESSION_SAMPLE_RATE} Hz before pushing (StreamingResampler in src/audio/resampler.ts)`,
      );
    }
    if (!(frame.samples instanceof Int16Array)) {
      throw new EngineError('pocketsphinx', 'frame samples must be an Int16Array of 16-bit PCM');
    }
    if (frame.samples.length === 0 || this.failure) return;
    this.pending.push(frame.samples);
    this.pendingSamples += frame.samples.length;
    if (this.pendingSamples >= this.stepSamples) this.kick();
  }

  /**
   * Partial hypotheses, each one differing from the one before. Every call iterates from the
   * first partial of this utterance; the iteration ends once the final is ready or on close().
   */
  partials(): AsyncIterable<TimedTranscript> {
    return {
      [Symbol.asyncIterator]: () => {
        let next = 0;
        return {
          next: async (): Promise<IteratorResult<TimedTranscript>> => {
            for (;;) {
              const item = this.partialLog[next];
              if (item) {
                next++;
                return { value: item, done: false };
              }
              if (this.partialsEnded) return { value: undefined, done: true };
              await new Promise<void>((resolve) => this.wakeReaders.push(resolve));
            }
          },
          return: async (): Promise<IteratorResult<TimedTranscript>> => {
            next = Number.POSITIVE_INFINITY;
            return { value: undefined, done: true };
          },
        };
      },
    };
  }

  /**
   * Resolves once the audio pushed so far has been decoded (pending audio shorter than one
   * step waits for more). Lets a file be fed at the speed of decoding rather than real time.
   */
  async decoded(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }

  finish(): Promise<TimedTranscript> {
    if (this.finishing) return this.finishing;
    if (this.state === 'closed') {
      return Promise.reject(new EngineError('pocketsphinx', 'finish() called after close()'));
    }
    const startedMs = performance.now();
    this.state = 'finishing';
    this.finishing = this.complete(startedMs);
    return this.finishing;
  }

  close(): void {
    if (this.state === 'closed' || this.state === 'done') return;
    const wasFinishing = this.state === 'finishing';
    this.state = 'closed';
    this.pending = [];
    this.pendingSamples = 0;
    this.endPartials();
    // A finish() under way returns its decoder itself.
    if (!wasFinishing) void this.returnDecoder(false);
  }

  private async complete(startedMs: number): Promise<TimedTranscript> {
    let broken = false;
    try {
      while (this.inFlight) await this.inFlight;
      if (this.failure) throw this.failure;
      const decoder = await this.decoder;
      await this.decodePending(decoder, true);
      if (this.failure) throw this.failure;
      const text = await decoder.end();
      if (this.adaptation) this.adaptation.state = await decoder.getAdaptation();
      const final: TimedTranscript = {
        text,
        final: true,
        latencyMs: performance.now() - startedMs,
        audioMs: this.audioMs(),
      };
      if (this.state === 'finishing') this.state = 'done';
      return final;
    } catch (err) {
      broken = true;
      throw this.asEngineError(err);
    } finally {
      this.endPartials();
      await this.returnDecoder(broken);
    }
  }

  /** Starts decoding pending audio unless a decode step is already under way. */
  private kick(): void {
    if (this.inFlight || this.failure || this.state !== 'open') return;
    this.inFlight = this.decoder
      .then((decoder) => this.decodePending(decoder, false))
      .catch((err: unknown) => this.fail(err))
      .finally(() => {
        this.inFlight = undefined;
        // Audio that arrived while the last step was settling.
        if (this.pendingSamples >= this.stepSamples) this.kick();
      });
  }

  /** Decodes what is pending in steps of at least `stepSamples` (all of it when `flush`). */
  private async decodePending(decoder: NativeDecoder, flush: boolean): Promise<void> {
    while (this.state === 'open' || this.state === 'finishing') {
      if (this.pendingSamples === 0 || (!flush && this.pendingSamples < this.stepSamples)) return;
      // Everything pending goes in one step: under load, steps grow and decoding catches up.
      const batch = this.takePending();
      const text = await decoder.process(batch);
      this.decodedSamples += batch.length;
      if (this.isClosed()) return;
      if (text !== '' && text !== this.lastText) {
        this.lastText = text;
        this.partialLog.push({ text, final: false, audioMs: this.audioMs() });
        this.wake();
      }
    }
  }

  /** Read through a method: `state` changes while a decode step is awaited. */
  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private takePending(): Int16Array {
    const batch = new Int16Array(this.pendingSamples);
    let offset = 0;
    for (const chunk of this.pending) {
      batch.set(chunk, offset);
      offset += chunk.length;
    }
    this.pending = [];
    this.pendingSamples = 0;
    return batch;
  }

  /** Audio decoded so far: the latest partial reflects all of it (a changed hypothesis is always logged). */
  get decodedAudioMs(): number {
    return this.audioMs();
  }

  private audioMs(): number {
    return (this.decodedSamples * 1000) / SESSION_SAMPLE_RATE;
  }

  private fail(err: unknown): void {
    this.failure ??= this.asEngineError(err);
    this.pending = [];
    this.pendingSamples = 0;
  }

  private asEngineError(err: unknown): EngineError {
    if (err instanceof EngineError) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new EngineError('pocketsphinx', `decoding failed (${message})`, undefined, { cause: err });
  }

  private async returnDecoder(broken: boolean): Promise<void> {
    let decoder: NativeDecoder;
    try {
      decoder = await this.decoder;
    } catch {
      return; // none was ever acquired
    }
    while (this.inFlight) await this.inFlight;
    this.pool.release(decoder, broken || this.failure !== undefined);
  }

  private endPartials(): void {
    this.partialsEnded = true;
    this.wake();
  }

  private wake(): void {
    for (const resolve of this.wakeReaders.splice(0)) resolve();
  }
}
