import { describe, expect, it } from 'vitest';
import { wordErrorRate, wordErrors } from './wer.js';

describe('word error rate', () => {
  it('counts substitutions, insertions and deletions', () => {
    expect(wordErrors('where is my order', 'where is my order')).toBe(0);
    expect(wordErrors('where is my order', 'where is the order')).toBe(1);
    expect(wordErrors('where is my order', 'where is my order now')).toBe(1);
    expect(wordErrors('where is my order', 'where my order')).toBe(1);
    expect(wordErrors('yes', '')).toBe(1);
    expect(wordErrors('', 'uh')).toBe(1);
  });

  it('divides errors by reference words over all pairs', () => {
    expect(
      wordErrorRate([
        { reference: 'cancel my order', hypothesis: 'cancel my order' },
        { reference: 'no', hypothesis: 'know' },
      ]),
    ).toBeCloseTo(1 / 4);
  });
});
