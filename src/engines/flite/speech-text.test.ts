import { describe, expect, it } from 'vitest';
import { prepareSpeechText, splitSentences } from './speech-text.js';

describe('prepareSpeechText', () => {
  it('keeps words and numbers exactly as the app wrote them', () => {
    expect(prepareSpeechText('Order 12345 ships on 3/14, costs $19.99.')).toBe(
      'Order 12345 ships on 3/14, costs $19.99.',
    );
  });

  it('drops markdown symbols and emoji instead of spelling them out', () => {
    expect(prepareSpeechText('**Great** news 🎉! See [the page](https://x.test) `now`')).toBe(
      'Great news ! See the page now',
    );
    expect(prepareSpeechText('👍🏽 👨‍👩‍👧')).toBe('');
  });

  it('turns typographic punctuation and accents into plain text', () => {
    expect(prepareSpeechText('It\u2019s \u201cready\u201d\u2014caf\u00e9\u2026')).toBe(
      'It\'s "ready", cafe...',
    );
  });

  it('strips control characters and collapses whitespace', () => {
    expect(prepareSpeechText(' one\u0000\ttwo\n\nthree ')).toBe('one two three');
  });
});

describe('splitSentences', () => {
  it('splits at sentence ends but not after abbreviations', () => {
    expect(splitSentences('Hello there. Dr. Smith is in. Is it 5? Yes! ok')).toEqual([
      'Hello there.',
      'Dr. Smith is in.',
      'Is it 5?',
      'Yes! ok',
    ]);
  });

  it('keeps decimals and a single sentence whole', () => {
    expect(splitSentences('It costs 19.99 dollars today')).toEqual(['It costs 19.99 dollars today']);
  });
});
