/**
 * Domain language models: an app's phrase templates → a trigram model and a dictionary of
 * just their words, which recognizes in-domain speech far better than the generic model.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '../types.js';
import { buildArpa } from './arpa.js';
import { dictionaryFor, loadDictionary } from './dictionary.js';
import type { LanguageModelFiles } from './models.js';
import { expandTemplates } from './templates.js';

export { OutOfVocabularyError } from './dictionary.js';
export { expandTemplates, normalizeText, TemplateError } from './templates.js';

/** Bump when the model construction changes, so cached models are rebuilt. */
const BUILDER_VERSION = 1;
const LM_FILE = 'domain.lm';
const DICT_FILE = 'domain.dic';
const CORPUS_FILE = 'corpus.txt';

function filesIn(dir: string): LanguageModelFiles {
  return { lmPath: join(dir, LM_FILE), dictPath: join(dir, DICT_FILE) };
}

/**
 * Writes `domain.lm` (ARPA trigram), `domain.dic` and `corpus.txt` (the expanded sentences)
 * into `outDir`. Throws OutOfVocabularyError naming any word the dictionary lacks.
 */
export async function buildDomainLm(templates: string[], outDir: string): Promise<LanguageModelFiles> {
  const sentences = expandTemplates(templates);
  if (sentences.length === 0) {
    throw new EngineError('domain-lm', 'the phrase templates hold no words');
  }
  const tokenized = sentences.map((s) => s.split(' '));
  const dictionary = dictionaryFor(tokenized.flat(), await loadDictionary());
  await mkdir(outDir, { recursive: true });
  const files = filesIn(outDir);
  await writeFile(files.lmPath, buildArpa(tokenized));
  await writeFile(files.dictPath, dictionary);
  await writeFile(join(outDir, CORPUS_FILE), `${sentences.join('\n')}\n`);
  return files;
}

/** Same templates → same key, whatever their order. */
function templatesKey(templates: string[]): string {
  const canonical = JSON.stringify({ version: BUILDER_VERSION, templates: [...templates].sort() });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/**
 * The domain model for `templates`, built once into `cacheDir/domain-lm-<hash>/` and reused
 * afterwards. Concurrent callers are safe: each builds aside and the first rename wins.
 */
export async function ensureDomainLm(templates: string[], cacheDir: string): Promise<LanguageModelFiles> {
  const dir = join(cacheDir, `domain-lm-${templatesKey(templates)}`);
  const files = filesIn(dir);
  if (existsSync(files.lmPath) && existsSync(files.dictPath)) return files;
  await mkdir(cacheDir, { recursive: true });
  const staging = await mkdtemp(join(cacheDir, '.domain-lm-build-'));
  try {
    await buildDomainLm(templates, staging);
    try {
      await rename(staging, dir);
    } catch (err) {
      // Another builder finished first; its model is the same.
      if (!(existsSync(files.lmPath) && existsSync(files.dictPath))) throw err;
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return files;
}
