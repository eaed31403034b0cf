/** Small measurements shared by the speech-engine tests. */
import type { AudioFrame } from '../../audio/frame.js';

export async function collect(frames: AsyncIterable<AudioFrame>): Promise<AudioFrame[]> {
  const out: AudioFrame[] = [];
  for await (const frame of frames) out.push(frame);
  return out;
}

export function durationMs(frames: AudioFrame[]): number {
  return frames.reduce((ms, f) => ms + (f.samples.length * 1000) / f.sampleRate, 0);
}

/** Level of the whole utterance in dBFS. */
export function levelDbfs(frames: AudioFrame[]): number {
  let sum = 0;
  let n = 0;
  for (const f of frames) {
    for (const s of f.samples) sum += s * s;
    n += f.samples.length;
  }
  return n === 0 ? Number.NEGATIVE_INFINITY : 10 * Math.log10(sum / n / 32768 ** 2);
}

export const TEN_WORDS = 'Your package left the depot and should arrive on Friday.';
