/**
 * What a store caller asks beyond the package tracker's intents: a return (with its slots:
 * reason and refund method) or a refund-policy question, by keyword cues robust to recognizer slips.
 */
import { type Understanding, understand } from '../package-tracker/intents.js';
import { tokenize } from '../package-tracker/numbers.js';
import type { PolicyTopic, RefundMethod, ReturnReason } from './returns.js';

export type StoreIntent = 'return' | 'policy';

export interface StoreUnderstanding {
  intent: StoreIntent | Understanding['intent'];
  orderNumber?: string;
  topic?: PolicyTopic;
}

/** Most specific first: "wrong size" before "wrong", "doesn't work" before "don't want". */
const REASONS: [ReturnReason, RegExp][] = [
  [
    'wrong_size',
    /\b(wrong size|too (small|big|large|tight|loose)|(doesn'?t|does not|didn'?t|did not) fit)\b/,
  ],
  [
    'defective',
    /\b(defective|faulty|(doesn'?t|does not|didn'?t|did not|won'?t|will not) (work|turn on|start|charge)|stopped working|not working|broke down)\b/,
  ],
  ['damaged', /\b(damaged?|broken|crushed|cracked|smashed|dented|torn|ripped|shattered|scratched|leaking)\b/],
  ['wrong_item', /\b(wrong|not what i (ordered|asked for)|different (item|thing|product)|mix ?up)\b/],
  ['late', /\b(late|too long|took forever|too slow|delayed)\b/],
  [
    'not_needed',
    /\b((don'?t|do not|didn'?t|did not) (need|want|like)|no longer|changed my mind|not needed|unwanted|anymore|not for me)\b/,
  ],
];

/** How the reasons are said back in the confirmation and spoken summaries. */
export const REASON_WORDS: Record<ReturnReason, string> = {
  damaged: 'it arrived damaged',
  defective: "it doesn't work",
  wrong_item: 'it was the wrong item',
  wrong_size: "it doesn't fit",
  not_needed: "you don't need it",
  late: 'it arrived late',
};

export function returnReasonIn(text: string): ReturnReason | undefined {
  const t = tokenize(text).join(' ');
  return REASONS.find(([, cue]) => cue.test(t))?.[0];
}

/**
 * The refund method a caller names. "Credit card" is their original payment, not store credit.
 * A bare "refund" or "money back" counts only as an answer to our question: as a request
 * ("I want a refund") it does not say which kind.
 */
export function refundMethodIn(text: string, answeringQuestion: boolean): RefundMethod | undefined {
  const t = tokenize(text).join(' ');
  if (
    /\b(original|credit card|debit card|my card|the card|same (card|way|payment)|bank|paypal|cash)\b/.test(t)
  )
    return 'original_payment';
  if (/\b(store credit|credit|gift card|voucher|account balance)\b/.test(t)) return 'store_credit';
  if (answeringQuestion && /\b(refund|money( back)?|first( one)?|pay(ment)? back)\b/.test(t))
    return 'original_payment';
  if (answeringQuestion && /\b(second( one)?|the other( one)?|later one)\b/.test(t)) return 'store_credit';
  return undefined;
}

const POLICY_TOPIC_CUES: [PolicyTopic, RegExp][] = [
  [
    'return_window',
    /\b(how long do i have|how many days do i have|return window|deadline|time limit|too late to (return|send)|within how|(how long|how many days) (can|to) (i )?(return|send))\b/,
  ],
  [
    'refund_timing',
    /\b((how long|how soon|how quickly|how fast|how many days|when)\b.*\b(refund|money|paid|credit)|refunds? (take|takes)|take to (refund|get))\b/,
  ],
  [
    'return_shipping',
    /\b(shipping|postage|label|pay for (the )?return|free returns?|cost (to|of) (return|send))\b/,
  ],
  ['store_credit', /\b(store credit|gift card)\b/],
  ['damaged_items', /\b(damaged|broken)\b.*\b(policy|refunded|full)\b/],
  ['overview', /\b(polic(y|ies)|rules|how do (returns|refunds) work)\b/],
];

/**
 * A question about the policy rather than a request (transcripts carry no question marks): a
 * question word first, or an inverted auxiliary anywhere, since the recognizer often hears
 * "how long" as "hello long" ("hello long do refunds take").
 */
const QUESTION =
  /^((so|and|um|uh|hi|hello|okay|also) )*(how|what|when|can|could|do|does|is|are|will|would|if|tell me)\b|\b(do|does|did|can|could|will|would|is|are) (i|you|we|refunds?|a refund|returns?|it|they|store credit)\b|\bpolic(y|ies)\b/;

export function policyTopicIn(text: string): PolicyTopic | undefined {
  const t = tokenize(text).join(' ');
  if (!QUESTION.test(t)) return undefined;
  return POLICY_TOPIC_CUES.find(([, cue]) => cue.test(t))?.[0];
}

const RETURN_CUE =
  /\b(return\w*|send (it|this|them|that|everything) back|take (it|this|them) back|refund\w*|money back|exchange)\b/;

/** Words the caller uses to ask for a return (also a turn-taking hint: a request of its own). */
export const RETURN_REQUEST_WORDS = ['return', 'refund', 'exchange', 'damaged', 'broken', 'credit', 'policy'];

export function hasReturnCue(text: string): boolean {
  return RETURN_CUE.test(tokenize(text).join(' '));
}

/**
 * The store's reading of a turn: a policy question, a return request (a return word, or a
 * complaint about the item itself: damaged, faulty, wrong), or else the package tracker's.
 */
export function understandStore(text: string): StoreUnderstanding {
  const base = understand(text);
  const out: StoreUnderstanding = { intent: base.intent };
  if (base.orderNumber) out.orderNumber = base.orderNumber;
  const topic = policyTopicIn(text);
  if (topic) return { ...out, intent: 'policy', topic };
  // "No, don't cancel it" stays a no, but "cancel it and refund me" is still a return-ish request.
  if (hasReturnCue(text) && base.intent !== 'no' && base.intent !== 'cancel')
    return { ...out, intent: 'return' };
  const reason = returnReasonIn(text);
  const asksWhere = /\b(where|when|status|track)\b/.test(tokenize(text).join(' '));
  if (reason && reason !== 'late' && reason !== 'not_needed' && !asksWhere)
    return { ...out, intent: 'return' };
  // "Store credit for order one two three four, please": naming a refund method asks for one.
  const unplaced = base.intent === 'unknown' || base.intent === 'number_only';
  if (unplaced && refundMethodIn(text, false)) return { ...out, intent: 'return' };
  return out;
}
