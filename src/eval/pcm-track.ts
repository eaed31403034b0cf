/** A growable 16-bit track written at sample positions; gaps stay silent, overlaps mix. */
export class PcmTrack {
  private data = new Int16Array(16_000 * 10);
  private length = 0;

  write(at: number, samples: Int16Array): void {
    if (at < 0) {
      samples = samples.subarray(-at);
      at = 0;
    }
    const end = at + samples.length;
    if (end > this.data.length) {
      const grown = new Int16Array(Math.max(end, this.data.length * 2));
      grown.set(this.data.subarray(0, this.length));
      this.data = grown;
    }
    for (let i = 0; i < samples.length; i++) {
      const j = at + i;
      const mixed = (j < this.length ? (this.data[j] as number) : 0) + (samples[i] as number);
      this.data[j] = Math.max(-32768, Math.min(32767, mixed));
    }
    this.length = Math.max(this.length, end);
  }

  /** Copies `count` samples from `at` (silence outside what was written). */
  read(at: number, count: number): Int16Array {
    const out = new Int16Array(count);
    const from = Math.max(0, at);
    const to = Math.min(this.length, at + count);
    if (to > from) out.set(this.data.subarray(from, to), from - at);
    return out;
  }

  get samples(): number {
    return this.length;
  }

  toInt16Array(): Int16Array {
    return this.data.slice(0, this.length);
  }
}
