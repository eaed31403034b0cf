/** Small signal helpers shared by the scripted engines (kept here so testing/ depends on nothing else). */

export function rmsOf(samples: Int16Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / samples.length);
}

/** Level relative to full scale; −Infinity for digital silence. */
export function dbfsOf(samples: Int16Array): number {
  const r = rmsOf(samples);
  return r === 0 ? Number.NEGATIVE_INFINITY : 20 * Math.log10(r / 32768);
}
