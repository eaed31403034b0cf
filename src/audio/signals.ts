/** Deterministic test and calibration signals, plus framing of a signal into `AudioFrame`s. */
import { type AudioFrame, FRAME_MS, makeFrame, samplesForMs } from './frame.js';
import { clampInt16 } from './pcm.js';

function toInt16(value: number): number {
  return clampInt16(value * 32767);
}

/** A sine tone; `amplitude` is a fraction of full scale. */
export function sine(freqHz: number, ms: number, sampleRate: number, amplitude = 0.5): Int16Array {
  const out = new Int16Array(samplesForMs(ms, sampleRate));
  const step = (2 * Math.PI * freqHz) / sampleRate;
  for (let i = 0; i < out.length; i++) out[i] = toInt16(amplitude * Math.sin(step * i));
  return out;
}

/** Uniform white noise with peak `amplitude` (fraction of full scale); the same seed gives the same noise. */
export function whiteNoise(ms: number, sampleRate: number, amplitude: number, seed = 1): Int16Array {
  const out = new Int16Array(samplesForMs(ms, sampleRate));
  // mulberry32: small, fast, good enough for test noise, and reproducible.
  let state = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const uniform = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out[i] = toInt16(amplitude * (2 * uniform - 1));
  }
  return out;
}

export function silence(ms: number, sampleRate: number): Int16Array {
  return new Int16Array(samplesForMs(ms, sampleRate));
}

export function concat(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Cuts a signal into consecutive frames of `frameMs`, stamped from `startMs`. A short last frame is
 * zero-padded so every frame has the same length.
 */
export function splitFrames(
  samples: Int16Array,
  sampleRate: number,
  frameMs = FRAME_MS,
  startMs = 0,
): AudioFrame[] {
  const frameSamples = samplesForMs(frameMs, sampleRate);
  if (frameSamples <= 0) throw new RangeError(`splitFrames: ${frameMs} ms is less than one sample`);
  const frames: AudioFrame[] = [];
  for (let offset = 0; offset < samples.length; offset += frameSamples) {
    const piece = new Int16Array(frameSamples);
    piece.set(samples.subarray(offset, offset + frameSamples));
    frames.push(makeFrame(piece, sampleRate, startMs + (offset * 1000) / sampleRate));
  }
  return frames;
}
