import { describe, expect, it } from 'vitest';
import { PcmFramer } from './pcm-frames.js';

function le(samples: number[]): Uint8Array {
  const out = new Uint8Array(samples.length * 2);
  const view = new DataView(out.buffer);
  samples.forEach((s, i) => {
    view.setInt16(i * 2, s, true);
  });
  return out;
}

describe('PCM from network chunks', () => {
  it('joins samples split across chunks at odd byte boundaries', () => {
    const samples = [0, 1, -1, 32767, -32768, 12345, -2222, 258];
    const bytes = le(samples);
    const framer = new PcmFramer(24_000);
    const out: number[] = [];
    // 3 + 5 + 1 + 7 bytes: every boundary but one falls inside a sample
    for (const [from, to] of [
      [0, 3],
      [3, 8],
      [8, 9],
      [9, 16],
    ] as const) {
      for (const f of framer.push(bytes.subarray(from, to))) out.push(...f.samples);
    }
    expect(out).toEqual(samples);
    expect(framer.pendingByte).toBe(false);
  });

  it('cuts long chunks into 20 ms frames stamped on one timeline', () => {
    const framer = new PcmFramer(24_000);
    const first = framer.push(new Uint8Array(1000 * 2));
    const second = framer.push(new Uint8Array(100 * 2));
    expect(first.map((f) => f.samples.length)).toEqual([480, 480, 40]);
    expect([...first, ...second].map((f) => f.startMs)).toEqual([0, 20, 40, 1000 / 24]);
    expect(second[0]?.sampleRate).toBe(24_000);
  });
});
