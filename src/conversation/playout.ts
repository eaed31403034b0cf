import { FRAME_MS, SESSION_SAMPLE_RATE } from '../audio/frame.js';
import type { AudioFrame } from '../audio/frame.js';
import { Reframer } from '../audio/reframer.js';
import type { Clock } from '../clock.js';
import type { WordTiming } from '../engines/types.js';
import { words } from './text-for-speech.js';

const FRAME_SAMPLES = (SESSION_SAMPLE_RATE * FRAME_MS) / 1000;

interface Emission {
  atMs: number;
  /** Real clause samples in the frame (the last frame of a clause is zero-padded). */
  samples: number;
}

/** One stretch of speech with its text, so played samples can be mapped back to words. */
export class PlayoutClause {
  readonly frames: Int16Array[] = [];
  readonly emissions: Emission[] = [];
  private readonly reframer = new Reframer(FRAME_SAMPLES);
  private lastRealSamples = FRAME_SAMPLES;
  /** When each word is spoken, if the synthesizer said so (ms from the clause's first sample). */
  readonly timings: WordTiming[] = [];
  totalSamples = 0;
  ended = false;
  next = 0;

  constructor(
    readonly text: string,
    readonly filler: boolean,
    private readonly wake: () => void,
  ) {}

  /** 16 kHz samples of this clause, as synthesized, with the word timings learned alongside. */
  push(samples: Int16Array, timings?: readonly WordTiming[]): void {
    if (this.ended) return;
    if (timings) this.timings.push(...timings);
    this.totalSamples += samples.length;
    for (const frame of this.reframer.push(samples)) this.frames.push(frame);
    this.wake();
  }

  end(): void {
    if (this.ended) return;
    const tail = this.reframer.buffered;
    const last = this.reframer.flush();
    if (last) {
      this.frames.push(last);
      this.lastRealSamples = tail;
    }
    this.ended = true;
    this.wake();
  }

  realSamplesOf(frameIndex: number): number {
    return this.ended && frameIndex === this.frames.length - 1 ? this.lastRealSamples : FRAME_SAMPLES;
  }

  get started(): boolean {
    return this.next > 0;
  }

  get finished(): boolean {
    return this.ended && this.next >= this.frames.length;
  }

  /** Words fully played by `cutoffMs` (media time at the caller's ear). */
  heardText(cutoffMs: number): string {
    if (this.totalSamples === 0) return '';
    let heard = 0;
    for (const e of this.emissions) {
      const fraction = Math.min(1, Math.max(0, (cutoffMs - e.atMs) / FRAME_MS));
      heard += fraction * e.samples;
    }
    if (heard >= this.totalSamples - 1) return this.text;
    if (this.timings.length > 0) return this.heardByTimings((heard * 1000) / SESSION_SAMPLE_RATE);
    // Speech time is spread over the characters; a word counts once its last character played.
    const playedChars = (heard / this.totalSamples) * this.text.length;
    const out: string[] = [];
    let offset = 0;
    for (const w of words(this.text)) {
      const end = this.text.indexOf(w, offset) + w.length;
      offset = end;
      if (end <= playedChars + 1e-9) out.push(w);
      else break;
    }
    return out.join(' ');
  }

  /**
   * Words whose audio ended by `playedMs`, from the synthesizer's own timings. Its words may be
   * split differently from the text's ("4219" read as four words, say): the count heard is
   * scaled to the text's words, never rounding a half-played word up.
   */
  private heardByTimings(playedMs: number): string {
    const textWords = words(this.text);
    const ended = this.timings.filter((t) => t.endMs <= playedMs + 1e-6).length;
    // Until synthesis ends more timings may come; counting the text's words keeps the guess low.
    const total = this.ended ? this.timings.length : Math.max(this.timings.length, textWords.length);
    const count = Math.min(textWords.length, Math.floor((ended * textWords.length) / total));
    return textWords.slice(0, count).join(' ');
  }
}

export interface PlayoutOptions {
  clock: Clock;
  emit(frame: AudioFrame): void;
  /** First frame of this playout emitted at `atMs`. */
  onStart?(atMs: number): void;
  /** A clause fully emitted (at the emission time of its last frame). */
  onClausePlayed?(clause: PlayoutClause, atMs: number): void;
  /** Earliest media time the first frame may take (keeps consecutive replies from overlapping). */
  notBeforeMs?: number;
}

