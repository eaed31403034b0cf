/** Which delivery exception or refund question a caller's turn is about, by keyword cues. */
import { understand } from '../package-tracker/intents.js';
import { tokenize } from '../package-tracker/numbers.js';
import type { Topic } from './knowledge.js';

export type SupportIntent =
  | { kind: 'topic'; topic: Topic }
  | { kind: 'order'; orderNumber: string }
  | { kind: 'ask_order' }
  | { kind: 'greeting' | 'thanks' | 'goodbye' | 'yes' | 'no' | 'human' | 'unknown' };

/**
 * Most specific first: "customs" or "address" name the exception outright, "lost" beats
 * "late" ("it never arrived" is lost, "it's late" delayed), and a refund question is asked
 * about only when no delivery problem is named ("it's broken, can I get a refund" is damaged).
 */
const CUES: [Topic, RegExp][] = [
  ['customs', /\b(customs|duty|duties|import|tariffs?|taxes|tax|border|international)\b/],
  ['wrong_address', /\b(wrong address|address|moved|typo|misspelled|wrong (house|street|apartment|city))\b/],
  [
    'lost',
    /\b(lost|missing|stolen|disappeared|never (arrived|came|showed up|got (it|here))|(can'?t|cannot) find|says (it was )?delivered|not (at|on) my (door|porch))\b/,
  ],
  ['damaged', /\b(damaged?|broken|crushed|cracked|smashed|dented|torn|ripped|wet|leaking|shattered)\b/],
  [
    'delayed',
    /\b(late|delay\w*|taking (so|too|very) long|so long|slow|still waiting|(hasn'?t|has not|didn'?t|did not) (arrived?|come|moved)|not (here|arrived) yet|behind schedule|stuck|overdue)\b/,
  ],
  ['store_credit', /\b(store credit|gift card|credit instead)\b/],
  [
    'refund_timing',
    /\b((how long|how soon|how many days|when)\b.*\b(refunds?|money|paid)|refunds? (take|takes))\b/,
  ],
  ['refund_policy', /\b(refunds?|money back|returns?|return policy|policy|send (it|this) back)\b/],
];

export function topicIn(text: string): Topic | undefined {
  const t = tokenize(text).join(' ');
  return CUES.find(([, cue]) => cue.test(t))?.[0];
}

export function understandSupport(text: string): SupportIntent {
  const base = understand(text);
  const topic = topicIn(text);
  // An order number with a tracking question gets the order's own facts, then the explanation.
  if (base.orderNumber && (base.intent === 'track' || base.intent === 'number_only' || topic === 'delayed'))
    return { kind: 'order', orderNumber: base.orderNumber };
  if (topic) return { kind: 'topic', topic };
  switch (base.intent) {
    case 'track':
      return { kind: 'ask_order' };
    case 'greeting':
    case 'thanks':
    case 'goodbye':
    case 'yes':
    case 'no':
    case 'human':
      return { kind: base.intent };
    default:
      return { kind: 'unknown' };
  }
}
