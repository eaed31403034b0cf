/**
 * What the package tracker says. Spoken style: short sentences, the fact first, order numbers
 * read digit by digit so the synthesizer says "four two one nine", not "four thousand…".
 */
import { digitsToWords } from './numbers.js';
import type { CancelResult, OrderStatusResult, TrackingLinkResult, VerifyResult } from './tools.js';

export const ASK_ORDER_NUMBER = "What's your order number?";

export const SAY = {
  greeting: 'Hi, this is Parley from package support. How can I help?',
  hello: 'Hello! How can I help with your order?',
  askTrack: `Sure. ${ASK_ORDER_NUMBER}`,
  askCancel: `I can help cancel it. ${ASK_ORDER_NUMBER}`,
  askLink: `I can text you the tracking link. ${ASK_ORDER_NUMBER}`,
  goodbye: 'Thanks for calling. Goodbye!',
  welcome: "You're welcome. Is there anything else?",
  whatElse: 'Sure. What else can I help with?',
  notCaught: "Sorry, I didn't catch that. How can I help with your order?",
  outOfDomain:
    'Sorry, I can only help with your orders: where a package is, cancelling an order, or texting a tracking link.',
  transferring: "Okay, I'm transferring you to a person now. Please hold.",
  toolTrouble: "Sorry, I'm having trouble reaching our order system. Please try again in a moment.",
} as const;

export function spokenOrder(orderNumber: string): string {
  return `order ${digitsToWords(orderNumber)}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function arrival(eta: string): string {
  return `should arrive ${eta}`;
}

export function sayStatus(result: OrderStatusResult): string {
  const order = capitalize(spokenOrder(result.orderNumber));
  if (!result.found)
    return `I can't find ${spokenOrder(result.orderNumber)}. Could you read me the number again?`;
  if (result.cancelled) return `${order} was cancelled, so it won't be delivered.`;
  let fact: string;
  switch (result.orderStatus) {
    case 'processing':
      fact = `${order} is being prepared and ${arrival(result.eta)}.`;
      break;
    case 'shipped':
      fact = `${order} has shipped with ${result.carrier} and ${arrival(result.eta)}.`;
      break;
    case 'in_transit':
      fact = `${order} is in transit with ${result.carrier} and ${arrival(result.eta)}.`;
      break;
    case 'out_for_delivery':
      fact = `${order} is out for delivery with ${result.carrier} and ${arrival(result.eta)}.`;
      break;
    case 'delivered':
      fact = `${order} was delivered ${result.eta} by ${result.carrier}.`;
      break;
  }
  return result.delayReason ? `${fact} It was delayed by ${result.delayReason}.` : fact;
}

export function askCancelConfirmation(orderNumber: string): string {
  return `Do you want me to cancel ${spokenOrder(orderNumber)}?`;
}

export function sayCancelDeclined(orderNumber: string): string {
  return `Okay, I won't cancel ${spokenOrder(orderNumber)}. Anything else?`;
}

export function sayCancelled(result: CancelResult): string {
  const order = spokenOrder(result.orderNumber);
  if (result.cancelled) return `Done. ${capitalize(order)} is cancelled.`;
  switch (result.refusal) {
    case 'delivered':
      return `${capitalize(order)} was already delivered, so I can't cancel it.`;
    case 'already_cancelled':
      return `${capitalize(order)} is already cancelled.`;
    case 'not_found':
      return `I can't find ${order}. Could you read me the number again?`;
    case 'not_verified':
      return askPostcode(result.orderNumber, true);
  }
}

export function sayLinkSent(result: TrackingLinkResult): string {
  const order = spokenOrder(result.orderNumber);
  if (result.sent) {
    return `I've texted the tracking link for ${order} to the phone ending in ${digitsToWords(result.phoneLast4)}.`;
  }
  if (result.refusal === 'not_verified') return askPostcode(result.orderNumber, true);
  if (result.refusal === 'cancelled')
    return `${capitalize(order)} was cancelled, so there's no tracking link.`;
  return `I can't find ${order}. Could you read me the number again?`;
}

/**
 * The caller check. The question always ends "What's the postcode on order …?": the dialogue
 * knows the next turn answers it from that. Digits keyed on a phone arrive as the same answer.
 */
export const POSTCODE_QUESTION = /postcode on order [a-z ]+\?\s*$/i;

export function askPostcode(orderNumber: string, first: boolean): string {
  const why = first ? "Before I can do that, I need to check it's you. " : '';
  return `${why}What's the postcode on ${spokenOrder(orderNumber)}?`;
}

export function sayPostcodeNotCaught(orderNumber: string): string {
  return `Sorry, I didn't catch that. Please read the postcode digit by digit, or key it in. ${askPostcode(orderNumber, false)}`;
}

/** Asked after the caller failed the check for good: the way out is a person. */
export const OFFER_PERSON = /transfer you to a person\?\s*$/i;

/** A failed check names neither the postcode on file nor whether the order exists. */
export function sayVerifyFailed(result: Extract<VerifyResult, { verified: false }>): string {
  if (result.attemptsLeft > 0) {
    const tries =
      result.attemptsLeft === 1 ? 'one more try' : `${digitsToWords(String(result.attemptsLeft))} more tries`;
    return `That doesn't match our records. You have ${tries}. ${askPostcode(result.orderNumber, false)}`;
  }
  return "Sorry, I couldn't verify you, so I can't change that order or share its details. Would you like me to transfer you to a person?";
}

/** A tool call the gateway refused or that failed: honest, short, and a way forward. */
export function sayToolProblem(status: string, reason: string | undefined): string {
  if (status === 'rejected' && reason && /order.?number|digits/i.test(reason)) {
    return `Sorry, I didn't get a valid order number. ${ASK_ORDER_NUMBER}`;
  }
  if (status === 'rejected') return `Sorry, I couldn't do that. ${ASK_ORDER_NUMBER}`;
  return SAY.toolTrouble;
}