/**
 * Paced emission of 20 ms frames on the clock. Deadlines are `start + n*20` so sleep jitter
 * never accumulates; after an underrun the timeline restarts at the later of now and the
 * previous deadline. `flush()` is synchronous: once it returns, no further frame is emitted.
 */
export class Playout {
  readonly clauses: PlayoutClause[] = [];
  private readonly stopper = new AbortController();
  private waiter: (() => void) | undefined;
  private held = false;
  private closed = false;
  private flushed = false;
  private started = false;
  private baseMs: number | undefined;
  private n = 0;
  /** Media time just after the last emitted frame. */
  endMs: number;
  readonly done: Promise<void>;

  constructor(private readonly opts: PlayoutOptions) {
    this.endMs = opts.notBeforeMs ?? 0;
    this.done = this.run();
  }

  /** Adds a clause; `front` puts it before every clause that has not started (bridging phrases). */
  openClause(text: string, opts: { front?: boolean; filler?: boolean } = {}): PlayoutClause {
    const clause = new PlayoutClause(text, opts.filler ?? false, () => this.wake());
    if (opts.front) {
      const firstUnstarted = this.clauses.findIndex((c) => !c.started);
      if (firstUnstarted < 0) this.clauses.push(clause);
      else this.clauses.splice(firstUnstarted, 0, clause);
    } else {
      this.clauses.push(clause);
    }
    this.wake();
    return clause;
  }

  /** Holds emission until `release()` (the sequential baseline plays only when all is synthesized). */
  hold(): void {
    this.held = true;
  }

  release(): void {
    this.held = false;
    this.wake();
  }

  /** No more clauses will come; `done` resolves once everything queued has been emitted. */
  close(): void {
    this.closed = true;
    this.wake();
  }

  /** Stops now: nothing queued is emitted after this returns. */
  flush(): void {
    this.flushed = true;
    this.stopper.abort();
    this.wake();
  }

  get hasAudio(): boolean {
    return this.clauses.some((c) => c.frames.length > 0);
  }

  get isFlushed(): boolean {
    return this.flushed;
  }

  /** Text the caller has heard by `cutoffMs`, clause by clause, and the rest. */
  split(cutoffMs: number, includeFillers = true): { heard: string; discarded: string } {
    const heard: string[] = [];
    const discarded: string[] = [];
    for (const clause of this.clauses) {
      if (clause.filler && !includeFillers) continue;
      const h = clause.heardText(cutoffMs);
      if (h) heard.push(h);
      const rest = words(clause.text).slice(words(h).length).join(' ');
      if (rest) discarded.push(rest);
    }
    return { heard: heard.join(' '), discarded: discarded.join(' ') };
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  private nextFrame(): { clause: PlayoutClause; index: number } | 'wait' | 'end' {
    if (this.held) return 'wait';
    for (const clause of this.clauses) {
      if (clause.next < clause.frames.length) return { clause, index: clause.next };
      if (!clause.ended) return 'wait';
    }
    return this.closed ? 'end' : 'wait';
  }

  private async run(): Promise<void> {
    const { clock } = this.opts;
    for (;;) {
      if (this.flushed) return;
      const next = this.nextFrame();
      if (next === 'end') return;
      if (next === 'wait') {
        // Underrun: the timeline restarts when audio arrives.
        this.baseMs = undefined;
        await new Promise<void>((resolve) => {
          this.waiter = resolve;
        });
        continue;
      }
      if (this.baseMs === undefined) {
        this.baseMs = Math.max(clock.now(), this.endMs);
        this.n = 0;
      }
      const deadline = this.baseMs + this.n * FRAME_MS;
      const wait = deadline - clock.now();
      if (wait > 0) {
        try {
          await clock.sleep(wait, this.stopper.signal);
        } catch {
          return;
        }
        if (this.flushed) return;
      }
      const { clause, index } = next;
      const samples = clause.frames[index] as Int16Array;
      clause.next = index + 1;
      clause.emissions.push({ atMs: deadline, samples: clause.realSamplesOf(index) });
      this.n++;
      this.endMs = deadline + FRAME_MS;
      if (!this.started) {
        this.started = true;
        this.opts.onStart?.(deadline);
      }
      this.opts.emit({ samples, sampleRate: SESSION_SAMPLE_RATE, startMs: deadline });
      if (clause.finished) this.opts.onClausePlayed?.(clause, deadline);
    }
  }
}
