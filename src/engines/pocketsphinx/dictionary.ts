/** Pronunciations for a domain model's words, taken from the stock CMU dictionary. */
import { readFile } from 'node:fs/promises';
import { EngineError } from '../types.js';
import { GENERIC_DICT_PATH } from './models.js';

export class OutOfVocabularyError extends EngineError {
  constructor(readonly words: string[]) {
    super(
      'domain-lm',
      `no pronunciation for ${words.map((w) => `"${w}"`).join(', ')} in the en-us dictionary`,
      'reword the phrase templates with dictionary words (write numbers and codes as words)',
    );
    this.name = 'OutOfVocabularyError';
  }
}

const loaded = new Map<string, Promise<Map<string, string[]>>>();

/** Word → its dictionary lines ("word PH ONES", then "word(2) ..." for variants); parsed once per path. */
export function loadDictionary(path = GENERIC_DICT_PATH): Promise<Map<string, string[]>> {
  let entries = loaded.get(path);
  if (!entries) {
    entries = parseDictionary(path);
    loaded.set(path, entries);
    entries.catch(() => loaded.delete(path));
  }
  return entries;
}

async function parseDictionary(path: string): Promise<Map<string, string[]>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new EngineError('domain-lm', `cannot read the dictionary ${path}`, 'run bash scripts/setup.sh', {
      cause: err,
    });
  }
  const entries = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const space = line.indexOf(' ');
    if (space <= 0) continue;
    const word = line.slice(0, space).replace(/\(\d+\)$/, '');
    const lines = entries.get(word);
    if (lines) lines.push(line.trimEnd());
    else entries.set(word, [line.trimEnd()]);
  }
  return entries;
}

/** The dictionary text for `words` (sorted); throws OutOfVocabularyError naming every missing word. */
export function dictionaryFor(words: Iterable<string>, entries: Map<string, string[]>): string {
  const sorted = [...new Set(words)].sort();
  const missing = sorted.filter((w) => !entries.has(w));
  if (missing.length > 0) throw new OutOfVocabularyError(missing);
  return `${sorted.flatMap((w) => entries.get(w) ?? []).join('\n')}\n`;
}
