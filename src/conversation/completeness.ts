import { normalizeForMatch, words } from './text-for-speech.js';
import type { TurnWords } from './turn-words.js';

/** Whether what the caller said so far sounds like a finished turn. */
export type Completeness = 'complete' | 'incomplete' | 'unknown';

const UNITS = new Set(['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine']);
const TEENS = new Set([
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
]);
const TENS = new Set(['twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety']);
const NUMBER_WORDS = new Set([
  'zero',
  'oh',
  'o',
  ...UNITS,
  ...TEENS,
  ...TENS,
  'hundred',
  'thousand',
  'double',
  'triple',
]);

/** Words a finished sentence rarely ends on: the caller is mid-thought. */
const DANGLING = new Set([
  'and',
  'or',
  'but',
  'so',
  'because',
  'um',
  'uh',
  'er',
  'erm',
  'hmm',
  'like',
  'the',
  'a',
  'an',
  'my',
  'your',
  'our',
  'their',
  'his',
  'her',
  'to',
  'of',
  'for',
  'with',
  'from',
  'in',
  'on',
  'at',
  'by',
  'is',
  'are',
  'was',
  'were',
  'its',
  "it's",
  'is',
  'if',
  'that',
  'which',
  'then',
  'about',
  'number',
  'than',
  'want',
  'need',
  'would',
  'could',
  'can',
  "i'm",
  'i',
  'we',
  'um,',
  'also',
  'plus',
]);

const QUESTION_WORDS = ['where', 'what', 'when', 'why', 'who', 'which', 'how'];

const QUESTION_OPENERS = new Set([
  ...QUESTION_WORDS,
  'is',
  'are',
  'can',
  'could',
  'would',
  'will',
  'do',
  'does',
  'did',
  'has',
  'have',
  'should',
]);

/** Turns that are whole on their own. */
const CLOSED_PHRASES = new Set([
  'yes',
  'yeah',
  'yep',
  'no',
  'nope',
  'okay',
  'ok',
  'thanks',
  'thank you',
  'thank you very much',
  'bye',
  'goodbye',
  'hello',
  'hi',
  'correct',
  'right',
  'sure',
  'yes please',
  'no thanks',
  'go ahead',
  'do it',
  'that is all',
  "that's all",
  "that's it",
]);

export interface CompletenessOptions {
  /** A trailing run of spoken digits shorter than this is an unfinished number. Default 4. */
  minDigitRun: number;
}

function isNumberWord(w: string): boolean {
  return NUMBER_WORDS.has(w) || /^\d+$/.test(w);
}

/** How many digits a run of spoken number words writes ("forty two" → 2, "four two one nine" → 4). */
export function spokenDigits(ws: string[]): number {
  let digits = 0;
  let afterTens = false;
  for (const w of ws) {
    if (/^\d+$/.test(w)) digits += w.length;
    else if (TENS.has(w)) digits += 2;
    else if (UNITS.has(w) && afterTens) digits += 0;
    else if (w === 'hundred' || w === 'thousand') digits += w === 'hundred' ? 2 : 3;
    else if (w === 'double') digits += 1;
    else if (w === 'triple') digits += 2;
    else if (TEENS.has(w)) digits += 2;
    else if (NUMBER_WORDS.has(w)) digits += 1;
    afterTens = TENS.has(w);
  }
  return digits;
}

/**
 * Words that announce a number the caller is about to read out, in any domain ("my number is…").
 * Which things have numbers (an order, a postcode, a booking) is the agent's to say.
 */
const NUMBER_CUES = new Set(['number']);

/**
 * Words that make a statement a request or a complaint of its own in any domain ("can you check
 * it", "it hasn't come"): the caller said what they want. Domain verbs ("refund") come from the agent.
 */
const REQUEST_WORDS = new Set([
  ...QUESTION_WORDS,
  'check',
  'tell',
  'know',
  'find',
  'stop',
  // A negated auxiliary states the problem ("it hasn't arrived", "it doesn't work").
  "hasn't",
  "haven't",
  "hadn't",
  "didn't",
  "doesn't",
  "don't",
  "wasn't",
  "weren't",
  "isn't",
  "aren't",
  "won't",
  "can't",
]);

interface Lexicon {
  requestWords: ReadonlySet<string>;
  numberCues: ReadonlySet<string>;
}

const NO_WORDS: TurnWords = {};
const lexicons = new WeakMap<TurnWords, Lexicon>();

/** The general words plus an agent's, normalized like transcripts; built once per agent's word list. */
function lexicon(turnWords: TurnWords): Lexicon {
  let built = lexicons.get(turnWords);
  if (!built) {
    const norm = (ws: readonly string[] = []) => ws.map((w) => normalizeForMatch(w)).filter(Boolean);
    built = {
      requestWords: new Set([...REQUEST_WORDS, ...norm(turnWords.requestWords)]),
      numberCues: new Set([...NUMBER_CUES, ...norm(turnWords.numberCues)]),
    };
    lexicons.set(turnWords, built);
  }
  return built;
}

const LINKING = new Set(['is', 'was', "it's", 'its', 'of', 'um', 'uh', 'er']);

/**
 * Digits read out after a number cue ("my order number is four two"), allowing one stray word
 * the recognizer may have inserted ("forty you one nine"); undefined when no number was announced.
 */
