import type { AudioFrame } from '../audio/frame.js';
import { SESSION_SAMPLE_RATE } from '../audio/frame.js';

const MAX_FRAME_SAMPLES = SESSION_SAMPLE_RATE; // one second

/** Why a caller frame cannot be used, or undefined when it is fine. */
export function describeBadFrame(frame: AudioFrame | undefined): string | undefined {
  if (!frame || typeof frame !== 'object') return 'not an AudioFrame';
  if (!(frame.samples instanceof Int16Array)) return 'samples must be an Int16Array of 16-bit PCM';
  if (frame.sampleRate !== SESSION_SAMPLE_RATE) {
    return `sample rate ${frame.sampleRate} Hz; the session takes ${SESSION_SAMPLE_RATE} Hz (resample in the transport)`;
  }
  if (frame.samples.length === 0) return 'empty frame';
  if (frame.samples.length > MAX_FRAME_SAMPLES)
    return `${frame.samples.length} samples; at most one second per frame`;
  if (!Number.isFinite(frame.startMs)) return 'startMs must be a finite media time in ms';
  return undefined;
}
