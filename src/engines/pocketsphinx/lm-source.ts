/**
 * Turns a user's `--lm` argument into model files: 'generic', a directory holding a model
 * and dictionary, a model file with its dictionary beside it, or a text file of phrase
 * templates (one per line) to build a domain model from.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { EngineError } from '../types.js';
import { ensureDomainLm } from './domain-lm.js';
import type { LanguageModelFiles } from './models.js';

const MODEL_SUFFIXES = ['.lm.bin', '.lm.dmp', '.arpa', '.lm', '.dmp', '.bin'];
const DICT_SUFFIXES = ['.dic', '.dict'];

function modelStem(file: string): string | undefined {
  const suffix = MODEL_SUFFIXES.find((s) => file.endsWith(s));
  return suffix ? file.slice(0, -suffix.length) : undefined;
}

/** The dictionary for a model file: same name with .dic/.dict, else the only one beside it. */
function dictionaryBeside(lmPath: string): string {
  const stem = modelStem(lmPath) ?? lmPath;
  for (const s of DICT_SUFFIXES) if (existsSync(stem + s)) return stem + s;
  const dir = dirname(lmPath);
  const candidates = readdirSync(dir).filter((f) => DICT_SUFFIXES.some((s) => f.endsWith(s)));
  if (candidates.length === 1) return join(dir, candidates[0] as string);
  throw new EngineError(
    'pocketsphinx',
    `no dictionary found for ${lmPath}`,
    `put ${basename(stem)}.dic beside it (one "word PHONES" line per word)`,
  );
}

function modelInDirectory(dir: string): LanguageModelFiles {
  const models = readdirSync(dir).filter((f) => modelStem(f) !== undefined);
  const preferred =
    models.find((f) => f.startsWith('domain.')) ?? (models.length === 1 ? models[0] : undefined);
  if (!preferred) {
    throw new EngineError(
      'pocketsphinx',
      models.length === 0
        ? `no language model (.lm, .arpa, .lm.bin) in ${dir}`
        : `several language models in ${dir}`,
      'pass the model file itself with --lm',
    );
  }
  const lmPath = join(dir, preferred);
  return { lmPath, dictPath: dictionaryBeside(lmPath) };
}

/**
 * Resolves `spec`; phrase-template files are built (once, cached by content) under `cacheDir`.
 */
export async function resolveLanguageModel(
  spec: string,
  cacheDir: string,
): Promise<'generic' | LanguageModelFiles> {
  if (spec === 'generic') return 'generic';
  if (!existsSync(spec)) {
    throw new EngineError(
      'pocketsphinx',
      `language model not found: ${spec}`,
      "pass 'generic' or an existing path",
    );
  }
  if (statSync(spec).isDirectory()) return modelInDirectory(spec);
  if (modelStem(spec) !== undefined) return { lmPath: spec, dictPath: dictionaryBeside(spec) };
  const templates = (await readFile(spec, 'utf8'))
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  return ensureDomainLm(templates, cacheDir);
}
