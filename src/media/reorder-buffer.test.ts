import { describe, expect, it } from 'vitest';
import { ReorderBuffer, type ReorderOutput } from './reorder-buffer.js';

const seqs = (out: ReorderOutput<string>[]) => out.map((o) => (o.kind === 'lost' ? `lost${o.seq}` : o.seq));

describe('ReorderBuffer', () => {
  it('puts swapped packets back in sequence order', () => {
    const rb = new ReorderBuffer<string>();
    const out = [
      ...rb.push(10, 'a', 0),
      ...rb.push(12, 'c', 20),
      ...rb.push(11, 'b', 21),
      ...rb.push(13, 'd', 40),
    ];
    expect(seqs(out)).toEqual([10, 11, 12, 13]);
    expect(rb.stats.lost).toBe(0);
    expect(rb.stats.reordered).toBe(1);
  });

  it('declares a packet lost once three later ones wait, so audio keeps flowing', () => {
    const rb = new ReorderBuffer<string>({ depthPackets: 3 });
    const out = [...rb.push(1, 'a', 0), ...rb.push(3, 'c', 40), ...rb.push(4, 'd', 60)];
    expect(seqs(out)).toEqual([1]);
    out.push(...rb.push(5, 'e', 80));
    expect(seqs(out)).toEqual([1, 'lost2', 3, 4, 5]);
    expect(rb.stats.lost).toBe(1);
  });

  it('declares a gap lost after maxWaitMs even when the stream stalls', () => {
    const rb = new ReorderBuffer<string>({ maxWaitMs: 60 });
    rb.push(1, 'a', 0);
    expect(rb.push(3, 'c', 40)).toEqual([]);
    expect(rb.expire(90)).toEqual([]);
    expect(seqs(rb.expire(100))).toEqual(['lost2', 3]);
  });

  it('drops a packet that arrives after its slot was concealed, and duplicates', () => {
    const rb = new ReorderBuffer<string>({ depthPackets: 1 });
    rb.push(1, 'a', 0);
    expect(seqs(rb.push(3, 'c', 40))).toEqual(['lost2', 3]);
    expect(rb.push(2, 'b', 45)).toEqual([]);
    expect(rb.push(3, 'c', 46)).toEqual([]);
    expect(rb.stats.late).toBe(2);
  });

  it('follows the 16-bit sequence number across its wrap', () => {
    const rb = new ReorderBuffer<string>();
    const out = [
      ...rb.push(65534, 'a', 0),
      ...rb.push(0, 'c', 20),
      ...rb.push(65535, 'b', 21),
      ...rb.push(1, 'd', 40),
    ];
    expect(seqs(out)).toEqual([65534, 65535, 0, 1]);
    expect(rb.stats.late).toBe(0);
  });

  it('treats a huge forward jump as a sender restart, not seconds of concealment', () => {
    const rb = new ReorderBuffer<string>();
    rb.push(100, 'a', 0);
    const out = rb.push(5000, 'z', 20);
    expect(seqs(out)).toEqual([5000]);
    expect(rb.stats.lost).toBe(0);
    expect(rb.stats.resyncs).toBe(1);
  });

  it('hands over the packet after a lost one with the loss, so its in-band FEC can rebuild it', () => {
    const rb = new ReorderBuffer<string>();
    const out = [
      ...rb.push(1, 'a', 0),
      ...rb.push(3, 'c', 40),
      ...rb.push(4, 'd', 60),
      ...rb.push(5, 'e', 80),
    ];
    expect(out[1]).toEqual({ kind: 'lost', seq: 2, next: 'c' });
    // Two in a row lost: the first has no next packet to rebuild from, the second has.
    const rb2 = new ReorderBuffer<string>();
    const out2 = [...rb2.push(1, 'a', 0), ...rb2.push(4, 'd', 20), ...rb2.expire(200)];
    expect(out2.slice(1, 3)).toEqual([
      { kind: 'lost', seq: 2 },
      { kind: 'lost', seq: 3, next: 'd' },
    ]);
  });

  it('grows its patience on a jittery link instead of concealing late packets (bug: 30 ms jitter read as loss)', () => {
    const buffer = new ReorderBuffer<number>();
    // Every tenth packet arrives 90 ms late: four later packets overtake it.
    const arrivals = Array.from({ length: 400 }, (_, seq) => ({
      seq,
      atMs: seq * 20 + (seq % 10 === 5 ? 90 : 0),
    }));
    arrivals.sort((a, b) => a.atMs - b.atMs);
    const lostAt: number[] = [];
    for (const { seq, atMs } of arrivals) {
      for (const out of [...buffer.expire(atMs), ...buffer.push(seq, seq, atMs)])
        if (out.kind === 'lost') lostAt.push(out.seq);
    }
    // The first late packets are given up on; after that they are waited for and put back in place.
    expect(lostAt.length).toBeGreaterThan(0);
    expect(lostAt.every((seq) => seq < 100)).toBe(true);
    expect(buffer.stats.reordered).toBeGreaterThan(30);
    expect(buffer.waitMs).toBeLessThanOrEqual(200);
  });

  it('gives the extra patience back after a long clean run', () => {
    const buffer = new ReorderBuffer<number>();
    // Two late packets raise the wait ...
    for (const [i, seq] of [0, 1, 3, 4, 5, 6, 2, 7, 9, 10, 11, 12, 8].entries())
      buffer.push(seq, seq, i * 20);
    const raised = buffer.waitMs;
    expect(raised).toBeGreaterThan(60);
    // ... and a clean minute brings it back down.
    for (let seq = 13; seq < 13 + 3000; seq++) buffer.push(seq, seq, seq * 20);
    expect(buffer.waitMs).toBeLessThan(raised);
  });
});
