import { describe, expect, it } from 'vitest';
import { dbfs } from '../audio/level.js';
import { concat, silence, sine } from '../audio/signals.js';
import { makeNoise, speechBounds, speechCrossing } from './noise.js';

const RATE = 16_000;

describe('caller noises', () => {
  it.each(['cough', 'door', 'white'] as const)(
    '%s comes out at the requested RMS level, the same every run',
    (kind) => {
      const a = makeNoise({ kind, levelDbfs: -20, sampleRate: RATE, seed: 3 });
      expect(dbfs(a)).toBeCloseTo(-20, 0);
      expect(makeNoise({ kind, levelDbfs: -20, sampleRate: RATE, seed: 3 })).toEqual(a);
    },
  );

  it('a cough is short and front-loaded; a door slam decays', () => {
    const cough = makeNoise({ kind: 'cough', levelDbfs: -20, sampleRate: RATE });
    expect(cough.length).toBe(Math.round(0.22 * RATE));
    const door = makeNoise({ kind: 'door', levelDbfs: -20, ms: 400, sampleRate: RATE });
    const quarter = door.length / 4;
    expect(dbfs(door.subarray(0, quarter))).toBeGreaterThan(dbfs(door.subarray(3 * quarter)) + 15);
  });

  it('babble mixes the given voices at the requested level and refuses to run without any', () => {
    const voices = [sine(180, 800, RATE, 0.5), sine(230, 500, RATE, 0.05), sine(310, 650, RATE, 0.2)];
    const babble = makeNoise({
      kind: 'babble',
      levelDbfs: -30,
      ms: 1500,
      sampleRate: RATE,
      babbleVoices: voices,
    });
    expect(babble.length).toBe(1.5 * RATE);
    expect(dbfs(babble)).toBeCloseTo(-30, 0);
    expect(() => makeNoise({ kind: 'babble', levelDbfs: -30, sampleRate: RATE })).toThrow(/babbleVoices/);
  });
});

describe('speech bounds', () => {
  it('counts minInterruptionMs of speech from after a long comma pause, across a short gap', () => {
    const wait = sine(200, 200, RATE, 0.3);
    const clip = concat(
      silence(100, RATE),
      wait,
      silence(250, RATE),
      sine(200, 150, RATE, 0.3),
      silence(60, RATE),
      sine(200, 400, RATE, 0.3),
    );
    // "Wait" (200 ms) is too short; the short gap is bridged, so 300 ms are reached 300 ms into the second phrase.
    const at = speechCrossing(clip, RATE, 300);
    expect(Math.abs((at ?? 0) - (0.1 + 0.2 + 0.25 + 0.3) * RATE)).toBeLessThanOrEqual(160);
    expect(speechCrossing(wait, RATE, 300)).toBeUndefined();
  });

  it('finds the speech inside TTS padding to within 10 ms', () => {
    const clip = concat(silence(250, RATE), sine(200, 1000, RATE, 0.3), silence(400, RATE));
    const { start, end } = speechBounds(clip, RATE);
    expect(Math.abs(start - 0.25 * RATE)).toBeLessThanOrEqual(160);
    expect(Math.abs(end - 1.25 * RATE)).toBeLessThanOrEqual(160);
  });
});
