/** Word error rate: word-level edit distance between a reference and a hypothesis. */

function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '');
}

/** Substitutions + insertions + deletions needed to turn `hypothesis` into `reference`. */
export function wordErrors(reference: string, hypothesis: string): number {
  const ref = words(reference);
  const hyp = words(hypothesis);
  let previous = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const current = [i];
    for (let j = 1; j <= hyp.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[hyp.length] ?? 0;
}

/** Errors over all pairs divided by reference words over all pairs (0 = perfect). */
export function wordErrorRate(pairs: { reference: string; hypothesis: string }[]): number {
  let errors = 0;
  let total = 0;
  for (const { reference, hypothesis } of pairs) {
    errors += wordErrors(reference, hypothesis);
    total += words(reference).length;
  }
  return total === 0 ? 0 : errors / total;
}
