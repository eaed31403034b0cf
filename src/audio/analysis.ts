/** Measurements on signals: the frequency and level of a tone, for tests, benchmarks and eval. */

/**
 * Frequency of a roughly periodic signal from its rising zero crossings (interpolated between
 * samples). Returns 0 when fewer than two crossings are found.
 */
export function zeroCrossingFrequency(samples: Int16Array, sampleRate: number): number {
  let first = -1;
  let last = -1;
  let count = 0;
  for (let i = 1; i < samples.length; i++) {
    const before = samples[i - 1]!;
    const after = samples[i]!;
    if (before < 0 && after >= 0) {
      const at = i - 1 + -before / (after - before);
      if (first < 0) first = at;
      last = at;
      count++;
    }
  }
  if (count < 2) return 0;
  return ((count - 1) * sampleRate) / (last - first);
}

/**
 * Level of one frequency component in dBFS (Goertzel over a Hann window), as a full-scale sine of
 * that frequency would read 0 dB. −Infinity when the component is absent.
 */
export function toneLevelDbfs(samples: Int16Array, freqHz: number, sampleRate: number): number {
  const n = samples.length;
  if (n === 0) return Number.NEGATIVE_INFINITY;
  const omega = (2 * Math.PI * freqHz) / sampleRate;
  let re = 0;
  let im = 0;
  let windowSum = 0;
  for (let i = 0; i < n; i++) {
    const window = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1 || 1));
    const x = (samples[i]! / 32768) * window;
    re += x * Math.cos(omega * i);
    im -= x * Math.sin(omega * i);
    windowSum += window;
  }
  const amplitude = (2 * Math.hypot(re, im)) / windowSum;
  return amplitude === 0 ? Number.NEGATIVE_INFINITY : 20 * Math.log10(amplitude);
}
