/**
 * A clause's received audio, released in frames only as far as its word timings allow: a word's
 * timing must reach the playout with (or before) the frame in which that word starts, so the
 * history after a barge-in keeps exactly the words that were played. Also decodes the base64
 * little-endian 16-bit PCM both providers send (an odd byte is carried to the next chunk).
 */
import type { SpeechFrame, WordTiming } from '../types.js';

export class HeldAudio {
  private chunks: Int16Array[] = [];
  private heldSamples = 0;
  /** Samples released so far (the start of the held audio, from the clause's start). */
  private releasedSamples = 0;
  private carry: number | undefined;
  private words: WordTiming[] = [];

  constructor(readonly sampleRate: number) {}

  /** Ms of audio received so far for this clause. */
  get receivedMs(): number {
    return ((this.releasedSamples + this.heldSamples) * 1000) / this.sampleRate;
  }

  /** Ms of audio received but not yet released. */
  get heldMs(): number {
    return (this.heldSamples * 1000) / this.sampleRate;
  }

  /** Appends base64 PCM s16le. */
  pushBase64(data: string): void {
    let bytes = Buffer.from(data, 'base64');
    if (this.carry !== undefined) {
      bytes = Buffer.concat([Buffer.from([this.carry]), bytes]);
      this.carry = undefined;
    }
    if (bytes.length % 2 === 1) {
      this.carry = bytes[bytes.length - 1];
      bytes = bytes.subarray(0, bytes.length - 1);
    }
    const samples = new Int16Array(bytes.length / 2);
    for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(i * 2);
    if (samples.length === 0) return;
    this.chunks.push(samples);
    this.heldSamples += samples.length;
  }

  /** Word timings learned; they go out with the next frame released. */
  addWords(words: readonly WordTiming[]): void {
    this.words.push(...words);
  }

  /**
   * A frame of the held audio up to `untilMs` (from the clause's start; Infinity for all of
   * it) with the timings learned since the last frame, or undefined when there is neither.
   */
  release(untilMs: number): SpeechFrame | undefined {
    const untilSample = Number.isFinite(untilMs)
      ? Math.floor((untilMs * this.sampleRate) / 1000)
      : this.releasedSamples + this.heldSamples;
    const count = Math.max(0, Math.min(this.heldSamples, untilSample - this.releasedSamples));
    if (count === 0 && this.words.length === 0) return undefined;
    const samples = this.take(count);
    const startMs = ((this.releasedSamples - count) * 1000) / this.sampleRate;
    const words = this.words;
    this.words = [];
    return { samples, sampleRate: this.sampleRate, startMs, ...(words.length > 0 ? { words } : {}) };
  }

  private take(count: number): Int16Array {
    const out = new Int16Array(count);
    let filled = 0;
    while (filled < count) {
      const head = this.chunks[0] as Int16Array;
      const n = Math.min(head.length, count - filled);
      out.set(head.subarray(0, n), filled);
      filled += n;
      if (n === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(n);
    }
    this.heldSamples -= count;
    this.releasedSamples += count;
    return out;
  }
}
