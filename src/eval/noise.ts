/**
 * The caller's surroundings: cough-like bursts, door slams, babble and white noise at a given
 * RMS level. Deterministic (seeded) so a scenario sounds the same on every run.
 */
import { rms } from '../audio/level.js';

export type NoiseKind = 'cough' | 'door' | 'babble' | 'white';

/** Default lengths, ms: a cough is short, a slam rings a little, babble and hiss last. */
export const DEFAULT_NOISE_MS: Record<NoiseKind, number> = {
  cough: 220,
  door: 350,
  babble: 2000,
  white: 1000,
};

function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function toInt16AtLevel(signal: Float64Array, levelDbfs: number): Int16Array {
  let energy = 0;
  for (const v of signal) energy += v * v;
  const current = Math.sqrt(energy / Math.max(1, signal.length));
  const target = 32767 * 10 ** (levelDbfs / 20);
  const gain = current > 0 ? target / current : 0;
  const out = new Int16Array(signal.length);
  for (let i = 0; i < signal.length; i++) {
    out[i] = Math.max(-32768, Math.min(32767, Math.round((signal[i] as number) * gain)));
  }
  return out;
}

/** Breathy band-limited bursts with a sharp attack: two of them, the second weaker. */
function cough(length: number, sampleRate: number, random: () => number): Float64Array {
  const out = new Float64Array(length);
  const firstEnd = Math.floor(length * 0.6);
  let low = 0;
  let prev = 0;
  for (let i = 0; i < length; i++) {
    const inFirst = i < firstEnd;
    const t = (inFirst ? i : i - firstEnd) / sampleRate;
    const attack = Math.min(1, t / 0.008);
    const envelope = attack * Math.exp(-t / (inFirst ? 0.05 : 0.035)) * (inFirst ? 1 : 0.6);
    const white = random() * 2 - 1;
    // A one-pole low-pass followed by a difference: a crude band-pass around voice frequencies.
    low += 0.35 * (white - low);
    const band = low - prev;
    prev = low;
    out[i] = (band + 0.3 * low) * envelope;
  }
  return out;
}

/** A click followed by a decaying low rumble. */
function door(length: number, sampleRate: number, random: () => number): Float64Array {
  const out = new Float64Array(length);
  let low = 0;
  for (let i = 0; i < length; i++) {
    const t = i / sampleRate;
    const click = i < sampleRate * 0.004 ? (random() * 2 - 1) * 3 : 0;
    low += 0.05 * (random() * 2 - 1 - low);
    const rumble =
      (Math.sin(2 * Math.PI * 70 * t) + 0.6 * Math.sin(2 * Math.PI * 113 * t) + 4 * low) *
      Math.exp(-t / 0.09);
    out[i] = click + rumble;
  }
  return out;
}

function white(length: number, random: () => number): Float64Array {
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = random() * 2 - 1;
  return out;
}

/** Several voices talking over each other, each looped and offset so no single voice stands out. */
function babble(length: number, voices: Int16Array[], random: () => number): Float64Array {
  const out = new Float64Array(length);
  for (const voice of voices) {
    if (voice.length === 0) continue;
    const offset = Math.floor(random() * voice.length);
    // Equal loudness per voice, so no single talker stands out of the crowd.
    const level = rms(voice);
    const gain = level > 0 ? 1 / level : 0;
    for (let i = 0; i < length; i++)
      out[i] = (out[i] as number) + (voice[(i + offset) % voice.length] as number) * gain;
  }
  return out;
}

export interface NoiseRequest {
  kind: NoiseKind;
  levelDbfs: number;
  ms?: number;
  sampleRate: number;
  seed?: number;
  /** Speech clips for babble (several voices); required for kind 'babble'. */
  babbleVoices?: Int16Array[];
}

export function makeNoise(req: NoiseRequest): Int16Array {
  const ms = req.ms ?? DEFAULT_NOISE_MS[req.kind];
  const length = Math.max(1, Math.round((ms * req.sampleRate) / 1000));
  const random = seededRandom(req.seed ?? 7);
  switch (req.kind) {
    case 'cough':
      return toInt16AtLevel(cough(length, req.sampleRate, random), req.levelDbfs);
    case 'door':
      return toInt16AtLevel(door(length, req.sampleRate, random), req.levelDbfs);
    case 'white':
      return toInt16AtLevel(white(length, random), req.levelDbfs);
    case 'babble': {
      if (!req.babbleVoices || req.babbleVoices.length === 0) {
        throw new Error('babble noise needs speech clips to mix (babbleVoices)');
      }
      return toInt16AtLevel(babble(length, req.babbleVoices, random), req.levelDbfs);
    }
  }
}

/**
 * Where the speech really is inside a synthesized clip (TTS pads with silence): first and last
 * 10 ms window whose level is within `floorDb` of the clip's loudest window. Sample offsets.
 */
export function speechBounds(
  samples: Int16Array,
  sampleRate: number,
  floorDb = 35,
): { start: number; end: number } {
  const win = Math.max(1, Math.round(sampleRate / 100));
  const levels: number[] = [];
  for (let i = 0; i < samples.length; i += win) levels.push(rms(samples.subarray(i, i + win)));
  const loudest = Math.max(0, ...levels);
  if (loudest === 0) return { start: 0, end: 0 };
  const floor = loudest * 10 ** (-floorDb / 20);
  const first = levels.findIndex((l) => l >= floor);
  let last = levels.length - 1;
  while (last > first && (levels[last] as number) < floor) last--;
  return { start: first * win, end: Math.min(samples.length, (last + 1) * win) };
}

/**
 * Sample offset at which the speech in a clip has lasted `ms` without a break longer than
 * `gapMs` ("Wait, can you…" counts from "can" if the comma pause is long), using the same
 * level floor as `speechBounds`. Undefined when it never lasts that long.
 */
export function speechCrossing(
  samples: Int16Array,
  sampleRate: number,
  ms: number,
  gapMs = 100,
  floorDb = 35,
): number | undefined {
  const win = Math.max(1, Math.round(sampleRate / 100));
  const levels: number[] = [];
  for (let i = 0; i < samples.length; i += win) levels.push(rms(samples.subarray(i, i + win)));
  const floor = Math.max(0, ...levels) * 10 ** (-floorDb / 20);
  const need = Math.ceil(ms / 10);
  const maxGap = Math.floor(gapMs / 10);
  let runStart = -1;
  let gap = 0;
  for (let w = 0; w < levels.length; w++) {
    if ((levels[w] as number) >= floor && floor > 0) {
      if (runStart < 0) runStart = w;
      gap = 0;
      if (w - runStart + 1 >= need) return (w + 1) * win;
    } else if (runStart >= 0 && ++gap > maxGap) {
      runStart = -1;
      gap = 0;
    }
  }
  return undefined;
}
