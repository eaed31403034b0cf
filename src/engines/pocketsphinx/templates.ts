/**
 * Phrase templates → the sentences a domain language model is counted from.
 * A template is words with alternatives in braces: "my order number is {one|two|three}".
 * An empty alternative makes a part optional: "{please|} cancel my order".
 */
import { EngineError } from '../types.js';

/** Sentences made per template at most; bigger templates are sampled. */
export const DEFAULT_EXPANSIONS_PER_TEMPLATE = 50;

const DIGIT_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

/** A template as a sequence of slots, each a list of alternatives (one for plain text). */
type Slots = string[][];

export class TemplateError extends EngineError {
  constructor(template: string, problem: string) {
    super(
      'domain-lm',
      `template "${template}": ${problem}`,
      'write alternatives as {a|b|c}, without nesting',
    );
    this.name = 'TemplateError';
  }
}

/**
 * Lower-cases, spells digits one by one ("4219" → "four two one nine", as callers read order
 * numbers), and drops punctuation other than in-word apostrophes ("don't").
 */
export function normalizeText(text: string): string {
  return text
    .toLowerCase()
    .replace(/[0-9]/g, (d) => ` ${DIGIT_WORDS[Number(d)]} `)
    .replace(/[^a-z' ]+/g, ' ')
    .split(/\s+/)
    .map((w) => w.replace(/^'+|'+$/g, ''))
    .filter((w) => w !== '')
    .join(' ');
}

function parseTemplate(template: string): Slots {
  const slots: Slots = [];
  let rest = template;
  while (rest.length > 0) {
    const open = rest.indexOf('{');
    const close = rest.indexOf('}');
    if (open < 0) {
      if (close >= 0) throw new TemplateError(template, "a '}' without its '{'");
      slots.push([rest]);
      break;
    }
    if (close < open) throw new TemplateError(template, "a '}' without its '{'");
    const inner = rest.slice(open + 1, close);
    if (inner.includes('{')) throw new TemplateError(template, 'nested braces');
    if (open > 0) slots.push([rest.slice(0, open)]);
    slots.push(inner.split('|'));
    rest = rest.slice(close + 1);
  }
  return slots
    .map((alternatives) => alternatives.map(normalizeText))
    .filter((alternatives) => alternatives.some((a) => a !== ''));
}

/** A small seeded generator, so sampled expansions are the same on every build. */
function seededRandom(seedText: string): () => number {
  let seed = 2166136261;
  for (let i = 0; i < seedText.length; i++) seed = Math.imul(seed ^ seedText.charCodeAt(i), 16777619);
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function join(words: string[]): string {
  return words.filter((w) => w !== '').join(' ');
}

function expandOne(template: string, limit: number): string[] {
  const slots = parseTemplate(template);
  if (slots.length === 0) return [];
  const total = slots.reduce((n, alternatives) => n * alternatives.length, 1);
  const out: string[] = [];
  if (total <= limit) {
    const pick = slots.map(() => 0);
    for (let n = 0; n < total; n++) {
      out.push(join(slots.map((alternatives, k) => alternatives[pick[k] ?? 0] ?? '')));
      for (let k = slots.length - 1; k >= 0; k--) {
        pick[k] = (pick[k] ?? 0) + 1;
        if ((pick[k] ?? 0) < (slots[k]?.length ?? 0)) break;
        pick[k] = 0;
      }
    }
    return out;
  }
  // Too many to list: the first sentences walk every alternative of every slot in step, so
  // each alternative is counted at least once; the rest are drawn at random.
  const widest = Math.max(...slots.map((a) => a.length));
  const random = seededRandom(template);
  for (let n = 0; n < limit; n++) {
    out.push(
      join(
        slots.map((alternatives) => {
          const index = n < widest ? n % alternatives.length : Math.floor(random() * alternatives.length);
          return alternatives[index] ?? '';
        }),
      ),
    );
  }
  return out;
}

/**
 * Expands phrase templates into normalized sentences (lower case, numbers as words). Each
 * template yields all its combinations, or `limit` of them (default 50) when it has more, so
 * one template of many slots does not drown out the short answers ("yes", "no").
 */
export function expandTemplates(templates: string[], limit = DEFAULT_EXPANSIONS_PER_TEMPLATE): string[] {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new EngineError('domain-lm', `limit must be a positive integer, got ${limit}`);
  }
  const sentences: string[] = [];
  for (const template of templates) {
    for (const sentence of expandOne(template, limit)) if (sentence !== '') sentences.push(sentence);
  }
  return sentences;
}
