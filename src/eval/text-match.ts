/** Comparing what the agent said with what a scenario expects, the way a listener would. */

const DIGIT_WORDS: Record<string, string> = {
  zero: '0',
  oh: '0',
  one: '1',
  two: '2',
  three: '3',
  four: '4',
  five: '5',
  six: '6',
  seven: '7',
  eight: '8',
  nine: '9',
};

/**
 * Lowercase words without punctuation; spoken digits become numerals and runs of digits are
 * joined, so "four two one nine" and "4219" and "42-19" all read "4219".
 */
export function normalizeSpoken(text: string): string {
  const words = text
    .toLowerCase()
    .replace(/[^a-z0-9'\s-]/g, ' ')
    .replace(/-/g, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => DIGIT_WORDS[w] ?? w);
  const out: string[] = [];
  for (const w of words) {
    const prev = out[out.length - 1];
    if (prev !== undefined && /^\d+$/.test(w) && /^\d+$/.test(prev)) out[out.length - 1] = prev + w;
    else out.push(w);
  }
  return out.join(' ');
}

/** Whether `phrase` occurs in `text` on word boundaries, after normalization. */
export function saysPhrase(text: string, phrase: string): boolean {
  const hay = ` ${normalizeSpoken(text)} `;
  const needle = normalizeSpoken(phrase);
  return needle.length > 0 && hay.includes(` ${needle} `);
}

/** Argument values compare as normalized text, so 4219, "4219" and "four two one nine" agree. */
export function sameValue(actual: unknown, expected: unknown): boolean {
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object') return false;
    return Object.entries(expected).every(([k, v]) => sameValue((actual as Record<string, unknown>)[k], v));
  }
  return normalizeSpoken(String(actual)) === normalizeSpoken(String(expected));
}
