import type { AudioFrame } from '../audio/frame.js';
import { SESSION_SAMPLE_RATE } from '../audio/frame.js';
import { dbfs } from '../audio/level.js';
import { Reframer } from '../audio/reframer.js';
import type { Recognition, Recognizer, Transcript, Vad } from '../engines/types.js';
import { StablePrefix } from './stable-prefix.js';
import type { TurnDetector, TurnSignal, VadWindow } from './turn-detector.js';

/** A VAD window with what the session needs to gate and time it. */
export interface ListenedWindow extends VadWindow {
  /** The window's 16 kHz samples (the echo gate compares them with the agent's output). */
  samples: Int16Array;
}

export interface ListenerHooks {
  /** Lets the session veto speech (echo of the agent's own voice); returns the probability to use. */
  gate(window: ListenedWindow): number;
  /** Every window after gating, in order (barge-in watches these). */
  window(window: ListenedWindow, isSpeech: boolean): void;
  signal(signal: TurnSignal, window: ListenedWindow): void;
  partial(text: string, stableText: string, turnId: number): void;
  error(message: string): void;
}

/** Recognition of one user turn: its audio, partials and, at commit, its final transcript. */
export class TurnRecognition {
  audioMs = 0;
  /** Audio to count for usage: what the engine bills, else the audio pushed. */
  get billedAudioMs(): number {
    return this.recognition.billedAudioMs ?? this.audioMs;
  }

  /** The recognizer failed to give this turn a transcript (not: the caller said nothing). */
  failed = false;
  private readonly stable = new StablePrefix();
  private finished = false;
  private firstFrameStartMs: number | undefined;

  constructor(
    /** The session's id for this turn, fixed when its speech started. */
    readonly turnId: number,
    readonly recognition: Recognition,
    private readonly onPartial: (text: string, stableText: string) => void,
    private readonly onError: (message: string) => void,
  ) {
    void this.readPartials();
  }

  push(frame: AudioFrame): void {
    if (this.finished) return;
    this.firstFrameStartMs ??= frame.startMs;
    this.audioMs += (frame.samples.length * 1000) / frame.sampleRate;
    try {
      this.recognition.push(frame);
    } catch (err) {
      this.onError(`recognizer: ${(err as Error).message}`);
    }
  }

  /** Session time up to which the latest partial accounts for the audio; undefined when the engine does not say. */
  get textCoversToMs(): number | undefined {
    const decoded = this.recognition.decodedAudioMs;
    if (decoded === undefined || this.firstFrameStartMs === undefined) return undefined;
    return this.firstFrameStartMs + decoded;
  }

  finish(): Promise<Transcript> {
    this.finished = true;
    return this.recognition.finish();
  }

  /** The final transcript, trimmed; '' when the recognizer failed (reported as an error). */
  async finalText(): Promise<string> {
    try {
      return (await this.finish()).text.trim();
    } catch (err) {
      this.failed = true;
      this.onError(`recognizer: ${(err as Error).message}`);
      return '';
    }
  }

  close(): void {
    this.finished = true;
    try {
      this.recognition.close();
    } catch {
      // Already gone: nothing left to release.
    }
  }

  private async readPartials(): Promise<void> {
    try {
      for await (const p of this.recognition.partials()) {
        if (p.text.trim().length === 0) continue;
        const { text, stableText } = this.stable.update(p.text);
        this.onPartial(text, stableText);
      }
    } catch (err) {
      if (!this.finished) this.onError(`recognizer: ${(err as Error).message}`);
    }
  }
}

/**
 * The ear of the session: VAD and recognizer side by side on the same frames. Frames are
 * re-chunked to the VAD's window size and judged in order; a ring of recent frames is the
 * pre-roll handed to the recognizer when speech starts, so the first syllable is not lost.
 */
export class Listener {
  private readonly reframer: Reframer;
  private pendingStartMs = 0;
  private queue: Promise<void> = Promise.resolve();
  private readonly recent: AudioFrame[] = [];
  private turn: TurnRecognition | undefined;
  closed = false;

  constructor(
    private readonly vad: Vad,
    private readonly recognizer: Recognizer,
    private readonly detector: TurnDetector,
    private readonly preRollMs: number,
    private readonly hooks: ListenerHooks,
  ) {
    this.reframer = new Reframer(vad.frameSamples);
  }

  /** The recognition of the turn in progress, if any. */
  get current(): TurnRecognition | undefined {
    return this.turn;
  }

  push(frame: AudioFrame): void {
    this.recent.push(frame);
    const keepFrom = frame.startMs - this.preRollMs - 2000;
    while ((this.recent[0]?.startMs ?? Number.POSITIVE_INFINITY) < keepFrom) this.recent.shift();
    this.turn?.push(frame);

    if (this.reframer.buffered === 0) this.pendingStartMs = frame.startMs;
    const before = this.reframer.buffered;
    const windows = this.reframer.push(frame.samples);
    const windowMs = (this.vad.frameSamples * 1000) / SESSION_SAMPLE_RATE;
    const firstStart = this.pendingStartMs;
    windows.forEach((samples, i) => {
      const startMs = firstStart + i * windowMs;
      // One failing window must not stall the ones behind it.
      this.queue = this.queue
        .then(() => this.judge(samples, startMs, windowMs))
        .catch((err: unknown) => this.hooks.error(`listener: ${(err as Error).message ?? String(err)}`));
    });
    if (windows.length > 0 && this.reframer.buffered > 0) {
      const consumed = windows.length * this.vad.frameSamples - before;
      this.pendingStartMs = frame.startMs + (consumed * 1000) / SESSION_SAMPLE_RATE;
    }
  }

  /** Opens the recognizer for a new turn and feeds it the pre-roll. */
  openTurn(onsetMs: number, hints: string[], turnId: number): TurnRecognition {
    this.turn?.close();
    const recognition = this.recognizer.open(hints.length ? { hints } : undefined);
    const turn = new TurnRecognition(
      turnId,
      recognition,
      (text, stable) => {
        if (this.turn !== turn) return;
        this.detector.text = text;
        this.hooks.partial(text, stable, turnId);
      },
      (message) => this.hooks.error(message),
    );
    this.turn = turn;
    for (const f of this.recent) if (f.startMs + 20 >= onsetMs - this.preRollMs) turn.push(f);
    return turn;
  }

  /** Hands the turn's recognition over (to be finished by the session) and stops feeding it. */
  takeTurn(): TurnRecognition | undefined {
    const turn = this.turn;
    this.turn = undefined;
    return turn;
  }

  dropTurn(): void {
    this.turn?.close();
    this.turn = undefined;
    this.detector.reset();
  }

  /** Resolves when every window pushed so far has been judged. */
  idle(): Promise<void> {
    return this.queue;
  }

  close(): void {
    this.closed = true;
    this.dropTurn();
  }

  private async judge(samples: Int16Array, startMs: number, durationMs: number): Promise<void> {
    if (this.closed) return;
    let probability = 0;
    try {
      probability = await this.vad.speechProbability(samples);
    } catch (err) {
      this.hooks.error(`vad: ${(err as Error).message}`);
    }
    if (this.closed) return;
    const window: ListenedWindow = {
      probability,
      startMs,
      durationMs,
      levelDb: dbfs(samples),
      samples,
    };
    window.probability = this.hooks.gate(window);
    this.detector.textCoversToMs = this.turn?.textCoversToMs;
    this.hooks.window(window, this.detector.isSpeech(window.probability));
    for (const signal of this.detector.push(window)) this.hooks.signal(signal, window);
  }
}
