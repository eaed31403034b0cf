/**
 * One utterance on a session's Deepgram stream: a stretch of the stream's audio, the results
 * the stream routes to it, and its final once Finalize has been answered. The stream
 * (`stream.ts`) owns the socket and decides which results belong to which utterance.
 */
import { type AudioFrame, SESSION_SAMPLE_RATE } from '../../audio/frame.js';
import { PartialLog } from '../partial-log.js';
import { EngineError, type Recognition, type Transcript } from '../types.js';

/** What an utterance asks of its stream. */
export interface UtterancePort {
  /** Stream time in seconds: audio sent so far. */
  readonly positionSec: number;
  sendAudio(samples: Int16Array): void;
  /** Sends Finalize for `u`, whose audio (some, at least) is complete: finished or abandoned. */
  finalize(u: DeepgramRecognition): void;
  /** `u` waited too long for its final; the stream is no longer trusted. */
  stalled(u: DeepgramRecognition, error: EngineError): void;
}

type Phase = 'open' | 'finishing' | 'abandoned' | 'done' | 'failed';

export class DeepgramRecognition implements Recognition {
  /** Stream time where this utterance's audio ends; set by finish() or close(). */
  endSec: number | undefined;
  /** End of the audio Deepgram has finalized for this utterance, in stream seconds. */
  coveredSec: number;
  /** End of the audio any result (interim or final) accounted for, in stream seconds. */
  private resultsToSec: number;
  private phase: Phase = 'open';
  private readonly finals: string[] = [];
  private interim = '';
  private failure: EngineError | undefined;
  private readonly partialLog = new PartialLog(() => this.failure);
  private finishing: Promise<Transcript> | undefined;
  private settle: { resolve(t: Transcript): void; reject(e: EngineError): void } | undefined;
  private finishStartedMs = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly port: UtterancePort | undefined,
    /** Stream time where this utterance's audio starts. */
    readonly startSec: number,
    private readonly finalizeTimeoutMs: number,
    failure?: EngineError,
  ) {
    this.coveredSec = startSec;
    this.resultsToSec = startSec;
    if (failure) this.fail(failure);
  }

  /** Still waiting for results: open, finishing or abandoned (its Finalize not yet answered). */
  get live(): boolean {
    return this.phase === 'open' || this.phase === 'finishing' || this.phase === 'abandoned';
  }

  get isOpen(): boolean {
    return this.phase === 'open';
  }

  /** Closed before finishing: its results are dropped. */
  get isAbandoned(): boolean {
    return this.phase === 'abandoned';
  }

  get isFinishing(): boolean {
    return this.phase === 'finishing';
  }

  push(frame: AudioFrame): void {
    if (this.phase !== 'open') {
      if (this.phase === 'finishing') {
        throw new EngineError(
          'deepgram',
          'audio pushed after finish()',
          'open a new recognition per utterance',
        );
      }
      return; // abandoned, failed or done: nothing listens any more
    }
    if (frame.sampleRate !== SESSION_SAMPLE_RATE) {
      throw new EngineError(
        'deepgram',
        `frames must be ${SESSION_SAMPLE_RATE} Hz mono 16-bit; got a ${frame.sampleRate} Hz frame`,
        `resample to ${SESSION_SAMPLE_RATE} Hz before pushing (StreamingResampler in src/audio/resampler.ts)`,
      );
    }
    // An empty binary frame means "close the stream" to Deepgram: never send one.
    if (frame.samples.length === 0) return;
    this.port?.sendAudio(frame.samples);
  }

  /**
   * This utterance's partial transcripts: its finalized segments plus the current interim, so
   * they change only where Deepgram has not settled yet. Every call starts from the first; the
   * iteration ends with the final or on close(), and throws if the stream failed.
   */
  partials(): AsyncIterable<Transcript> {
    return this.partialLog.reader();
  }

  /** Sends Finalize and resolves with the utterance's text once Deepgram has answered it. */
  finish(): Promise<Transcript> {
    if (this.finishing) return this.finishing;
    if (this.failure) {
      this.finishing = Promise.reject(this.failure);
      return this.finishing;
    }
    if (this.phase !== 'open') {
      return Promise.reject(new EngineError('deepgram', 'finish() called after close()'));
    }
    this.phase = 'finishing';
    this.finishStartedMs = performance.now();
    this.finishing = new Promise<Transcript>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // The caller may never await a failure (a session closing mid-turn): keep it handled.
    this.finishing.catch(() => {});
    this.endSec = this.port?.positionSec ?? this.startSec;
    if (this.endSec <= this.startSec || this.covered) {
      // No audio, or all of it already final: nothing for Finalize to flush.
      this.complete();
    } else {
      this.timer = setTimeout(() => this.timedOut(), this.finalizeTimeoutMs);
      this.port?.finalize(this);
    }
    return this.finishing;
  }

  /** Abandons the utterance: partials end, and its results are dropped as they arrive. */
  close(): void {
    if (this.phase === 'open') {
      this.phase = 'abandoned';
      this.endSec = this.port?.positionSec ?? this.startSec;
      // Flushed as a segment of its own, so its words never run into the next utterance's.
      if (this.endSec > this.startSec) this.port?.finalize(this);
      else this.complete();
    }
    // A finish() under way still resolves; only the partials stop.
    this.partialLog.end();
  }

  /** A Results message for this utterance's audio. */
  applyResult(text: string, isFinal: boolean, endSec: number): void {
    if (this.phase === 'abandoned' || !this.live) return;
    this.resultsToSec = Math.max(this.resultsToSec, endSec);
    if (isFinal) {
      if (text) this.finals.push(text);
      this.interim = '';
      this.coveredSec = Math.max(this.coveredSec, endSec);
    } else {
      this.interim = text;
    }
    if (this.partialLog.isEnded) return;
    this.partialLog.add([...this.finals, this.interim].filter((s) => s !== '').join(' '));
  }

  /** How much of this utterance's audio the latest results account for (their start + duration). */
  get decodedAudioMs(): number {
    return Math.max(0, (this.resultsToSec - this.startSec) * 1000);
  }

  /** Whether Deepgram has finalized all of a finishing utterance's audio. */
  get covered(): boolean {
    return this.endSec !== undefined && this.coveredSec >= this.endSec - 0.02;
  }

  /** Deepgram has answered this utterance's Finalize (or finalized all of it): the final is ready. */
  complete(): void {
    clearTimeout(this.timer);
    const settle = this.settle;
    const wasFinishing = this.phase === 'finishing';
    if (this.phase === 'finishing' || this.phase === 'abandoned') this.phase = 'done';
    this.partialLog.end();
    if (wasFinishing && settle) {
      settle.resolve({
        text: this.finals.join(' '),
        final: true,
        latencyMs: performance.now() - this.finishStartedMs,
      });
    }
  }

  /** The stream broke: partials throw, finish() rejects, with `error`. */
  fail(error: EngineError): void {
    if (this.phase === 'done' || this.phase === 'failed') return;
    clearTimeout(this.timer);
    this.phase = 'failed';
    this.failure = error;
    this.settle?.reject(error);
    this.partialLog.end();
  }

  private timedOut(): void {
    if (this.phase !== 'finishing') return;
    this.port?.stalled(
      this,
      new EngineError(
        'deepgram',
        `no final transcript within ${this.finalizeTimeoutMs} ms of Finalize`,
        'Deepgram is slow or stalled; the session falls back to its next recognizer',
      ),
    );
  }
}
