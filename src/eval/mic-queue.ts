/**
 * The caller's mouth: audio clips queued one after another and read out one frame at a time.
 * Each clip reports the mic sample index where it started once it has been fully sent.
 */
interface QueuedClip {
  samples: Int16Array;
  offset: number;
  startSample?: number;
  done: (startSample: number) => void;
}

export class MicQueue {
  private readonly clips: QueuedClip[] = [];

  /** Resolves with the clip's first mic sample index when its last sample has been taken. */
  enqueue(samples: Int16Array): Promise<number> {
    return new Promise((resolve) => {
      this.clips.push({ samples, offset: 0, done: resolve });
    });
  }

  get idle(): boolean {
    return this.clips.length === 0;
  }

  /** The next `count` samples (silence when nothing is queued); `cursor` is the mic index of the first. */
  take(count: number, cursor: number): Int16Array {
    const out = new Int16Array(count);
    let filled = 0;
    while (filled < count) {
      const clip = this.clips[0];
      if (!clip) break;
      if (clip.startSample === undefined) clip.startSample = cursor + filled;
      const n = Math.min(count - filled, clip.samples.length - clip.offset);
      out.set(clip.samples.subarray(clip.offset, clip.offset + n), filled);
      clip.offset += n;
      filled += n;
      if (clip.offset >= clip.samples.length) {
        this.clips.shift();
        clip.done(clip.startSample);
      }
    }
    return out;
  }

  /** Drops what was not sent yet (the call is over). */
  clear(): void {
    for (const clip of this.clips.splice(0)) clip.done(clip.startSample ?? -1);
  }
}
