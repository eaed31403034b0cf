/** What a caller's turn asks for, by keyword cues robust to recognizer slips. */
import { extractOrderNumber, tokenize } from './numbers.js';

export type Intent =
  | 'track'
  | 'cancel'
  | 'tracking_link'
  | 'human'
  | 'greeting'
  | 'goodbye'
  | 'thanks'
  | 'yes'
  | 'no'
  /** Only an order number ("four two one nine"): an answer to our question. */
  | 'number_only'
  | 'unknown';

export interface Understanding {
  intent: Intent;
  orderNumber?: string;
}

const CUES: [Exclude<Intent, 'number_only' | 'unknown'>, RegExp][] = [
  ['cancel', /\b(cancel\w*|call off|don'?t want (it|the order|my order)|stop (the|my) order)\b/],
  ['tracking_link', /\b(tracking (link|number|url|code)|link|text me|send (me|it))\b/],
  ['human', /\b(human|person|agent|representative|operator|someone|somebody|manager|real people)\b/],
  [
    'track',
    /\b(where|status|track\w*|when|arriv\w*|deliver\w*|package|parcel|shipment|ship\w*|late|delay\w*|coming|check)\b/,
  ],
  ['goodbye', /\b(bye|goodbye|that'?s (all|it)|that is (all|it)|hang up|nothing else|no more)\b/],
  ['thanks', /\b(thanks|thank you|thank|cheers|appreciate)\b/],
  ['greeting', /\b(hi|hello|hey|good (morning|afternoon|evening)|howdy)\b/],
];

const YES =
  /^(yes|yeah|yep|yup|sure|correct|right|ok|okay|please|do it|go ahead|that's right|absolutely|affirmative)\b/;
const NO = /^(no|nope|nah|don'?t|do not|never ?mind|not now|wait|stop)\b/;

/** Filler the caller may put in front of "yes"/"no" ("uh, yes please"). */
function trimLead(words: string[]): string[] {
  let i = 0;
  while (i < words.length && ['um', 'uh', 'er', 'oh', 'well', 'so'].includes(words[i] as string)) i++;
  return words.slice(i);
}

/** Whether the turn opens with a yes ("yes please ship…"): the session arms a pending confirmation on it. */
export function leadsWithYes(text: string): boolean {
  return YES.test(trimLead(tokenize(text)).join(' '));
}

export function understand(text: string): Understanding {
  const words = tokenize(text);
  const normalized = words.join(' ');
  const orderNumber = extractOrderNumber(text);
  const base: Understanding = { intent: 'unknown' };
  if (orderNumber) base.orderNumber = orderNumber;
  if (words.length === 0) return base;

  const lead = trimLead(words).join(' ');
  // A bare yes/no is an answer, checked before cues ("no thanks" is a no; "yes where is it" is a track).
  const answer = YES.test(lead) ? 'yes' : NO.test(lead) ? 'no' : undefined;

  for (const [intent, cue] of CUES) {
    if (!cue.test(normalized)) continue;
    // "Yes, thanks" or "no thank you" answer the question rather than close the call.
    if (answer && (intent === 'thanks' || intent === 'greeting')) break;
    if (answer === 'no' && intent === 'goodbye') return { ...base, intent: 'goodbye' };
    // "No, don't cancel it" refuses the cancellation it names.
    if (answer === 'no' && intent === 'cancel') return { ...base, intent: 'no' };
    return { ...base, intent };
  }
  if (answer) return { ...base, intent: answer };
  if (orderNumber) return { ...base, intent: 'number_only' };
  return base;
}
