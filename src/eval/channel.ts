/**
 * The line between the caller and Parley. 'wideband' is a browser's 16 kHz path; 'phone' is what
 * a telephone call does to the caller's voice on its way in: 8 kHz narrowband, G.711 μ-law (the
 * Twilio Media Streams path), then back up to the session's 16 kHz.
 */
import { SESSION_SAMPLE_RATE } from '../audio/frame.js';
import { mulawDecode, mulawEncode } from '../audio/mulaw.js';
import { NarrowbandFloor } from '../audio/narrowband.js';
import { resample } from '../audio/resampler.js';

export type CallChannel = 'wideband' | 'phone';
export const CALL_CHANNELS: readonly CallChannel[] = ['wideband', 'phone'];

const PHONE_RATE = 8000;

/**
 * Caller audio as the session hears it over `channel`, including what Parley's phone transport
 * does on arrival (back to 16 kHz, a floor in the empty band); the same length, so ground-truth
 * times hold.
 */
export function throughChannel(samples: Int16Array, channel: CallChannel): Int16Array {
  if (channel === 'wideband' || samples.length === 0) return samples;
  const narrow = mulawDecode(mulawEncode(resample(samples, SESSION_SAMPLE_RATE, PHONE_RATE)));
  const back = new NarrowbandFloor().process(resample(narrow, PHONE_RATE, SESSION_SAMPLE_RATE));
  const out = new Int16Array(samples.length);
  out.set(back.subarray(0, samples.length));
  return out;
}
