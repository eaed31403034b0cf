/**
 * Raw 16-bit little-endian mono PCM arriving in network chunks, cut into frames. A chunk may end
 * in the middle of a sample: its odd byte waits for the next chunk.
 */
import type { AudioFrame } from '../../audio/frame.js';

export class PcmFramer {
  private carry: number | undefined;
  private emittedSamples = 0;
  private readonly maxFrameSamples: number;

  constructor(
    readonly sampleRate: number,
    /** Longest frame yielded, ms (longer chunks are split). Default 20. */
    maxFrameMs = 20,
  ) {
    this.maxFrameSamples = Math.max(1, Math.round((sampleRate * maxFrameMs) / 1000));
  }

  /** Frames for the whole samples in `bytes` (plus a byte left from before), stamped from 0 ms. */
  push(bytes: Uint8Array): AudioFrame[] {
    const leading = this.carry === undefined ? 0 : 1;
    const total = leading + bytes.length;
    const count = Math.floor(total / 2);
    const samples = new Int16Array(count);
    const byteAt = (i: number): number =>
      leading === 1 ? (i === 0 ? (this.carry as number) : (bytes[i - 1] as number)) : (bytes[i] as number);
    for (let s = 0; s < count; s++) {
      const low = byteAt(2 * s);
      const high = byteAt(2 * s + 1);
      samples[s] = ((high << 24) >> 16) | low; // sign-extend the high byte
    }
    this.carry = total % 2 === 1 ? byteAt(total - 1) : undefined;
    const frames: AudioFrame[] = [];
    for (let start = 0; start < count; start += this.maxFrameSamples) {
      const piece = samples.subarray(start, Math.min(count, start + this.maxFrameSamples));
      frames.push({
        samples: piece,
        sampleRate: this.sampleRate,
        startMs: (this.emittedSamples * 1000) / this.sampleRate,
      });
      this.emittedSamples += piece.length;
    }
    return frames;
  }

  /** Whether a lone byte is left over (a stream that ended mid-sample). */
  get pendingByte(): boolean {
    return this.carry !== undefined;
  }
}
