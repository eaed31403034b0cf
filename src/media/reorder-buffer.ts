/**
 * A small receive-side reorder buffer for RTP: releases packets in sequence order, waits a
 * little for late ones and then declares the gap lost, so the decoder can conceal it and the
 * media timeline never jumps.
 */

export type ReorderOutput<T> =
  | { kind: 'packet'; seq: number; item: T }
  /** `next` is the packet after the lost one when it is already here (its in-band FEC can rebuild this one). */
  | { kind: 'lost'; seq: number; next?: T };

export interface ReorderOptions {
  /** Packets held while waiting for a missing one before declaring it lost. Default 3 (60 ms of 20 ms packets). */
  depthPackets?: number;
  /** A missing packet is declared lost once the oldest held packet has waited this long. Default 60. */
  maxWaitMs?: number;
  /** A forward jump larger than this is a sender restart (resync), not loss to conceal. Default 50. */
  maxGapPackets?: number;
  /**
   * Ceiling the wait grows to on a jittery link: each packet that arrives after its slot was given
   * up adds a packet (and 20 ms) of patience, and a long in-order run gives it back. Default 200 ms.
   */
  maxAdaptiveWaitMs?: number;
}

export interface ReorderStats {
  received: number;
  lost: number;
  /** Arrived after their slot was released (or duplicates): dropped. */
  late: number;
  /** Arrived out of order but in time: put back in place. */
  reordered: number;
  resyncs: number;
}

interface Held<T> {
  item: T;
  arrivedMs: number;
}

export class ReorderBuffer<T> {
  private readonly baseDepthPackets: number;
  private readonly baseWaitMs: number;
  private depthPackets: number;
  private maxWaitMs: number;
  private readonly maxAdaptiveWaitMs: number;
  private inOrderRun = 0;
  private readonly maxGapPackets: number;
  private readonly held = new Map<number, Held<T>>();
  /** Extended (unwrapped) sequence number expected next; undefined before the first packet. */
  private expected: number | undefined;
  private lastExtended = 0;
  private highest = -1;
  readonly stats: ReorderStats = { received: 0, lost: 0, late: 0, reordered: 0, resyncs: 0 };

  constructor(opts: ReorderOptions = {}) {
    this.baseDepthPackets = this.depthPackets = Math.max(1, opts.depthPackets ?? 3);
    this.baseWaitMs = this.maxWaitMs = opts.maxWaitMs ?? 60;
    this.maxAdaptiveWaitMs = Math.max(this.baseWaitMs, opts.maxAdaptiveWaitMs ?? 200);
    this.maxGapPackets = opts.maxGapPackets ?? 50;
  }

  get heldPackets(): number {
    return this.held.size;
  }

  /** How long a missing packet is waited for now, ms (grows on jittery links). */
  get waitMs(): number {
    return this.maxWaitMs;
  }

  /** Adds a packet with its 16-bit sequence number; returns what can be released now, in order. */
  push(seq16: number, item: T, nowMs: number): ReorderOutput<T>[] {
    this.stats.received++;
    const seq = this.unwrap(seq16 & 0xffff);
    const out: ReorderOutput<T>[] = [];
    if (this.expected === undefined) this.expected = seq;
    if (seq < this.expected || this.held.has(seq)) {
      this.stats.late++;
      // Given up too soon (not a duplicate of one held): be more patient from now on.
      if (seq < this.expected && seq >= this.expected - this.depthPackets - 16) this.adapt(+1);
      return out;
    }
    if (seq === this.expected && this.held.size === 0 && ++this.inOrderRun >= 500) {
      this.inOrderRun = 0;
      this.adapt(-1);
    }
    if (seq - this.expected > this.maxGapPackets) {
      // The sender restarted or skipped far ahead: hand over what we hold and start again there.
      this.stats.resyncs++;
      for (const key of [...this.held.keys()].sort((a, b) => a - b)) {
        out.push({ kind: 'packet', seq: key & 0xffff, item: (this.held.get(key) as Held<T>).item });
      }
      this.held.clear();
      this.expected = seq;
    }
    if (seq < this.highest) this.stats.reordered++;
    this.highest = Math.max(this.highest, seq);
    this.held.set(seq, { item, arrivedMs: nowMs });
    this.release(out, nowMs);
    return out;
  }

  /** Releases what has waited too long (call on a timer so a stalled stream still drains). */
  expire(nowMs: number): ReorderOutput<T>[] {
    const out: ReorderOutput<T>[] = [];
    this.release(out, nowMs);
    return out;
  }

  /** Everything held, in order, with gaps as losses (at the end of a stream). */
  drain(): ReorderOutput<T>[] {
    const out: ReorderOutput<T>[] = [];
    this.release(out, Number.POSITIVE_INFINITY);
    return out;
  }

  private release(out: ReorderOutput<T>[], nowMs: number): void {
    for (;;) {
      if (this.expected === undefined) return;
      const next = this.held.get(this.expected);
      if (next) {
        this.held.delete(this.expected);
        out.push({ kind: 'packet', seq: this.expected & 0xffff, item: next.item });
        this.expected++;
        continue;
      }
      if (this.held.size === 0) return;
      if (this.held.size < this.depthPackets && nowMs - this.oldestArrivalMs() < this.maxWaitMs) return;
      const after = this.held.get(this.expected + 1);
      out.push(
        after
          ? { kind: 'lost', seq: this.expected & 0xffff, next: after.item }
          : { kind: 'lost', seq: this.expected & 0xffff },
      );
      this.stats.lost++;
      this.expected++;
    }
  }

  private adapt(step: 1 | -1): void {
    this.inOrderRun = 0;
    const waitMs = Math.min(this.maxAdaptiveWaitMs, Math.max(this.baseWaitMs, this.maxWaitMs + step * 20));
    if (waitMs === this.maxWaitMs) return;
    this.maxWaitMs = waitMs;
    this.depthPackets = this.baseDepthPackets + Math.round((waitMs - this.baseWaitMs) / 20);
  }

  private oldestArrivalMs(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const h of this.held.values()) oldest = Math.min(oldest, h.arrivedMs);
    return oldest;
  }

  private unwrap(seq16: number): number {
    if (this.expected === undefined) {
      this.lastExtended = seq16;
      return seq16;
    }
    const last16 = this.lastExtended & 0xffff;
    const diff = ((seq16 - last16 + 0x8000) & 0xffff) - 0x8000;
    const extended = this.lastExtended + diff;
    if (diff > 0) this.lastExtended = extended;
    return extended;
  }
}
