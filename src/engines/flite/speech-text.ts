/**
 * Text as the speech engines should see it. Replies are cleaned of markdown and emoji upstream;
 * this is the last line of defence, so a stray symbol is dropped rather than spelled out
 * ("asterisk") or fed as bytes the engine's English front end cannot read. Numbers and words are
 * left exactly as the app wrote them: the app decides whether "12345" is a number or digits.
 */

const PUNCTUATION_TO_ASCII: Record<string, string> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201a': "'",
  '\u201b': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u201e': '"',
  '\u2013': ', ',
  '\u2014': ', ',
  '\u2026': '...',
  '\u00a0': ' ',
};

const MARKDOWN_LINK = /\[([^\]]*)\]\([^)]*\)/g;
const MARKDOWN_SYMBOLS = /[*_#`~>|\\]+/g;
const PICTOGRAPHS = /\p{Extended_Pictographic}/gu;
const COMBINING_MARKS = /\p{M}+/gu;
const NOT_PRINTABLE_ASCII = /[^\x20-\x7e]+/g;

export function prepareSpeechText(text: string): string {
  return (
    text
      .replace(MARKDOWN_LINK, '$1')
      .replace(/[\u2018-\u201e\u2013\u2014\u2026\u00a0]/g, (c) => PUNCTUATION_TO_ASCII[c] ?? ' ')
      .replace(PICTOGRAPHS, ' ')
      // "café" → "cafe": the English front end reads unaccented letters.
      .normalize('NFKD')
      .replace(COMBINING_MARKS, '')
      .replace(MARKDOWN_SYMBOLS, ' ')
      .replace(NOT_PRINTABLE_ASCII, ' ')
      .replace(/\s+/g, ' ')
      .trim()
  );
}

const ABBREVIATIONS = new Set([
  'mr',
  'mrs',
  'ms',
  'dr',
  'st',
  'no',
  'vs',
  'etc',
  'e.g',
  'i.e',
  'approx',
  'jr',
  'sr',
]);

/**
 * Splits prepared text into sentences so synthesis can start speaking the first one before the
 * rest is planned. Splits only after . ! ? followed by a space and a capital or digit, and not
 * after common abbreviations ("Dr. Smith").
 */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  const boundary = /[.!?]+["')]?\s+(?=["'(]?[A-Z0-9])/g;
  let start = 0;
  for (let m = boundary.exec(text); m; m = boundary.exec(text)) {
    const lastWord = /(\S+)$/.exec(text.slice(start, m.index))?.[1]?.toLowerCase() ?? '';
    if (m[0].startsWith('.') && ABBREVIATIONS.has(lastWord)) continue;
    const end = m.index + m[0].length;
    sentences.push(text.slice(start, end).trim());
    start = end;
  }
  const rest = text.slice(start).trim();
  if (rest) sentences.push(rest);
  return sentences;
}
