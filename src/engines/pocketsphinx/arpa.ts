/**
 * A trigram language model in ARPA text form, counted from sentences and smoothed with
 * interpolated Witten-Bell, written in back-off form.
 *
 * For a context h followed by T(h) distinct words in c(h) occurrences:
 *   P(w|h) = (c(h,w) + T(h)·P(w|h')) / (c(h) + T(h))   for seen (h,w), h' = h minus its first word
 *   back-off weight(h) = T(h) / (c(h) + T(h))
 * which is exactly the mass the interpolation leaves to unseen words, so every conditional
 * distribution sums to one. Unigrams are Witten-Bell against a uniform distribution.
 */

export const SENTENCE_START = '<s>';
export const SENTENCE_END = '</s>';

/** log10 of zero probability, by ARPA convention (the start marker is never predicted). */
const LOG_ZERO = -99;

interface ContextStats {
  total: number;
  followers: Map<string, number>;
}

function bump(map: Map<string, ContextStats>, context: string, word: string): void {
  let stats = map.get(context);
  if (!stats) {
    stats = { total: 0, followers: new Map() };
    map.set(context, stats);
  }
  stats.total++;
  stats.followers.set(word, (stats.followers.get(word) ?? 0) + 1);
}

function log10(p: number): string {
  return p > 0 ? Math.log10(p).toFixed(6) : LOG_ZERO.toFixed(6);
}

function backoffWeight(stats: ContextStats): number {
  return stats.followers.size / (stats.total + stats.followers.size);
}

/** Builds the ARPA text for `sentences` (each a list of words, without the sentence markers). */
export function buildArpa(sentences: string[][]): string {
  if (sentences.length === 0) throw new Error('a language model needs at least one sentence');
  const unigramCounts = new Map<string, number>();
  // Context (words joined by a space) → what followed it.
  const afterWord = new Map<string, ContextStats>();
  const afterPair = new Map<string, ContextStats>();
  for (const words of sentences) {
    const tokens = [SENTENCE_START, ...words, SENTENCE_END];
    for (let i = 0; i < tokens.length; i++) {
      const w = tokens[i] as string;
      if (w !== SENTENCE_START) unigramCounts.set(w, (unigramCounts.get(w) ?? 0) + 1);
      if (i >= 1) bump(afterWord, tokens[i - 1] as string, w);
      if (i >= 2) bump(afterPair, `${tokens[i - 2]} ${tokens[i - 1]}`, w);
    }
  }

  const vocabulary = [...unigramCounts.keys()].sort();
  const totalTokens = [...unigramCounts.values()].reduce((a, b) => a + b, 0);
  const unigram = (w: string): number =>
    ((unigramCounts.get(w) ?? 0) + 1) / (totalTokens + vocabulary.length);
  const order = new Map([SENTENCE_START, ...vocabulary].map((w, i) => [w, i]));
  const byOrder = (a: string[], b: string[]): number => {
    for (let i = 0; i < a.length; i++) {
      const d = (order.get(a[i] as string) ?? 0) - (order.get(b[i] as string) ?? 0);
      if (d !== 0) return d;
    }
    return 0;
  };

  const bigram = (h: string, w: string): number => {
    const stats = afterWord.get(h);
    const seen = stats?.followers.get(w);
    if (!stats || seen === undefined) return (stats ? backoffWeight(stats) : 1) * unigram(w);
    return (seen + stats.followers.size * unigram(w)) / (stats.total + stats.followers.size);
  };

  const unigramLines = [SENTENCE_START, ...vocabulary].map((w) => {
    const prob = w === SENTENCE_START ? LOG_ZERO.toFixed(6) : log10(unigram(w));
    const stats = afterWord.get(w);
    return stats ? `${prob} ${w} ${log10(backoffWeight(stats))}` : `${prob} ${w}`;
  });

  const bigrams: string[][] = [];
  for (const [h, stats] of afterWord) for (const w of stats.followers.keys()) bigrams.push([h, w]);
  bigrams.sort(byOrder);
  const bigramLines = bigrams.map(([h, w]) => {
    const prob = log10(bigram(h as string, w as string));
    const stats = afterPair.get(`${h} ${w}`);
    return stats ? `${prob} ${h} ${w} ${log10(backoffWeight(stats))}` : `${prob} ${h} ${w}`;
  });

  const trigrams: string[][] = [];
  for (const [h, stats] of afterPair)
    for (const w of stats.followers.keys()) trigrams.push([...h.split(' '), w]);
  trigrams.sort(byOrder);
  const trigramLines = trigrams.map(([u, v, w]) => {
    const stats = afterPair.get(`${u} ${v}`) as ContextStats;
    const seen = stats.followers.get(w as string) ?? 0;
    const lower = bigram(v as string, w as string);
    const p = (seen + stats.followers.size * lower) / (stats.total + stats.followers.size);
    return `${log10(p)} ${u} ${v} ${w}`;
  });

  return [
    '\\data\\',
    `ngram 1=${unigramLines.length}`,
    `ngram 2=${bigramLines.length}`,
    `ngram 3=${trigramLines.length}`,
    '',
    '\\1-grams:',
    ...unigramLines,
    '',
    '\\2-grams:',
    ...bigramLines,
    '',
    '\\3-grams:',
    ...trigramLines,
    '',
    '\\end\\',
    '',
  ].join('\n');
}
