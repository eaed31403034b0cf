import type { AudioFrame } from '../../audio/frame.js';
import type { Clock } from '../../clock.js';
import type { Recognition, RecognitionOptions, Recognizer, Transcript } from '../../engines/types.js';
import { AsyncQueue } from './async-queue.js';
import { dbfsOf } from './energy.js';

/** What one utterance (one `open()`) will be recognized as. */
export interface ScriptedUtterance {
  text: string;
  /** Voiced audio per revealed word of the partials. Default: the recognizer's `msPerWord`. */
  msPerWord?: number;
  /** `finish()` rejects with this message (an engine failure). */
  error?: string;
  /** Decoding trails the audio by this much, on the clock (a recognizer under load). Default 0. */
  decodeLagMs?: number;
}

export interface ScriptedRecognizerOptions {
  clock: Clock;
  /** Transcripts in the order utterances are opened; a string is `{ text }`. */
  script: (string | ScriptedUtterance)[];
  /** Default 150 ms of voiced audio per word revealed in partials. */
  msPerWord?: number;
  /** Frames louder than this count as voiced. Default −40 dBFS. */
  voicedDbfs?: number;
  /** Delay of the final transcript after `finish()`, on the clock. Default 30 ms. */
  finalLatencyMs?: number;
}

/**
 * Recognizes scripted text: partials reveal the utterance's words as voiced audio arrives
 * (one word per `msPerWord`), the final is the full text. Audio content is otherwise ignored,
 * which makes turn-taking tests deterministic while still depending on when speech happens.
 */
export class ScriptedRecognizer implements Recognizer {
  private next = 0;
  /** Every Recognition opened, for assertions. */
  readonly opened: ScriptedRecognition[] = [];

  constructor(private readonly opts: ScriptedRecognizerOptions) {}

  open(opts?: RecognitionOptions): Recognition {
    const raw = this.opts.script[this.next++] ?? '';
    const utterance: ScriptedUtterance = typeof raw === 'string' ? { text: raw } : raw;
    const recognition = new ScriptedRecognition(utterance, this.opts, opts?.hints ?? []);
    this.opened.push(recognition);
    return recognition;
  }
}

export class ScriptedRecognition implements Recognition {
  private readonly words: string[];
  private readonly partialQueue = new AsyncQueue<Transcript>();
  private voicedMs = 0;
  private revealed = 0;
  private finished = false;
  closed = false;
  pushedMs = 0;
  /** Audio decoded so far: the latest partial accounts for all of it. */
  decodedAudioMs = 0;

  constructor(
    private readonly utterance: ScriptedUtterance,
    private readonly opts: ScriptedRecognizerOptions,
    readonly hints: string[],
  ) {
    this.words = utterance.text.split(/\s+/).filter((w) => w.length > 0);
  }

  push(frame: AudioFrame): void {
    if (this.finished || this.closed) return;
    const ms = (frame.samples.length * 1000) / frame.sampleRate;
    this.pushedMs += ms;
    const lagMs = this.utterance.decodeLagMs ?? 0;
    if (lagMs > 0) void this.opts.clock.sleep(lagMs).then(() => this.decode(frame, ms));
    else this.decode(frame, ms);
  }

  private decode(frame: AudioFrame, ms: number): void {
    if (this.finished || this.closed) return;
    this.decodedAudioMs += ms;
    if (dbfsOf(frame.samples) < (this.opts.voicedDbfs ?? -40)) return;
    this.voicedMs += ms;
    const perWord = this.utterance.msPerWord ?? this.opts.msPerWord ?? 150;
    const shown = Math.min(this.words.length, Math.floor(this.voicedMs / perWord));
    if (shown > this.revealed) {
      this.revealed = shown;
      this.partialQueue.push({ text: this.words.slice(0, shown).join(' '), final: false });
    }
  }

  partials(): AsyncIterable<Transcript> {
    return this.partialQueue;
  }

  async finish(): Promise<Transcript> {
    this.finished = true;
    this.partialQueue.end();
    const latencyMs = this.opts.finalLatencyMs ?? 30;
    await this.opts.clock.sleep(latencyMs);
    if (this.utterance.error) throw new Error(this.utterance.error);
    return { text: this.words.join(' '), final: true, latencyMs };
  }

  close(): void {
    this.closed = true;
    this.partialQueue.end();
  }
}
