/**
 * A session's recognizer on Deepgram: one live stream (WebSocket) for the whole session, opened
 * when the session starts, carrying one utterance after another
 * (https://developers.deepgram.com/reference/speech-to-text/listen-streaming).
 *
 * Stream time is the audio sent so far; only utterances send audio, so each one is a stretch of
 * it and every Results message (start, duration) falls in exactly one. Each utterance ends with
 * Finalize (also an abandoned one, so its words are flushed as its own segment and never run
 * into the next). Between utterances KeepAlive holds the stream open. A stream that breaks fails
 * its utterances and every later open(), so the session's fallback takes over at once.
 */
import type WebSocket from 'ws';
import type { RawData } from 'ws';
import { SESSION_SAMPLE_RATE } from '../../audio/frame.js';
import { EngineError, type Recognition, type RecognitionOptions, type Recognizer } from '../types.js';
import { type DeepgramOptions, redact } from './config.js';
import { openStream } from './connect.js';
import { DeepgramRecognition, type UtterancePort } from './recognition.js';
import {
  type ClientControl,
  errorText,
  linear16Bytes,
  parseServerMessage,
  type ResultsMessage,
  transcriptOf,
} from './wire.js';

/** Results and utterance bounds are compared with this slack, in seconds. */
const SLACK_SEC = 0.02;
/**
 * How far short of an utterance's end a Finalize answer may stop and still be its answer. Less
 * than any real utterance (the pre-roll alone is longer), so a late answer to an earlier
 * Finalize never completes a later utterance.
 */
const FINALIZE_SLACK_SEC = 0.25;

/** What the documented close payloads mean (STT troubleshooting: NET and DATA errors). */
const CLOSE_REASONS: Record<string, string> = {
  'NET-0000': 'the server sent nothing within its timeout',
  'NET-0001': 'no audio or KeepAlive reached the server within its timeout',
  'DATA-0000': 'the audio could not be decoded',
};

export interface StreamStats {
  /** Control messages sent, by type. */
  sent: Record<ClientControl['type'], number>;
  /** Server messages received, by type. */
  received: Record<string, number>;
  /** The server's id for this stream, once a message carried it (quote it to Deepgram support). */
  requestId?: string;
}

export class DeepgramStream implements Recognizer, UtterancePort {
  private sentSamples = 0;
  private lastSentMs = performance.now();
  /** Utterances still owed results, in audio order; only the last may be open. */
  private utterances: DeepgramRecognition[] = [];
  private failure: EngineError | undefined;
  private closing: Promise<void> | undefined;
  private readonly keepAlive: NodeJS.Timeout;
  readonly stats: StreamStats = { sent: { Finalize: 0, KeepAlive: 0, CloseStream: 0 }, received: {} };

  private constructor(
    private readonly ws: WebSocket,
    private readonly opts: DeepgramOptions,
    private readonly onClosed: (stream: DeepgramStream) => void,
  ) {
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('error', () => {
      // 'close' follows with the code and reason; that is what gets reported.
    });
    ws.on('close', (code, reason) => this.onSocketClosed(code, reason.toString('utf8')));
    // The server closes a stream that carries no data for ~10 s (NET-0001).
    const tick = Math.max(50, Math.floor(opts.keepAliveMs / 2));
    this.keepAlive = setInterval(() => {
      if (performance.now() - this.lastSentMs >= opts.keepAliveMs) this.control({ type: 'KeepAlive' });
    }, tick);
    this.keepAlive.unref();
  }

  /** Opens the stream; rejects with an EngineError (wrong key, rate limit, unreachable) before any call. */
  static async connect(
    opts: DeepgramOptions,
    onClosed: (stream: DeepgramStream) => void = () => {},
  ): Promise<DeepgramStream> {
    return new DeepgramStream(await openStream(opts), opts, onClosed);
  }

  get positionSec(): number {
    return this.sentSamples / SESSION_SAMPLE_RATE;
  }

  /** Why the stream is unusable, if it is. */
  get error(): EngineError | undefined {
    return this.failure;
  }

  /**
   * A new utterance. Hints are not sent: keyterms are fixed when the stream opens. One utterance
   * streams at a time; opening another abandons one still open.
   */
  open(_opts?: RecognitionOptions): Recognition {
    if (this.failure) return new DeepgramRecognition(undefined, this.positionSec, 0, this.failure);
    const last = this.utterances.at(-1);
    if (last?.isOpen) last.close();
    const u = new DeepgramRecognition(this, this.positionSec, this.opts.finalizeTimeoutMs);
    this.prune();
    this.utterances.push(u);
    return u;
  }