function announcedDigits(ws: string[], cues: Lexicon['numberCues']): number | undefined {
  let cue = -1;
  for (let i = ws.length - 1; i >= 0; i--) {
    if (cues.has(ws[i] as string)) {
      cue = i;
      break;
    }
  }
  if (cue < 0) return undefined;
  const after = ws.slice(cue + 1).filter((w) => !LINKING.has(w));
  const numbers = after.filter(isNumberWord);
  if (numbers.length === 0 || after.length - numbers.length > 1) return undefined;
  return spokenDigits(after);
}

/** Lexical judgement of a (partial) transcript, with the agent's words on top of the general ones. */
export function lexicalCompleteness(
  text: string,
  turnWords: TurnWords = NO_WORDS,
  opts: CompletenessOptions = { minDigitRun: 4 },
): Completeness {
  const normalized = normalizeForMatch(text);
  const ws = words(normalized);
  const last = ws[ws.length - 1];
  if (!last) return 'unknown';
  if (CLOSED_PHRASES.has(normalized)) return 'complete';
  if (DANGLING.has(last)) return 'incomplete';
  let runStart = ws.length;
  while (runStart > 0 && isNumberWord(ws[runStart - 1] as string)) runStart--;
  const digitRun = spokenDigits(ws.slice(runStart));
  const announced = announcedDigits(ws, lexicon(turnWords).numberCues);
  if (announced !== undefined) {
    if (announced < opts.minDigitRun) return 'incomplete';
  } else if (digitRun > 0 && digitRun < opts.minDigitRun) {
    return 'incomplete';
  }
  const first = ws[0] as string;
  if (QUESTION_OPENERS.has(first) && ws.length >= 3) return 'complete';
  return 'unknown';
}

/**
 * Acoustic cue: a finished sentence usually fades (energy drops over its last syllable),
 * while a pause mid-sentence cuts off at full level. `levelsDb` are the turn's speech frames.
 */
export function endingFalls(levelsDb: number[], dropDb = 6): boolean {
  const finite = levelsDb.filter((l) => Number.isFinite(l));
  if (finite.length < 6) return false;
  const sorted = [...finite].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  const tail = finite.slice(-2);
  const tailMean = tail.reduce((a, b) => a + b, 0) / tail.length;
  return tailMean <= median - dropDb;
}

/** Phrases that announce what the call is about rather than ask for anything. */
const ANNOUNCEMENTS = [
  /\b(calling|ringing|phoning|writing)\b/,
  /\b(question|questions|query|enquiry|inquiry|issue|problem)\b/,
  /^((so|well|um|uh|er|okay|ok|right|yeah|hi|hello)\s)*(about|regarding)\b/,
  /\b(it's|it is|this is)\s(about|regarding)\b/,
];

/**
 * "I'm calling about my order", "I have a question about my package", "so about my order":
 * the caller announced a topic and has not yet said what they want, so a breath after it is
 * not the end of the turn, however final it sounds.
 */
export function isPreamble(text: string, turnWords: TurnWords = NO_WORDS): boolean {
  const normalized = normalizeForMatch(text);
  const ws = words(normalized);
  if (ws.length === 0 || CLOSED_PHRASES.has(normalized)) return false;
  const { requestWords } = lexicon(turnWords);
  if (ws.some((w) => requestWords.has(w))) return false;
  if (ws.some((w) => isNumberWord(w) && w !== 'oh' && w !== 'o')) return false;
  return ANNOUNCEMENTS.some((re) => re.test(normalized));
}

/**
 * Both cues: the words decide when they can; a falling ending settles the undecided ones,
 * except a preamble, which sounds final but announces more to come.
 */
export function judgeCompleteness(
  text: string,
  levelsDb: number[],
  turnWords: TurnWords = NO_WORDS,
): Completeness {
  const lexical = lexicalCompleteness(text, turnWords);
  if (lexical !== 'unknown') return lexical;
  if (isPreamble(text, turnWords)) return 'unknown';
  return endingFalls(levelsDb) ? 'complete' : 'unknown';
}

const BACKCHANNELS = new Set([
  'mhm',
  'mm',
  'mmhm',
  'mm hmm',
  'uh huh',
  'uh-huh',
  'okay',
  'ok',
  'right',
  'yeah',
  'yes',
  'yep',
  'sure',
  'i see',
  'got it',
  'alright',
  'all right',
  'hmm',
]);

/** "mhm", "okay", "right", "uh huh", "yeah": acknowledgement, not a turn. */
export function isBackchannel(text: string): boolean {
  return BACKCHANNELS.has(normalizeForMatch(text).replace(/-/g, ' '));
}

const AFFIRMATIVE =
  /^(yes|yeah|yep|yup|sure|correct|right|ok|okay)?\s*(yes|yeah|yep|please|correct|go ahead|do it|that's right|that is right|confirm|sure)?\s*(please|go ahead|do it)?$/;

/** A yes-word that opens a confirmation the caller then spells out ("yes, cancel order 4219"). */
const LEADING_YES = /^(yes|yeah|yep|yup|sure|correct|okay|ok)\b/;

/** Anything that takes a yes back or hedges it: "yes but…", "yes, actually wait", "yes, where…". */
const NEGATION =
  /\b(no|not|nope|don't|dont|never|wait|stop|hold on|cancel that|but|actually|instead|where|what|when|why|which|who|how)\b/;

/**
 * A clear yes to a confirmation question: "yes", "yes please", "correct", "go ahead", "do it",
 * or a yes-word followed by the action it confirms ("yes cancel it"), never with a negation.
 */
export function isAffirmative(text: string): boolean {
  const normalized = normalizeForMatch(text);
  if (normalized.length === 0) return false;
  if (NEGATION.test(normalized)) return false;
  return AFFIRMATIVE.test(normalized) || LEADING_YES.test(normalized);
}
