/** Saturates a value to the 16-bit PCM range (rounding to the nearest integer). */
export function clampInt16(value: number): number {
  return Math.min(32767, Math.max(-32768, Math.round(value)));
}
