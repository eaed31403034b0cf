/** Signal level meters over 16-bit PCM, relative to full scale (32768). */

const FULL_SCALE = 32768;

/** Root mean square as a fraction of full scale (0..1); 0 for an empty input. */
export function rms(samples: Int16Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!;
  return Math.sqrt(sum / samples.length) / FULL_SCALE;
}

/** Largest absolute sample as a fraction of full scale (0..1). */
export function peak(samples: Int16Array): number {
  let max = 0;
  for (let i = 0; i < samples.length; i++) {
    const magnitude = Math.abs(samples[i]!);
    if (magnitude > max) max = magnitude;
  }
  return max / FULL_SCALE;
}

/** RMS level in dB relative to full scale; −Infinity for digital silence. */
export function dbfs(samples: Int16Array): number {
  const level = rms(samples);
  return level === 0 ? Number.NEGATIVE_INFINITY : 20 * Math.log10(level);
}