  sendAudio(samples: Int16Array): void {
    if (this.failure || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(linear16Bytes(samples));
    this.sentSamples += samples.length;
    this.lastSentMs = performance.now();
  }

  finalize(_u: DeepgramRecognition): void {
    this.control({ type: 'Finalize' });
  }

  stalled(_u: DeepgramRecognition, error: EngineError): void {
    this.fail(error);
    this.ws.terminate();
  }

  /** Sends CloseStream, waits briefly for the server to finish, then drops the socket. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    clearInterval(this.keepAlive);
    this.fail(new EngineError('deepgram', 'the recognizer was closed'));
    this.closing = new Promise<void>((resolve) => {
      if (this.ws.readyState === this.ws.CLOSED) return resolve();
      const timer = setTimeout(() => {
        this.ws.terminate();
        resolve();
      }, this.opts.closeTimeoutMs);
      timer.unref();
      this.ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify({ type: 'CloseStream' }));
      this.stats.sent.CloseStream++;
    });
    return this.closing;
  }

  private control(message: ClientControl): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(JSON.stringify(message));
    this.stats.sent[message.type]++;
    if (message.type === 'KeepAlive') this.lastSentMs = performance.now();
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (isBinary) return;
    const message = parseServerMessage(rawText(data));
    if (!message) return;
    this.stats.received[message.type] = (this.stats.received[message.type] ?? 0) + 1;
    switch (message.type) {
      case 'Results':
        this.stats.requestId ??= message.metadata?.request_id;
        this.route(message);
        break;
      case 'Metadata':
        this.stats.requestId ??= message.request_id;
        break;
      case 'Error':
        this.fail(
          new EngineError(
            'deepgram',
            `the server reported an error: ${redact(errorText(message), this.opts.apiKey).slice(0, 300)}`,
          ),
        );
        this.ws.close(1000);
        break;
      default:
        // SpeechStarted and UtteranceEnd: Parley's own turn detector decides when a turn ends.
        break;
    }
  }

  /** Gives a Results message to the utterance whose audio it covers; completes utterances it finalizes. */
  private route(message: ResultsMessage): void {
    this.prune();
    const end = message.start + message.duration;
    const mid = message.start + message.duration / 2;
    const text = transcriptOf(message);
    const owner = this.utterances.find(
      (u) => mid >= u.startSec - SLACK_SEC && mid < (u.endSec ?? Number.POSITIVE_INFINITY),
    );
    const isFinal = message.is_final || message.from_finalize === true;
    owner?.applyResult(text, isFinal, end);

    if (message.from_finalize) {
      // Finalize messages are handled in order: this answer settles the last utterance whose
      // audio it reaches, and every one before it (an answer is not guaranteed for each).
      const answered = this.utterances.findLast(
        (u) => !u.isOpen && u.endSec !== undefined && u.endSec <= end + FINALIZE_SLACK_SEC,
      );
      if (answered) this.completeThrough(answered);
      return;
    }
    if (isFinal && owner?.isFinishing && owner.covered) this.completeThrough(owner);
  }

  /** Completes `u` and every earlier utterance: Deepgram handles messages in order, so theirs are done too. */
  private completeThrough(u: DeepgramRecognition): void {
    const at = this.utterances.indexOf(u);
    for (const done of this.utterances.splice(0, at + 1)) done.complete();
  }

  private prune(): void {
    this.utterances = this.utterances.filter((u) => u.live);
  }

  private onSocketClosed(code: number, reason: string): void {
    clearInterval(this.keepAlive);
    if (!this.failure) {
      const known = CLOSE_REASONS[reason.trim()];
      const said = reason ? `, ${redact(reason, this.opts.apiKey).slice(0, 200)}` : '';
      this.fail(
        new EngineError(
          'deepgram',
          `the stream closed (code ${code}${said})${known ? `: ${known}` : code === 1006 ? ': the connection was lost' : ''}`,
          'check the network connection to Deepgram',
        ),
      );
    }
    this.onClosed(this);
  }

  private fail(error: EngineError): void {
    this.failure ??= error;
    for (const u of this.utterances.splice(0)) u.fail(this.failure);
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}
