import { describe, expect, it } from 'vitest';
import { expandTemplates, normalizeText, TemplateError } from './templates.js';

const DIGIT = '{one|two|three|four|five|six|seven|eight|nine|zero}';

describe('phrase templates', () => {
  it('expands alternatives and optional parts into every sentence', () => {
    expect(expandTemplates(['{please|} cancel my {order|package}'])).toEqual([
      'please cancel my order',
      'please cancel my package',
      'cancel my order',
      'cancel my package',
    ]);
  });

  it('writes numbers as spoken digits and drops punctuation', () => {
    expect(normalizeText('My order is 4219, right?')).toBe('my order is four two one nine right');
    expect(normalizeText("That's it -- don't!")).toBe("that's it don't");
    expect(expandTemplates(['order {12|7}'])).toEqual(['order one two', 'order seven']);
  });

  it('samples large templates to the limit while keeping every alternative', () => {
    const sentences = expandTemplates([`my order number is ${DIGIT} ${DIGIT} ${DIGIT} ${DIGIT}`], 40);
    expect(sentences).toHaveLength(40);
    const words = new Set(sentences.flatMap((s) => s.split(' ')));
    for (const d of ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine']) {
      expect(words.has(d)).toBe(true);
    }
    // Deterministic, so a cached model matches a rebuilt one.
    expect(expandTemplates([`my order number is ${DIGIT} ${DIGIT} ${DIGIT} ${DIGIT}`], 40)).toEqual(
      sentences,
    );
  });

  it('rejects malformed templates, naming them', () => {
    expect(() => expandTemplates(['where is {my|your order'])).toThrow(TemplateError);
    expect(() => expandTemplates(['where is my} order'])).toThrow(/where is my\} order/);
    expect(() => expandTemplates(['{a|{b|c}}'])).toThrow(/nested/);
    expect(() => expandTemplates(['yes'], 0)).toThrow(/limit/);
  });

  it('skips templates with no words', () => {
    expect(expandTemplates(['', '  ', '?!', 'yes'])).toEqual(['yes']);
  });
});
