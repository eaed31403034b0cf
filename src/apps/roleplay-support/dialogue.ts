/**
 * The support agent's dialogue engine: a pure function of the messages, like the package
 * tracker's. A question about a delivery exception or a refund gets its whole explanation; a
 * question about one order gets the order's facts first (from the reused status tool), then
 * what they mean for the caller.
 */
import type { ChatMessage } from '../../index.js';
import { type Move, readToolMessage } from '../package-tracker/dialogue.js';
import { tokenize } from '../package-tracker/numbers.js';
import { sayStatus } from '../package-tracker/replies.js';
import { TOOL_NAMES, type OrderStatusResult } from '../package-tracker/tools.js';
import { understandSupport } from './intents.js';
import { ANSWERS, answerFor } from './knowledge.js';

export type { Move } from '../package-tracker/dialogue.js';

export const SUPPORT_SAY = {
  greeting:
    'Hi, this is Parley from delivery support. I can explain damaged, late or lost packages, customs, wrong addresses and refunds. What happened?',
  hello: 'Hello! Tell me what happened with your delivery, and I will explain what we can do.',
  askOrder: "Sure, I can check on it. What's your order number?",
  welcome: "You're welcome. Is there anything else I can help with?",
  whatElse: 'Sure. What else would you like to know?',
  goodbye: 'Thanks for calling. Goodbye!',
  human:
    "I can't transfer you from here, but I can explain what a person would tell you. What happened with your package?",
  notCaught: "Sorry, I didn't catch that. What happened with your delivery?",
  outOfDomain:
    'Sorry, I can only help with delivery problems, like damaged, late, lost or misaddressed packages and customs, and with refunds.',
  toolTrouble: "Sorry, I'm having trouble reaching our order system. Please try again in a moment.",
} as const;

/** What an order's status means for the caller, after the fact itself. */
function explainStatus(result: OrderStatusResult): string[] {
  if (!result.found || result.cancelled) return [];
  if (result.delayReason && /customs/i.test(result.delayReason)) return ANSWERS.customs.slice(1, 3);
  if (result.delayReason) return ANSWERS.delayed.slice(2, 4);
  if (result.orderStatus === 'delivered') {
    return [
      "If you can't find it, check around your door, with your neighbors and in the mail room.",
      ANSWERS.lost[2] as string,
    ];
  }
  return ['The tracking page updates at every scan, and we text you when it is out for delivery.'];
}

function answerUser(text: string): Move {
  const heard = understandSupport(text);
  switch (heard.kind) {
    case 'topic':
      return { kind: 'say', text: answerFor(heard.topic) };
    case 'order':
      return { kind: 'call', name: TOOL_NAMES.status, args: { order_number: heard.orderNumber } };
    case 'ask_order':
      return { kind: 'say', text: SUPPORT_SAY.askOrder };
    case 'greeting':
      return { kind: 'say', text: SUPPORT_SAY.hello };
    case 'thanks':
      return { kind: 'say', text: SUPPORT_SAY.welcome };
    case 'yes':
      return { kind: 'say', text: SUPPORT_SAY.whatElse };
    case 'no':
    case 'goodbye':
      return { kind: 'say', text: SUPPORT_SAY.goodbye };
    case 'human':
      return { kind: 'say', text: SUPPORT_SAY.human };
    case 'unknown':
      // A word or two we cannot place is more likely a mishearing than a question off the subject.
      return {
        kind: 'say',
        text: tokenize(text).length <= 2 ? SUPPORT_SAY.notCaught : SUPPORT_SAY.outOfDomain,
      };
  }
}

function answerTool(message: ChatMessage): Move {
  const outcome = readToolMessage(message.content);
  if (outcome.status !== 'executed' || outcome.result === undefined) {
    return { kind: 'say', text: SUPPORT_SAY.toolTrouble };
  }
  const result = outcome.result as OrderStatusResult;
  return { kind: 'say', text: [sayStatus(result), ...explainStatus(result)].join(' ') };
}

/** The next move given everything said so far. */
export function decideSupport(messages: ChatMessage[]): Move {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as ChatMessage;
    if (m.role === 'tool') return answerTool(m);
    if (m.role === 'user') return answerUser(m.content);
  }
  return { kind: 'say', text: SUPPORT_SAY.greeting };
}
