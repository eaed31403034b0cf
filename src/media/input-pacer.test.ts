import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../clock.js';
import { InputPacer } from './input-pacer.js';

describe('InputPacer', () => {
  it('accepts a steady real-time stream forever, with a little timer jitter', async () => {
    const clock = new VirtualClock();
    const pacer = new InputPacer({ clock, burstMs: 2000 });
    for (let i = 0; i < 3000; i++) {
      await clock.advance(i % 2 === 0 ? 15 : 25);
      expect(pacer.admit(20).accept).toBe(true);
    }
    expect(pacer.droppedMs).toBe(0);
  });

  it('a 300 s burst is cut to real time plus the allowance, reported once (finding 7)', async () => {
    const clock = new VirtualClock();
    const pacer = new InputPacer({ clock, burstMs: 2000 });
    await clock.advance(100);
    let reports = 0;
    for (let i = 0; i < 15_000; i++) {
      const d = pacer.admit(20);
      if (d.report) reports++;
    }
    // All at one instant: the allowance only.
    expect(pacer.acceptedMs).toBeLessThanOrEqual(2000);
    expect(pacer.acceptedMs).toBeGreaterThanOrEqual(1980);
    expect(reports).toBe(1);
    // Still too fast afterwards (1.5x real time): accepted stays at real time, no new report.
    for (let i = 0; i < 1500; i++) {
      await clock.advance(i % 3 === 2 ? 0 : 20);
      if (pacer.admit(20).report) reports++;
    }
    expect(pacer.acceptedMs).toBeLessThanOrEqual(2000 + 20 * 1000 + 1);
    expect(reports).toBe(1);
  });

  it('reports a new episode once the client is back within real time', async () => {
    const clock = new VirtualClock();
    const pacer = new InputPacer({ clock, burstMs: 200 });
    const burst = () => {
      let reports = 0;
      for (let i = 0; i < 100; i++) if (pacer.admit(20).report) reports++;
      return reports;
    };
    expect(burst()).toBe(1);
    await clock.advance(1000); // quiet: the bucket refills
    expect(pacer.admit(20).accept).toBe(true);
    expect(burst()).toBe(1);
  });

  it('never accepts more than elapsed + burst over a long mixed run', async () => {
    const clock = new VirtualClock();
    const pacer = new InputPacer({ clock, burstMs: 500 });
    for (let i = 0; i < 5000; i++) {
      await clock.advance(i % 7);
      pacer.admit(i % 5 === 0 ? 60 : 20);
      expect(pacer.acceptedMs).toBeLessThanOrEqual(clock.now() + 500 + 1);
    }
  });
});
