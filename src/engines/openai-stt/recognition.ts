/**
 * One utterance on a file-at-a-time transcription endpoint. Parley opens a recognition at
 * speech onset and finishes it at end of turn, so the whole utterance is one segment: partials
 * come from re-decoding the growing segment after every `partialMs` of new audio (one request
 * in flight at a time; none when nothing new arrived), and `finish()` decodes the whole segment
 * once more for the final, dropping a partial still in flight (the final supersedes it).
 */
import { type AudioFrame, SESSION_SAMPLE_RATE } from '../../audio/frame.js';
import { PartialLog } from '../partial-log.js';
import { EngineError, type Recognition, type Transcript } from '../types.js';

/** One request: 16 kHz mono samples in, the transcript text out. Rejects with EngineError. */
export interface SegmentTranscriber {
  transcribe(samples: Int16Array, prompt: string | undefined, signal: AbortSignal): Promise<string>;
}

export interface SegmentRecognitionOptions {
  /** New audio between partial requests, ms; 0: no partials. */
  partialMs: number;
  prompt?: string;
  /** Label of EngineErrors raised here. */
  engine: string;
}

type State = 'open' | 'finishing' | 'done' | 'closed';

export class SegmentRecognition implements Recognition {
  /** Audio uploaded for this utterance, ms: each partial re-sends the segment so far, and is billed. */
  billedAudioMs = 0;
  private state: State = 'open';
  private chunks: Int16Array[] = [];
  private length = 0;
  /** Samples the latest partial request covered. */
  private requestedLength = 0;
  private partialRequest: AbortController | undefined;
  private readonly finalRequest = new AbortController();
  private failure: EngineError | undefined;
  private readonly partialLog = new PartialLog(() => this.failure);
  private finishing: Promise<Transcript> | undefined;
  private readonly stepSamples: number;

  constructor(
    private readonly transcriber: SegmentTranscriber,
    private readonly opts: SegmentRecognitionOptions,
  ) {
    this.stepSamples = Math.round((opts.partialMs * SESSION_SAMPLE_RATE) / 1000);
  }

  push(frame: AudioFrame): void {
    if (this.state === 'closed') return;
    if (this.state !== 'open') {
      throw new EngineError(
        this.opts.engine,
        'audio pushed after finish()',
        'open a new recognition per utterance',
      );
    }
    if (frame.sampleRate !== SESSION_SAMPLE_RATE) {
      throw new EngineError(
        this.opts.engine,
        `frames must be ${SESSION_SAMPLE_RATE} Hz mono 16-bit; got a ${frame.sampleRate} Hz frame`,
        `resample to ${SESSION_SAMPLE_RATE} Hz before pushing`,
      );
    }
    if (frame.samples.length === 0 || this.failure) return;
    this.chunks.push(frame.samples);
    this.length += frame.samples.length;
    this.requestPartial();
  }

  /** Each distinct partial of this utterance from the first; throws the failure if a request failed. */
  partials(): AsyncIterable<Transcript> {
    return this.partialLog.reader();
  }

  finish(): Promise<Transcript> {
    if (this.finishing) return this.finishing;
    if (this.state === 'closed') {
      return Promise.reject(new EngineError(this.opts.engine, 'finish() called after close()'));
    }
    this.state = 'finishing';
    this.partialRequest?.abort();
    this.partialRequest = undefined;
    this.finishing = this.complete(performance.now());
    return this.finishing;
  }

  close(): void {
    if (this.state === 'closed' || this.state === 'done') return;
    this.state = 'closed';
    this.partialRequest?.abort();
    this.finalRequest.abort();
    this.chunks = [];
    this.partialLog.end();
  }

  private async complete(startedMs: number): Promise<Transcript> {
    try {
      if (this.failure) throw this.failure;
      if (this.length > 0) this.billedAudioMs += (this.length * 1000) / SESSION_SAMPLE_RATE;
      const text =
        this.length === 0
          ? ''
          : await this.transcriber.transcribe(this.segment(), this.opts.prompt, this.finalRequest.signal);
      if (this.isClosed()) {
        throw new EngineError(this.opts.engine, 'the recognition was closed before its final transcript');
      }
      this.state = 'done';
      return { text: text.trim(), final: true, latencyMs: performance.now() - startedMs };
    } catch (err) {
      const error = this.isClosed()
        ? new EngineError(this.opts.engine, 'the recognition was closed before its final transcript')
        : asEngineError(err, this.opts.engine);
      this.failure ??= error;
      throw error;
    } finally {
      this.partialLog.end();
    }
  }

  /** Sends the segment so far when enough new audio came and no partial is in flight. */
  private requestPartial(): void {
    if (this.stepSamples === 0 || this.state !== 'open' || this.partialRequest || this.failure) return;
    if (this.length - this.requestedLength < this.stepSamples) return;
    const request = new AbortController();
    this.partialRequest = request;
    this.requestedLength = this.length;
    this.billedAudioMs += (this.length * 1000) / SESSION_SAMPLE_RATE;
    this.transcriber
      .transcribe(this.segment(), this.opts.prompt, request.signal)
      .then(
        (text) => {
          if (request.signal.aborted || this.state !== 'open') return;
          this.partialLog.add(text.trim());
        },
        (err: unknown) => {
          if (request.signal.aborted || this.state !== 'open') return;
          this.failure ??= asEngineError(err, this.opts.engine);
          this.partialLog.end();
        },
      )
      .finally(() => {
        if (this.partialRequest !== request) return;
        this.partialRequest = undefined;
        // Audio that came while the request was out.
        this.requestPartial();
      });
  }

  private segment(): Int16Array {
    if (this.chunks.length !== 1) {
      const joined = new Int16Array(this.length);
      let offset = 0;
      for (const chunk of this.chunks) {
        joined.set(chunk, offset);
        offset += chunk.length;
      }
      this.chunks = [joined];
    }
    return this.chunks[0] as Int16Array;
  }

  /** Read through a method: `state` changes while a request is awaited. */
  private isClosed(): boolean {
    return this.state === 'closed';
  }
}

function asEngineError(err: unknown, engine: string): EngineError {
  if (err instanceof EngineError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new EngineError(engine, `transcription failed (${message})`, undefined, { cause: err });
}
