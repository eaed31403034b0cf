import { describe, expect, it } from 'vitest';
import { toneLevelDbfs, zeroCrossingFrequency } from './analysis.js';
import { dbfs } from './level.js';
import { resample, StreamingResampler } from './resampler.js';
import { concat, sine, whiteNoise } from './signals.js';

/** Feeds `samples` in chunks of `chunkMs` and returns everything including the flushed tail. */
function streamThrough(resampler: StreamingResampler, samples: Int16Array, chunkSamples: number): Int16Array {
  const parts: Int16Array[] = [];
  for (let offset = 0; offset < samples.length; offset += chunkSamples) {
    parts.push(resampler.process(samples.subarray(offset, offset + chunkSamples)));
  }
  parts.push(resampler.flush());
  return concat(...parts);
}

/** The steady middle of a signal, away from filter start-up and tail. */
function middle(samples: Int16Array): Int16Array {
  return samples.subarray(Math.floor(samples.length * 0.2), Math.floor(samples.length * 0.8));
}

describe('resampler keeps what should be kept', () => {
  it('a 1 kHz tone survives 48k → 16k → 48k with its frequency and level (±1 dB)', () => {
    const original = sine(1000, 500, 48_000, 0.5);
    const down = streamThrough(new StreamingResampler(48_000, 16_000), original, 960);
    const back = streamThrough(new StreamingResampler(16_000, 48_000), down, 320);
    expect(zeroCrossingFrequency(middle(down), 16_000)).toBeCloseTo(1000, 0);
    expect(zeroCrossingFrequency(middle(back), 48_000)).toBeCloseTo(1000, 0);
    expect(Math.abs(dbfs(middle(back)) - dbfs(original))).toBeLessThan(1);
    expect(
      Math.abs(toneLevelDbfs(middle(back), 1000, 48_000) - toneLevelDbfs(original, 1000, 48_000)),
    ).toBeLessThan(1);
  });

  for (const [fromRate, toRate] of [
    [22_050, 16_000],
    [8_000, 16_000],
    [16_000, 8_000],
    [16_000, 48_000],
  ] as const) {
    it(`${fromRate} → ${toRate} keeps a 1 kHz tone's frequency and level`, () => {
      const original = sine(1000, 400, fromRate, 0.5);
      const out = streamThrough(
        new StreamingResampler(fromRate, toRate),
        original,
        Math.round(fromRate / 50),
      );
      expect(zeroCrossingFrequency(middle(out), toRate)).toBeCloseTo(1000, 0);
      expect(Math.abs(dbfs(middle(out)) - dbfs(original))).toBeLessThan(1);
    });
  }

  it('the output lasts as long as the input (plus the fixed delay)', () => {
    const resampler = new StreamingResampler(22_050, 16_000);
    const input = sine(300, 1000, 22_050);
    const out = streamThrough(resampler, input, 441);
    const expected = Math.ceil(((input.length + (resampler.delayMs * 22_050) / 1000) * 16_000) / 22_050);
    expect(out.length).toBe(expected);
  });
});

describe('resampler removes what should be removed', () => {
  it('a 12 kHz tone is attenuated by at least 60 dB going 48k → 16k', () => {
    const tone = sine(12_000, 500, 48_000, 0.5);
    const out = streamThrough(new StreamingResampler(48_000, 16_000), tone, 960);
    expect(dbfs(middle(out)) - dbfs(tone)).toBeLessThan(-60);
  });

  it('a 10 kHz tone does not alias into the 16 kHz band (6 kHz image ≥ 60 dB down)', () => {
    const tone = sine(10_000, 500, 48_000, 0.5);
    const out = resample(tone, 48_000, 16_000);
    expect(toneLevelDbfs(middle(out), 6000, 16_000) - toneLevelDbfs(tone, 10_000, 48_000)).toBeLessThan(-60);
  });

  it('upsampling 16k → 48k leaves no image of a 1 kHz tone at 15 kHz', () => {
    const tone = sine(1000, 500, 16_000, 0.5);
    const out = resample(tone, 16_000, 48_000);
    expect(toneLevelDbfs(middle(out), 15_000, 48_000) - toneLevelDbfs(tone, 1000, 16_000)).toBeLessThan(-60);
  });
});

describe('streaming has no clicks at chunk borders', () => {
  it('every 20 ms chunk at 48 kHz gives exactly one 20 ms chunk at 16 kHz', () => {
    const resampler = new StreamingResampler(48_000, 16_000);
    const tone = sine(440, 200, 48_000);
    for (let offset = 0; offset < tone.length; offset += 960) {
      expect(resampler.process(tone.subarray(offset, offset + 960)).length).toBe(320);
    }
  });

  it('chunked processing equals one-shot processing (after the fixed delay)', () => {
    const signal = concat(sine(700, 300, 48_000, 0.4), whiteNoise(200, 48_000, 0.3, 7));
    const oneShot = resample(signal, 48_000, 16_000);
    const resampler = new StreamingResampler(48_000, 16_000);
    const chunked = streamThrough(resampler, signal, 960);
    const delay = Math.round((resampler.delayMs * 16_000) / 1000);
    const aligned = chunked.subarray(delay, delay + oneShot.length);
    expect(aligned.length).toBe(oneShot.length);
    let maxDifference = 0;
    for (let i = 0; i < oneShot.length; i++)
      maxDifference = Math.max(maxDifference, Math.abs(aligned[i]! - oneShot[i]!));
    expect(maxDifference).toBeLessThanOrEqual(1);
  });

  it('odd chunk sizes give the same samples as whole-buffer streaming', () => {
    const signal = concat(sine(1200, 250, 22_050, 0.6), whiteNoise(250, 22_050, 0.2, 3));
    const whole = streamThrough(new StreamingResampler(22_050, 16_000), signal, signal.length);
    for (const chunk of [1, 97, 441, 1000]) {
      const chunked = streamThrough(new StreamingResampler(22_050, 16_000), signal, chunk);
      expect(Array.from(chunked)).toEqual(Array.from(whole));
    }
  });

  it('a tone streamed in 20 ms chunks has no discontinuities (largest step stays that of a sine)', () => {
    const tone = sine(1000, 500, 16_000, 0.5);
    const out = middle(streamThrough(new StreamingResampler(16_000, 48_000), tone, 320));
    let maxStep = 0;
    for (let i = 1; i < out.length; i++) maxStep = Math.max(maxStep, Math.abs(out[i]! - out[i - 1]!));
    // A 1 kHz sine at 0.5 FS moves at most 2π·1000/48000·16384 ≈ 2145 per sample.
    expect(maxStep).toBeLessThan(2145 * 1.05);
  });

  it('flush ends the stream and the resampler can start a new one', () => {
    const resampler = new StreamingResampler(16_000, 8_000);
    const tone = sine(500, 100, 16_000);
    const first = streamThrough(resampler, tone, 320);
    const second = streamThrough(resampler, tone, 320);
    expect(Array.from(second)).toEqual(Array.from(first));
  });

  it('rejects rates that are not positive integers', () => {
    expect(() => new StreamingResampler(0, 16_000)).toThrow(/fromRate/);
    expect(() => resample(new Int16Array(4), 16_000, 44_100.5)).toThrow(/toRate/);
  });
});
