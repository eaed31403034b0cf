/**
 * Re-chunks a stream of arbitrary-length pieces into fixed-size frames (e.g. 320-sample transport
 * frames into the VAD's 512-sample windows). Leftover samples wait for the next push.
 */
export class Reframer {
  private pending: Int16Array;
  private filled = 0;

  constructor(readonly frameSamples: number) {
    if (!Number.isInteger(frameSamples) || frameSamples <= 0) {
      throw new RangeError(`Reframer: frameSamples must be a positive integer, got ${frameSamples}`);
    }
    this.pending = new Int16Array(frameSamples);
  }

  /** Samples waiting for a full frame. */
  get buffered(): number {
    return this.filled;
  }

  /** Returns every frame completed by these samples (possibly none); each frame is a fresh array. */
  push(samples: Int16Array): Int16Array[] {
    const frames: Int16Array[] = [];
    let offset = 0;
    while (offset < samples.length) {
      const take = Math.min(this.frameSamples - this.filled, samples.length - offset);
      this.pending.set(samples.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      if (this.filled === this.frameSamples) {
        frames.push(this.pending);
        this.pending = new Int16Array(this.frameSamples);
        this.filled = 0;
      }
    }
    return frames;
  }

  /** The partial frame zero-padded to full size, or undefined when nothing is waiting. */
  flush(): Int16Array | undefined {
    if (this.filled === 0) return undefined;
    const frame = this.pending;
    this.pending = new Int16Array(this.frameSamples);
    this.filled = 0;
    return frame;
  }

  reset(): void {
    this.pending.fill(0);
    this.filled = 0;
  }
}
