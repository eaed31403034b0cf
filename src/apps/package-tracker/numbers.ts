/**
 * Spoken numbers as callers say them ("four two one nine", "forty two nineteen", "oh five",
 * "double seven", "four thousand two hundred nineteen", or digits) turned into digit strings,
 * and digit strings turned back into words the synthesizer reads one digit at a time.
 */

const DIGITS: Record<string, number> = {
  zero: 0,
  oh: 0,
  o: 0,
  nought: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
};

const TEENS: Record<string, number> = {
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
};

const TENS: Record<string, number> = {
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};

const DIGIT_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

/** Words a caller drops inside a number without ending it ("four two, um, one nine"). */
const FILLERS = new Set(['um', 'uh', 'er', 'erm', 'ah', 'and']);

/** Lower-case word tokens; digits and hyphenated numbers ("forty-two") split into words. */
export function tokenize(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[-_]/g, ' ')
    .replace(/(\d)/g, ' $1 ')
    .split(/[^a-z0-9']+/)
    .filter((w) => w.length > 0);
}

function isNumberWord(word: string): boolean {
  return (
    word in DIGITS ||
    word in TEENS ||
    word in TENS ||
    /^\d$/.test(word) ||
    word === 'hundred' ||
    word === 'thousand' ||
    word === 'double' ||
    word === 'triple'
  );
}

function digitValue(word: string): number | undefined {
  if (/^\d$/.test(word)) return Number(word);
  return DIGITS[word];
}

/** A run that counts ("four thousand two hundred nineteen") is read as a cardinal number. */
function parseCardinal(words: string[]): string | undefined {
  let total = 0;
  let current = 0;
  for (const w of words) {
    const d = digitValue(w);
    if (d !== undefined) current += d;
    else if (w in TEENS) current += TEENS[w] as number;
    else if (w in TENS) current += TENS[w] as number;
    else if (w === 'hundred') current = (current || 1) * 100;
    else if (w === 'thousand') {
      total += (current || 1) * 1000;
      current = 0;
    } else return undefined;
  }
  return String(total + current);
}

/**
 * A run of number words read digit group by digit group, the way people read codes:
 * "four two one nine" → 4219, "forty two nineteen" → 4219, "oh five" → 05, "double seven" → 77.
 * "forty two hundred" is a cardinal group inside the run (4200).
 */
function parseDigitGroups(words: string[]): string {
  let out = '';
  let repeat = 1;
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    const next = words[i + 1];
    if (w === 'double' || w === 'triple') {
      repeat = w === 'double' ? 2 : 3;
      continue;
    }
    const d = digitValue(w);
    if (d !== undefined) {
      if (next === 'hundred') {
        out += String(d * 100 + hundredRest(words, i + 2));
        i = skipHundredRest(words, i + 2) - 1;
      } else out += String(d).repeat(repeat);
    } else if (w in TEENS) {
      out += String(TEENS[w]);
      if (next === 'hundred') {
        out += String(hundredRest(words, i + 2)).padStart(2, '0');
        i = skipHundredRest(words, i + 2) - 1;
      }
    } else if (w in TENS) {
      const unit = next !== undefined ? DIGITS[next] : undefined;
      const tens = TENS[w] as number;
      if (unit !== undefined && unit > 0 && next !== 'oh' && next !== 'o') {
        out += String(tens + unit);
        i++;
      } else out += String(tens);
      if (words[i + 1] === 'hundred') {
        out += String(hundredRest(words, i + 2)).padStart(2, '0');
        i = skipHundredRest(words, i + 2) - 1;
      }
    }
    repeat = 1;
  }
  return out;
}

/** The value after "hundred" in "forty two hundred nineteen" (0 when nothing follows). */
function hundredRest(words: string[], from: number): number {
  const w = words[from];
  if (w === undefined) return 0;
  if (w in TEENS) return TEENS[w] as number;
  if (w in TENS) {
    const unit = words[from + 1] !== undefined ? DIGITS[words[from + 1] as string] : undefined;
    return (TENS[w] as number) + (unit ?? 0);
  }
  const d = DIGITS[w];
  return d ?? 0;
}

function skipHundredRest(words: string[], from: number): number {
  const w = words[from];
  if (w === undefined) return from;
  if (w in TEENS) return from + 1;
  if (w in TENS)
    return words[from + 1] !== undefined && (words[from + 1] as string) in DIGITS ? from + 2 : from + 1;
  return w in DIGITS ? from + 1 : from;
}

/** Recognizer homophones of digits, read as digits only between two number words ("four to one nine"). */
const HOMOPHONES: Record<string, string> = { to: 'two', too: 'two', for: 'four', won: 'one', ate: 'eight' };

function resolveHomophones(words: string[]): string[] {
  return words.map((w, i) => {
    const digit = HOMOPHONES[w];
    const before = words[i - 1];
    const after = words[i + 1];
    return digit && before && after && isNumberWord(before) && isNumberWord(after) ? digit : w;
  });
}

/** Every maximal run of number words in the text, each as a digit string. */
export function numberRuns(text: string): string[] {
  const words = resolveHomophones(tokenize(text));
  const runs: string[] = [];
  let run: string[] = [];
  const flush = () => {
    while (run.length > 0 && FILLERS.has(run[run.length - 1] as string)) run.pop();
    if (run.length > 0) runs.push(parseRun(run));
    run = [];
  };
  for (const w of words) {
    if (isNumberWord(w)) run.push(w);
    else if (run.length > 0 && FILLERS.has(w)) run.push(w);
    else flush();
  }
  flush();
  return runs.filter((r) => r.length > 0);
}

function parseRun(run: string[]): string {
  const words = run.filter((w) => !FILLERS.has(w));
  // "four thousand two hundred nineteen" counts; "forty two hundred" still reads as a code.
  if (words.includes('thousand')) return parseCardinal(words) ?? parseDigitGroups(words);
  return parseDigitGroups(words);
}

/** Order numbers are 3–8 digits; the caller's last such number in the text wins. */
export function extractOrderNumber(text: string): string | undefined {
  const runs = numberRuns(text).filter((r) => /^\d{3,8}$/.test(r));
  return runs[runs.length - 1];
}

/** "4219" → "four two one nine": codes are read digit by digit. */
export function digitsToWords(digits: string): string {
  return [...digits].map((c) => DIGIT_WORDS[Number(c)] ?? c).join(' ');
}

export const DIGIT_WORD_LIST: readonly string[] = DIGIT_WORDS;
