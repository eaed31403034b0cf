/** Where the Debian pocketsphinx-en-us models live, and the decoder flags Parley uses. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../types.js';

export const MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
export const ACOUSTIC_MODEL_DIR = join(MODEL_DIR, 'en-us');
export const GENERIC_LM_PATH = join(MODEL_DIR, 'en-us.lm.bin');
export const GENERIC_DICT_PATH = join(MODEL_DIR, 'cmudict-en-us.dict');

export interface LanguageModelFiles {
  /** ARPA text (.lm/.arpa) or binary (.lm.bin/.dmp) n-gram model. */
  lmPath: string;
  /** Pronunciation dictionary covering the model's words. */
  dictPath: string;
}

export const GENERIC_LM: LanguageModelFiles = { lmPath: GENERIC_LM_PATH, dictPath: GENERIC_DICT_PATH };

const SETUP_FIX = 'run bash scripts/setup.sh (it installs pocketsphinx-en-us)';

/** Throws an EngineError naming the missing file and the fix. */
export function checkModelFiles(lm: LanguageModelFiles): void {
  const required: [string, string, string][] = [
    ['acoustic model', join(ACOUSTIC_MODEL_DIR, 'mdef'), SETUP_FIX],
    [
      'language model',
      lm.lmPath,
      lm.lmPath === GENERIC_LM_PATH ? SETUP_FIX : 'rebuild the domain language model',
    ],
    [
      'dictionary',
      lm.dictPath,
      lm.dictPath === GENERIC_DICT_PATH ? SETUP_FIX : 'rebuild the domain language model',
    ],
  ];
  for (const [what, path, fix] of required) {
    if (!existsSync(path)) throw new EngineError('pocketsphinx', `${what} not found at ${path}`, fix);
  }
}

/**
 * Decoder flags. The single forward-tree pass is used alone: on the recordings we measured,
 * the extra flat-lexicon and lattice passes cost ~270 ms at the end of each utterance and
 * did not lower the word error rate.
 */
export function decoderArgs(lm: LanguageModelFiles): string[] {
  return [
    'parley',
    '-hmm',
    ACOUSTIC_MODEL_DIR,
    '-lm',
    lm.lmPath,
    '-dict',
    lm.dictPath,
    '-fwdflat',
    'no',
    '-bestpath',
    'no',
  ];
}
