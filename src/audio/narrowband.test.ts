import { describe, expect, it } from 'vitest';
import { NarrowbandFloor } from './narrowband.js';
import { sine } from './signals.js';

function rmsDbfs(x: Int16Array): number {
  let sum = 0;
  for (const v of x) sum += v * v;
  return 20 * Math.log10(Math.sqrt(sum / x.length) / 32768);
}

describe('the narrowband floor', () => {
  it('puts a faint floor under silence and leaves speech-level audio as it was', () => {
    const floor = new NarrowbandFloor();
    const silence = floor.process(new Int16Array(16_000));
    // Audible to a model's top filters, far under speech (−20 dBFS and up) and a quiet room.
    expect(rmsDbfs(silence)).toBeGreaterThan(-60);
    expect(rmsDbfs(silence)).toBeLessThan(-48);
    const voice = sine(1000, 500, 16_000, 0.3);
    const out = new NarrowbandFloor().process(voice);
    let worst = 0;
    for (let i = 0; i < voice.length; i++)
      worst = Math.max(worst, Math.abs((out[i] as number) - (voice[i] as number)));
    expect(worst).toBeLessThan(200);
  });

  it('is deterministic: the same audio in gives the same audio out', () => {
    const voice = sine(440, 100, 16_000, 0.2);
    expect(new NarrowbandFloor().process(voice)).toEqual(new NarrowbandFloor().process(voice));
  });
});
