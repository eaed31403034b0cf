import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDomainLm, expandTemplates } from '../../engines/pocketsphinx/domain-lm.js';
import { policyTopicIn, refundMethodIn, returnReasonIn, understandStore } from './intents.js';
import { STORE_CONTROLLER_PHRASES } from './phrases.js';

describe('store controller understanding', () => {
  it.each([
    ['i want to return my order', 'return'],
    ['i would like a refund for order one two three four', 'return'],
    ['the item arrived broken', 'return'],
    ['store credit for order one two three four please', 'return'],
    ['how long do refunds take', 'policy'],
    ['can i get store credit', 'policy'],
    ['where is my order four two one nine', 'track'],
    ['why is my order late', 'track'],
    ['cancel my order', 'cancel'],
    ["no don't cancel it", 'no'],
  ])('%s → %s', (text, intent) => {
    expect(understandStore(text).intent).toBe(intent);
  });

  it('reads the reasons callers give', () => {
    expect(returnReasonIn('it came crushed')).toBe('damaged');
    expect(returnReasonIn("it doesn't work")).toBe('defective');
    expect(returnReasonIn('you sent me the wrong size')).toBe('wrong_size');
    expect(returnReasonIn('you sent me the wrong color')).toBe('wrong_item');
    expect(returnReasonIn("i don't need it anymore")).toBe('not_needed');
    expect(returnReasonIn('it took too long')).toBe('late');
    expect(returnReasonIn('just because')).toBeUndefined();
  });

  it('tells a credit card from store credit, and a bare refund only as an answer', () => {
    expect(refundMethodIn('put it on my credit card', false)).toBe('original_payment');
    expect(refundMethodIn('store credit is fine', false)).toBe('store_credit');
    expect(refundMethodIn('i want a refund', false)).toBeUndefined();
    expect(refundMethodIn('a refund please', true)).toBe('original_payment');
  });

  it('asks about policy only with a question', () => {
    expect(policyTopicIn('how long do i have to return it')).toBe('return_window');
    expect(policyTopicIn('is return shipping free')).toBe('return_shipping');
    expect(policyTopicIn('store credit please')).toBeUndefined();
  });
});

describe('store controller phrases', () => {
  const sentences = expandTemplates(STORE_CONTROLLER_PHRASES);

  it('cover returns, policy questions and the package tracker intents', () => {
    const seen = new Set(sentences.map((s) => understandStore(s).intent));
    for (const intent of ['return', 'policy', 'track', 'cancel', 'tracking_link', 'yes', 'no', 'number_only'])
      expect(seen, intent).toContain(intent);
    expect(new Set(sentences.map((s) => returnReasonIn(s))).size).toBeGreaterThanOrEqual(6);
  });

  it('build a language model with every word in the dictionary', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parley-store-lm-'));
    try {
      await buildDomainLm(STORE_CONTROLLER_PHRASES, dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('store controller understanding of misheard questions', () => {
  it('still asks about policy when "how long" comes out as "hello long"', () => {
    expect(policyTopicIn('hello long do refunds take')).toBe('refund_timing');
    expect(policyTopicIn('hello long does a refund take')).toBe('refund_timing');
    expect(understandStore('i want a refund for order one two three four').intent).toBe('return');
  });
});
