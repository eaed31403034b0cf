import { type Completeness, judgeCompleteness } from './completeness.js';
import type { TurnWords } from './turn-words.js';

export interface TurnDetectorOptions {
  speechThreshold: number;
  minSpeechMs: number;
  silenceMs: number;
  completeSilenceMs: number;
  maxSilenceMs: number;
}

/** One VAD window as the detector sees it. */
export interface VadWindow {
  probability: number;
  startMs: number;
  durationMs: number;
  levelDb: number;
}

export type TurnSignal =
  | { type: 'speech_started'; atMs: number }
  | { type: 'speech_resumed'; atMs: number }
  | { type: 'speech_stopped'; atMs: number }
  | { type: 'commit'; speechEndMs: number; atMs: number; completeness: Completeness; silenceMs: number };

/**
 * Decides when the caller started, paused and finished. A pause commits the turn after a
 * silence that depends on how finished the words sound: `completeSilenceMs` for complete
 * turns, `silenceMs` when unsure, `maxSilenceMs` for a dangling "my number is four two…".
 */
export class TurnDetector {
  private phase: 'idle' | 'onset' | 'speaking' | 'paused' = 'idle';
  private onsetMs = 0;
  private onsetSpeechMs = 0;
  private speechEndMs = 0;
  private levels: number[] = [];
  /** Latest transcript of this turn, set by the listener as partials arrive. */
  text = '';
  /**
   * Session time up to which `text` accounts for the audio, when the recognizer says. A recognizer
   * behind the speech (decoding under load, say) shows words that may still change or grow.
   */
  textCoversToMs: number | undefined;

  constructor(
    private readonly opts: TurnDetectorOptions,
    /** The agent's domain words for judging completeness. */
    private readonly turnWords: TurnWords = {},
  ) {}

  get inTurn(): boolean {
    return this.phase === 'speaking' || this.phase === 'paused';
  }

  get speaking(): boolean {
    return this.phase === 'speaking';
  }

  /** Start of the current speech run (for barge-in timing). */
  get speechStartMs(): number {
    return this.onsetMs;
  }

  isSpeech(probability: number): boolean {
    return probability >= this.opts.speechThreshold;
  }

  /** Completeness of the turn so far. */
  completeness(): Completeness {
    return judgeCompleteness(this.text, this.levels, this.turnWords);
  }

  push(w: VadWindow): TurnSignal[] {
    const isSpeech = w.probability >= this.opts.speechThreshold;
    const endMs = w.startMs + w.durationMs;
    switch (this.phase) {
      case 'idle':
        if (!isSpeech) return [];
        this.phase = 'onset';
        this.onsetMs = w.startMs;
        this.onsetSpeechMs = w.durationMs;
        this.levels = [w.levelDb];
        return this.confirmOnset();
      case 'onset':
        if (!isSpeech) {
          // Too short to be speech: a click or a knock.
          this.phase = 'idle';
          return [];
        }
        this.onsetSpeechMs += w.durationMs;
        this.levels.push(w.levelDb);
        return this.confirmOnset();
      case 'speaking':
        if (isSpeech) {
          this.levels.push(w.levelDb);
          return [];
        }
        this.phase = 'paused';
        this.speechEndMs = w.startMs;
        return [{ type: 'speech_stopped', atMs: w.startMs }, ...this.judge(endMs)];
      case 'paused':
        if (isSpeech) {
          this.phase = 'speaking';
          this.onsetMs = w.startMs;
          this.levels.push(w.levelDb);
          return [{ type: 'speech_resumed', atMs: w.startMs }];
        }
        return this.judge(endMs);
    }
  }

  /** Ends the turn without a commit (noise, barge-in handled elsewhere). */
  reset(): void {
    this.phase = 'idle';
    this.levels = [];
    this.text = '';
    this.textCoversToMs = undefined;
  }

  private confirmOnset(): TurnSignal[] {
    if (this.onsetSpeechMs < this.opts.minSpeechMs) return [];
    this.phase = 'speaking';
    return [{ type: 'speech_started', atMs: this.onsetMs }];
  }

  private judge(nowMs: number): TurnSignal[] {
    const silence = nowMs - this.speechEndMs;
    const completeness = this.completeness();
    // Words that do not yet reach the end of the speech cannot say it was finished ("where is my
    // order" while "four two one nine" is still being decoded): wait for them, up to the ceiling.
    const behind = this.textCoversToMs !== undefined && this.textCoversToMs < this.speechEndMs;
    const needed = behind
      ? this.opts.maxSilenceMs
      : completeness === 'complete'
        ? this.opts.completeSilenceMs
        : completeness === 'incomplete'
          ? this.opts.maxSilenceMs
          : this.opts.silenceMs;
    if (silence < needed) return [];
    this.phase = 'idle';
    this.levels = [];
    return [{ type: 'commit', speechEndMs: this.speechEndMs, atMs: nowMs, completeness, silenceMs: silence }];
  }
}
