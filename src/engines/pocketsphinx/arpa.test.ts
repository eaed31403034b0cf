import { describe, expect, it } from 'vitest';
import { buildArpa, SENTENCE_END, SENTENCE_START } from './arpa.js';

interface Parsed {
  counts: number[];
  grams: Map<string, { logProb: number; logBackoff: number }>[];
}

function parseArpa(text: string): Parsed {
  const counts: number[] = [];
  const grams: Parsed['grams'] = [new Map(), new Map(), new Map()];
  let order = 0;
  for (const line of text.split('\n')) {
    const count = /^ngram (\d)=(\d+)$/.exec(line);
    if (count) counts[Number(count[1]) - 1] = Number(count[2]);
    const section = /^\\(\d)-grams:$/.exec(line);
    if (section) order = Number(section[1]);
    else if (order > 0 && line.trim() !== '' && !line.startsWith('\\')) {
      const fields = line.split(' ');
      const words = fields.slice(1, 1 + order).join(' ');
      grams[order - 1]?.set(words, {
        logProb: Number(fields[0]),
        logBackoff: fields.length > order + 1 ? Number(fields[order + 1]) : 0,
      });
    }
  }
  return { counts, grams };
}

/** P(w | context) as a back-off decoder computes it from the ARPA entries. */
function probability(lm: Parsed, context: string[], word: string): number {
  const key = [...context, word].join(' ');
  const entry = lm.grams[context.length]?.get(key);
  if (entry) return 10 ** entry.logProb;
  const backoff = lm.grams[context.length - 1]?.get(context.join(' '))?.logBackoff ?? 0;
  return 10 ** backoff * probability(lm, context.slice(1), word);
}

const sentences = [
  'where is my order',
  'where is my package',
  'cancel my order',
  'my order number is four two one nine',
  'yes',
  'no',
  'yes please',
].map((s) => s.split(' '));

describe('ARPA trigram model', () => {
  const text = buildArpa(sentences);
  const lm = parseArpa(text);

  it('declares as many n-grams as it lists, with every trigram prefix listed as a bigram', () => {
    expect(text.startsWith('\\data\\\n')).toBe(true);
    expect(text.trimEnd().endsWith('\\end\\')).toBe(true);
    expect(lm.counts).toEqual(lm.grams.map((g) => g.size));
    for (const trigram of lm.grams[2]?.keys() ?? []) {
      const [u, v, w] = trigram.split(' ');
      expect(lm.grams[1]?.has(`${u} ${v}`)).toBe(true);
      expect(lm.grams[1]?.has(`${v} ${w}`)).toBe(true);
    }
  });

  it('gives every context a proper distribution over the vocabulary (sums to one)', () => {
    const vocabulary = [...(lm.grams[0]?.keys() ?? [])].filter((w) => w !== SENTENCE_START);
    const contexts = [
      [],
      [SENTENCE_START],
      ['my'],
      ['order'],
      [SENTENCE_START, 'yes'],
      ['my', 'order'],
      ['where', 'is'],
      ['four', 'two'],
      ['please', 'cancel'], // unseen pair: backs off all the way
    ];
    for (const context of contexts) {
      const total = vocabulary.reduce((sum, w) => sum + probability(lm, context, w), 0);
      expect(total, `context "${context.join(' ')}"`).toBeCloseTo(1, 4);
    }
  });

  it('prefers what the corpus says over what it does not', () => {
    expect(probability(lm, ['my', 'order'], 'number')).toBeGreaterThan(
      probability(lm, ['my', 'order'], 'yes'),
    );
    expect(probability(lm, [SENTENCE_START], 'where')).toBeGreaterThan(
      probability(lm, [SENTENCE_START], 'nine'),
    );
    expect(probability(lm, ['yes'], SENTENCE_END)).toBeGreaterThan(probability(lm, ['yes'], 'order'));
    // The start marker is never predicted.
    expect(lm.grams[0]?.get(SENTENCE_START)?.logProb).toBe(-99);
  });

  it('refuses an empty corpus', () => {
    expect(() => buildArpa([])).toThrow(/at least one sentence/);
  });
});
