import { describe, expect, it } from 'vitest';
import { digitsToWords, extractOrderNumber, numberRuns } from './numbers.js';

describe('spoken order numbers', () => {
  it.each([
    ['four two one nine', '4219'],
    ['forty two nineteen', '4219'],
    ['where is my order number four two one nine', '4219'],
    ['my order is four two, um, one nine', '4219'],
    ['one oh oh one', '1001'],
    ['six oh six oh one', '60601'],
    ['double seven seven seven', '7777'],
    ['forty two hundred', '4200'],
    ['four thousand two hundred nineteen', '4219'],
    ['it is 4219 I think', '4219'],
    ['order 4 2 1 9', '4219'],
    ['eighty six seventy five', '8675'],
    ['twenty twenty', '2020'],
    ['thirty one forty one', '3141'],
    ['four to one nine', '4219'],
    ['i want to cancel four two one nine', '4219'],
  ])('reads "%s" as %s', (spoken, digits) => {
    expect(extractOrderNumber(spoken)).toBe(digits);
  });

  it('ignores counts that are too short to be an order number', () => {
    expect(extractOrderNumber('I have two questions about one order')).toBeUndefined();
    expect(numberRuns('I have two questions')).toEqual(['2']);
  });

  it('takes the last number the caller said when they correct themselves', () => {
    expect(extractOrderNumber('order one two three four, no sorry, four two one nine')).toBe('4219');
  });

  it('reads order numbers back digit by digit', () => {
    expect(digitsToWords('4219')).toBe('four two one nine');
    expect(digitsToWords('1001')).toBe('one zero zero one');
  });
});
