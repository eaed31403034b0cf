import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../clock.js';
import { PacedSender, type SendInfo } from './paced-sender.js';

function recorder(clock: VirtualClock, opts: { maxQueueFrames?: number; targetQueueFrames?: number } = {}) {
  const sent: (SendInfo & { item: number })[] = [];
  const sender = new PacedSender<number>({
    clock,
    ...opts,
    send: (item, info) => sent.push({ ...info, item }),
  });
  return { sent, sender };
}

describe('PacedSender', () => {
  it('sends a burst one frame per 20 ms on a fixed grid', async () => {
    const clock = new VirtualClock();
    const { sent, sender } = recorder(clock, { targetQueueFrames: 10 });
    for (let i = 0; i < 5; i++) sender.enqueue(i);
    await clock.advance(200);
    expect(sent.map((s) => s.item)).toEqual([0, 1, 2, 3, 4]);
    expect(sent.map((s) => s.atMs)).toEqual([0, 20, 40, 60, 80]);
    expect(sent[0]?.afterGap).toBe(true);
    expect(sent.slice(1).every((s) => !s.afterGap)).toBe(true);
  });

  it('does not drift when frames trickle in late: the deadline is start + n*20 ms', async () => {
    const clock = new VirtualClock();
    const { sent, sender } = recorder(clock, { targetQueueFrames: 100 });
    sender.enqueue(0);
    for (let i = 1; i < 10; i++) {
      await clock.advance(i % 2 === 0 ? 23 : 17); // jittery producer, 20 ms on average
      sender.enqueue(i);
      sender.enqueue(i + 100);
    }
    await clock.advance(1000);
    const times = sent.map((s) => s.atMs);
    // After the initial send, every frame leaves on the 20 ms grid, never later.
    for (let n = 1; n < times.length; n++) expect(times[n]).toBeLessThanOrEqual(n * 20);
    expect(times.at(-1)).toBe((times.length - 1) * 20);
  });

  it('marks the first frame after the queue ran dry as a new talkspurt', async () => {
    const clock = new VirtualClock();
    const { sent, sender } = recorder(clock);
    sender.enqueue(1);
    await clock.advance(200);
    sender.enqueue(2);
    await clock.advance(100);
    expect(sent.map((s) => [s.item, s.afterGap])).toEqual([
      [1, true],
      [2, true],
    ]);
    expect(sent[1]?.atMs).toBe(200);
  });

  it('drains a backlog left by a stall at double rate, so latency does not creep', async () => {
    const clock = new VirtualClock();
    const { sent, sender } = recorder(clock, { targetQueueFrames: 3 });
    // A real-time source (one frame per 20 ms) that stalled once and then delivered 8 at once.
    for (let i = 0; i < 8; i++) sender.enqueue(i);
    for (let i = 8; i < 30; i++) {
      await clock.advance(20);
      sender.enqueue(i);
    }
    await clock.advance(20);
    expect(sender.queuedFrames).toBeLessThanOrEqual(3);
    expect(sent.map((s) => s.item)).toEqual(sent.map((_, i) => i));
  });

  it('flush drops everything queued at once (barge-in)', async () => {
    const clock = new VirtualClock();
    const { sent, sender } = recorder(clock, { targetQueueFrames: 20 });
    for (let i = 0; i < 10; i++) sender.enqueue(i);
    await clock.advance(50);
    expect(sender.flush()).toBe(7);
    await clock.advance(200);
    expect(sent.map((s) => s.item)).toEqual([0, 1, 2]);
  });

  it('bounds the queue by dropping the oldest frames so latency cannot creep', async () => {
    const clock = new VirtualClock();
    const { sent, sender } = recorder(clock, { maxQueueFrames: 4, targetQueueFrames: 4 });
    for (let i = 0; i < 10; i++) sender.enqueue(i);
    await clock.advance(500);
    expect(sender.droppedFrames).toBeGreaterThan(0);
    expect(sent.map((s) => s.item).slice(-4)).toEqual([6, 7, 8, 9]);
  });

  it('stops sending after close', async () => {
    const clock = new VirtualClock();
    const { sent, sender } = recorder(clock);
    sender.enqueue(1);
    sender.enqueue(2);
    sender.close();
    sender.enqueue(3);
    await clock.advance(100);
    expect(sent.map((s) => s.item)).toEqual([1]);
  });
});
