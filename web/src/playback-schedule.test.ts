import { describe, expect, it } from 'vitest';
import { PlaybackSchedule } from './playback-schedule.js';

describe('PlaybackSchedule', () => {
  it('plays chunks back to back after a short lead', () => {
    const s = new PlaybackSchedule({ leadMs: 40, maxBufferMs: 200 });
    expect(s.place(10, 0.02)).toBeCloseTo(10.04);
    expect(s.place(10.001, 0.02)).toBeCloseTo(10.06);
    expect(s.place(10.02, 0.02)).toBeCloseTo(10.08);
  });

  it('bounds the backlog after a burst, so latency does not creep', () => {
    const s = new PlaybackSchedule({ leadMs: 40, maxBufferMs: 200 });
    const placed = Array.from({ length: 50 }, () => s.place(5, 0.02));
    expect(placed.filter((p) => p !== undefined)).toHaveLength(10);
    expect(s.droppedChunks).toBe(40);
    expect(s.bufferedMs(5)).toBeLessThanOrEqual(240 + 1e-6);
  });

  it('restarts with a lead after an underrun instead of playing in the past', () => {
    const s = new PlaybackSchedule({ leadMs: 40 });
    s.place(1, 0.02);
    expect(s.place(3, 0.02)).toBeCloseTo(3.04);
  });
});
