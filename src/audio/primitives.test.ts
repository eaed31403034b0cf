import { describe, expect, it } from 'vitest';
import { toneLevelDbfs, zeroCrossingFrequency } from './analysis.js';
import { dbfs, peak, rms } from './level.js';
import { mulawDecode, mulawEncode } from './mulaw.js';
import { Reframer } from './reframer.js';
import { concat, silence, sine, splitFrames, whiteNoise } from './signals.js';

describe('μ-law', () => {
  it('round trip error stays within half a G.711 quantisation step (≤ 1/15 of the magnitude)', () => {
    const ramp = new Int16Array(65536);
    for (let i = 0; i < ramp.length; i++) ramp[i] = i - 32768;
    const decoded = mulawDecode(mulawEncode(ramp));
    const violations: number[] = [];
    for (let i = 0; i < ramp.length; i++) {
      // Beyond ±32124 the codec saturates at its largest level.
      const original = Math.max(-32124, Math.min(32124, ramp[i]!));
      const error = Math.abs(decoded[i]! - original);
      if (error > Math.max(4, Math.abs(original) / 15)) violations.push(ramp[i]!);
    }
    expect(violations).toEqual([]);
  });

  it('silence encodes as 0xFF and a tone keeps its level', () => {
    expect(Array.from(mulawEncode(new Int16Array(3)))).toEqual([0xff, 0xff, 0xff]);
    const tone = sine(1000, 200, 8000, 0.5);
    const decoded = mulawDecode(mulawEncode(tone));
    expect(Math.abs(dbfs(decoded) - dbfs(tone))).toBeLessThan(0.2);
    expect(zeroCrossingFrequency(decoded, 8000)).toBeCloseTo(1000, 0);
  });

  it('decodes the G.711 reference points', () => {
    expect(Array.from(mulawDecode(Uint8Array.from([0x00, 0x80, 0x7f, 0xff])))).toEqual([-32124, 32124, 0, 0]);
  });
});

describe('level meter', () => {
  it('a half-scale sine reads RMS ≈ 0.354, peak 0.5, −9 dBFS', () => {
    const tone = sine(1000, 100, 16000, 0.5);
    expect(rms(tone)).toBeCloseTo(0.5 / Math.SQRT2, 3);
    expect(peak(tone)).toBeCloseTo(0.5, 3);
    expect(dbfs(tone)).toBeCloseTo(-9.03, 1);
  });

  it('silence is −Infinity dBFS', () => {
    expect(dbfs(silence(20, 16000))).toBe(Number.NEGATIVE_INFINITY);
    expect(rms(new Int16Array(0))).toBe(0);
  });
});

describe('signals', () => {
  it('sine has the asked frequency, level and duration', () => {
    const tone = sine(440, 250, 48000, 0.25);
    expect(tone.length).toBe(12000);
    expect(zeroCrossingFrequency(tone, 48000)).toBeCloseTo(440, 0);
    expect(toneLevelDbfs(tone, 440, 48000)).toBeCloseTo(20 * Math.log10(0.25), 1);
  });

  it('white noise is reproducible by seed and bounded by its amplitude', () => {
    const a = whiteNoise(100, 16000, 0.1, 42);
    expect(Array.from(a)).toEqual(Array.from(whiteNoise(100, 16000, 0.1, 42)));
    expect(Array.from(a)).not.toEqual(Array.from(whiteNoise(100, 16000, 0.1, 43)));
    expect(peak(a)).toBeLessThanOrEqual(0.1 + 1e-4);
    expect(rms(a)).toBeCloseTo(0.1 / Math.sqrt(3), 2);
  });

  it('splitFrames stamps media time and pads the last frame', () => {
    const frames = splitFrames(concat(sine(500, 50, 16000), silence(5, 16000)), 16000, 20, 1000);
    expect(frames.map((f) => f.startMs)).toEqual([1000, 1020, 1040]);
    for (const frame of frames) expect(frame.samples.length).toBe(320);
    expect(frames[2]!.samples.subarray(240).every((s) => s === 0)).toBe(true);
  });
});

describe('Reframer', () => {
  it('re-chunks 20 ms transport frames into 512-sample VAD windows without losing or reordering samples', () => {
    const signal = whiteNoise(1000, 16000, 0.5, 9);
    const reframer = new Reframer(512);
    const windows: Int16Array[] = [];
    for (const frame of splitFrames(signal, 16000)) windows.push(...reframer.push(frame.samples));
    expect(windows.length).toBe(Math.floor(16000 / 512));
    for (const window of windows) expect(window.length).toBe(512);
    expect(Array.from(concat(...windows))).toEqual(Array.from(signal.subarray(0, windows.length * 512)));
    expect(reframer.buffered).toBe(16000 - windows.length * 512);
    const rest = reframer.flush();
    expect(rest?.subarray(0, 16000 % 512)).toEqual(signal.subarray(windows.length * 512));
  });

  it('frames handed out are not overwritten by later pushes', () => {
    const reframer = new Reframer(4);
    const [first] = reframer.push(Int16Array.from([1, 2, 3, 4, 5]));
    reframer.push(Int16Array.from([6, 7, 8, 9]));
    expect(Array.from(first!)).toEqual([1, 2, 3, 4]);
  });
});
