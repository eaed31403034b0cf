import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDomainLm, ensureDomainLm, OutOfVocabularyError } from './domain-lm.js';
import { resolveLanguageModel } from './lm-source.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-domain-lm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const templates = ['where is my {order|package}', 'my order number is {4|2} 19', 'yes', 'no'];

describe('domain language model', () => {
  it('writes an ARPA model and a dictionary of exactly the corpus words', async () => {
    const files = await buildDomainLm(templates, join(dir, 'built'));
    const arpa = readFileSync(files.lmPath, 'utf8');
    expect(arpa).toMatch(/^\\data\\\nngram 1=\d+\nngram 2=\d+\nngram 3=\d+\n/);
    const dictWords = new Set(
      readFileSync(files.dictPath, 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.split(' ')[0]?.replace(/\(\d+\)$/, '')),
    );
    expect([...dictWords].sort()).toEqual(
      ['is', 'my', 'no', 'number', 'order', 'package', 'where', 'yes', 'four', 'two', 'one', 'nine'].sort(),
    );
    // Alternative pronunciations come along ("zero(2)" style entries).
    expect(readFileSync(files.dictPath, 'utf8')).toMatch(/^order AO R D ER$/m);
  });

  it('names every word the dictionary lacks', async () => {
    const error = await buildDomainLm(['track my zorblax', 'where is my flimflorp'], join(dir, 'oov')).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OutOfVocabularyError);
    expect((error as OutOfVocabularyError).words).toEqual(['flimflorp', 'zorblax']);
    expect((error as Error).message).toMatch(/"flimflorp", "zorblax"/);
  });

  it('builds once per set of templates and reuses the cached model', async () => {
    const cache = join(dir, 'cache');
    const first = await ensureDomainLm(templates, cache);
    const builtAt = statSync(first.lmPath).mtimeMs;
    const again = await ensureDomainLm([...templates].reverse(), cache);
    expect(again).toEqual(first);
    expect(statSync(again.lmPath).mtimeMs).toBe(builtAt);
    const other = await ensureDomainLm([...templates, 'cancel my order'], cache);
    expect(other.lmPath).not.toBe(first.lmPath);
    // Concurrent first builds of the same templates agree on one model.
    const racing = await Promise.all([1, 2, 3].map(() => ensureDomainLm(['thank you goodbye'], cache)));
    expect(new Set(racing.map((f) => f.lmPath)).size).toBe(1);
    expect(readFileSync(racing[0]?.lmPath ?? '', 'utf8')).toContain('goodbye');
  });
});

describe('--lm argument', () => {
  it('accepts generic, a directory, a model file with its dictionary beside it, or a templates file', async () => {
    expect(await resolveLanguageModel('generic', dir)).toBe('generic');
    const built = await buildDomainLm(templates, join(dir, 'as-dir'));
    expect(await resolveLanguageModel(join(dir, 'as-dir'), dir)).toEqual(built);
    expect(await resolveLanguageModel(built.lmPath, dir)).toEqual(built);
    const phrases = join(dir, 'phrases.txt');
    writeFileSync(phrases, '# package phrases\nwhere is my order\n\ncancel my order\n');
    const fromTemplates = await resolveLanguageModel(phrases, join(dir, 'cli-cache'));
    expect(fromTemplates).not.toBe('generic');
    if (fromTemplates !== 'generic') {
      expect(readFileSync(fromTemplates.dictPath, 'utf8')).toMatch(/^cancel /m);
    }
  });

  it('explains a path that does not exist or a model without a dictionary', async () => {
    await expect(resolveLanguageModel(join(dir, 'nope.lm'), dir)).rejects.toThrow(/not found: .*nope\.lm/);
    const lonely = mkdtempSync(join(dir, 'lonely-'));
    writeFileSync(join(lonely, 'x.lm'), '\\data\\\n');
    await expect(resolveLanguageModel(join(lonely, 'x.lm'), dir)).rejects.toThrow(/no dictionary found/);
  });
});
