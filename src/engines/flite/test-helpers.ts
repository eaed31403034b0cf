/** Small measurements shared by the speech-engine tests. */
import type { AudioFrame } from '../../audio/frame.js';
import { dbfs } from '../../audio/level.js';
import { concat } from '../../audio/signals.js';

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
  return dbfs(concat(...frames.map((f) => f.samples)));
}

export const TEN_WORDS = 'Your package left the depot and should arrive on Friday.';
