import { describe, expect, it } from 'vitest';
import { concat, sine } from '../audio/signals.js';
import { throughChannel } from './channel.js';

/** RMS of a signal (full scale 32768). */
function rms(x: Int16Array): number {
  let sum = 0;
  for (const v of x) sum += v * v;
  return Math.sqrt(sum / Math.max(1, x.length)) / 32768;
}

describe('the phone channel', () => {
  it('keeps the voice band, drops what a phone line cannot carry, and keeps the timing', () => {
    const voice = sine(1000, 500, 16_000, 0.3);
    const hiss = sine(6000, 500, 16_000, 0.3);
    const line = concat(voice, hiss);
    const heard = throughChannel(line, 'phone');
    expect(heard.length).toBe(line.length);
    const voicePart = heard.subarray(800, 7200);
    const hissPart = heard.subarray(8800, 15200);
    // 1 kHz passes (μ-law costs little level); 6 kHz is above the 4 kHz a phone line carries.
    expect(rms(voicePart) / rms(voice)).toBeGreaterThan(0.85);
    expect(rms(hissPart) / rms(hiss)).toBeLessThan(0.05);
    // μ-law's coarse steps: the line is not a bit-exact copy of the voice band either.
    expect(heard.subarray(800, 7200)).not.toEqual(voice.subarray(800, 7200));
  });

  it('leaves wideband audio untouched', () => {
    const voice = sine(1000, 100, 16_000, 0.3);
    expect(throughChannel(voice, 'wideband')).toBe(voice);
  });
});
