/** The local TTS servers' speech, word by word: their word timings are true by construction. */
import { SESSION_SAMPLE_RATE } from '../../audio/frame.js';
import { resample } from '../../audio/resampler.js';
import type { Synthesizer } from '../../engines/types.js';

/** One word's audio (the pause before it included) and where its voice starts and ends, in ms on the timeline. */
export interface SpokenWord {
  word: string;
  samples: Int16Array;
  startMs: number;
  endMs: number;
}

/** A sample at or above this (about −50 dBFS) is voice, as flite's leading-silence trim counts it. */
const VOICED = 100;

/**
 * Speech made one word at a time on a 16 kHz timeline, so every word's voiced start and end
 * are measured in the very samples sent (the price: word-by-word prosody, fine for tests).
 */
export class WordTimeline {
  private cursor = 0;

  constructor(
    private readonly synthesizer: Synthesizer,
    /** Pause between words. Default 60 ms. */
    private readonly gapMs = 60,
  ) {}

  /** Ms of audio on the timeline so far. */
  get lengthMs(): number {
    return (this.cursor * 1000) / SESSION_SAMPLE_RATE;
  }

  async next(word: string, signal: AbortSignal): Promise<SpokenWord> {
    const parts: Int16Array[] = [];
    let rate = this.synthesizer.sampleRate;
    for await (const frame of this.synthesizer.synthesize(word, signal)) {
      parts.push(frame.samples);
      rate = frame.sampleRate;
    }
    let voice: Int16Array = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      voice.set(p, at);
      at += p.length;
    }
    if (rate !== SESSION_SAMPLE_RATE) voice = resample(voice, rate, SESSION_SAMPLE_RATE);
    const first = voice.findIndex((s) => Math.abs(s) >= VOICED);
    const last = voice.findLastIndex((s) => Math.abs(s) >= VOICED);
    // The utterance-final pause is cut (20 ms kept); the gap stands in for it between words.
    const kept = first < 0 ? new Int16Array(0) : voice.subarray(0, Math.min(voice.length, last + 1 + 320));
    const gap = this.cursor === 0 ? 0 : Math.round((this.gapMs * SESSION_SAMPLE_RATE) / 1000);
    const samples = new Int16Array(gap + kept.length);
    samples.set(kept, gap);
    const base = this.cursor + gap;
    const toMs = (n: number) => (n * 1000) / SESSION_SAMPLE_RATE;
    this.cursor += samples.length;
    return {
      word,
      samples,
      startMs: toMs(base + Math.max(0, first)),
      endMs: toMs(base + (first < 0 ? 0 : last + 1)),
    };
  }
}
