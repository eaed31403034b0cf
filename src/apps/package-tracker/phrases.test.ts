import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDomainLm, expandTemplates } from '../../engines/pocketsphinx/domain-lm.js';
import { type Intent, understand } from './intents.js';
import { PACKAGE_TRACKER_PHRASES } from './phrases.js';

describe('package tracker phrase templates', () => {
  const sentences = expandTemplates(PACKAGE_TRACKER_PHRASES);

  it('cover every intent the dialogue engine handles', () => {
    const seen = new Set<Intent>(sentences.map((s) => understand(s).intent));
    for (const intent of [
      'track',
      'cancel',
      'tracking_link',
      'human',
      'greeting',
      'goodbye',
      'thanks',
      'yes',
      'no',
      'number_only',
    ] satisfies Intent[]) {
      expect(seen, intent).toContain(intent);
    }
  });

  it('hold order numbers the engine reads back as digits', () => {
    const numbers = sentences.map((s) => understand(s).orderNumber).filter((n) => n !== undefined);
    expect(numbers.length).toBeGreaterThan(50);
    expect(numbers.every((n) => /^\d{3,8}$/.test(n as string))).toBe(true);
  });

  it('build a domain language model with every word in the dictionary', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parley-pt-lm-'));
    try {
      const { lmPath, dictPath } = await buildDomainLm(PACKAGE_TRACKER_PHRASES, dir);
      expect(await readFile(lmPath, 'utf8')).toContain('\\data\\');
      const dict = await readFile(dictPath, 'utf8');
      for (const word of ['four', 'nineteen', 'cancel', 'tracking', 'goodbye'])
        expect(dict).toMatch(new RegExp(`^${word} `, 'm'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
