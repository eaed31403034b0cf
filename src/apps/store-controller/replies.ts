/**
 * What the store controller says about returns and refunds. Spoken style: the fact first, short
 * sentences, order numbers digit by digit. Every question of the return flow names the return
 * or the refund, which is how the dialogue engine knows an answer belongs to that flow.
 */
import { spokenOrder } from '../package-tracker/replies.js';
import { REASON_WORDS } from './intents.js';
import type { Eligibility, RefundMethod } from './returns.js';
import type { StartReturnArgs, StartReturnResult } from './tools.js';

const METHOD_WORDS: Record<RefundMethod, string> = {
  original_payment: 'a refund to your original payment',
  store_credit: 'store credit',
};

const STATUS_WORDS: Record<string, string> = {
  processing: 'is still being prepared',
  shipped: 'has shipped',
  in_transit: 'is still in transit',
  out_for_delivery: 'is out for delivery',
};

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export const STORE_SAY = {
  greeting: 'Hi, this is Parley from the store. I can track, cancel or return an order. How can I help?',
  askReturnOrder: 'I can help with a return. What is the number of the order you want to return?',
  askRefundMethod: 'Would you like the refund on your original payment, or as store credit?',
  outOfDomain: 'Sorry, I can only help with your orders: tracking, cancelling, returns and refunds.',
  noReturn: 'Okay, no return then. Is there anything else?',
  toolTrouble: "Sorry, I'm having trouble reaching our return system. Please try again in a moment.",
} as const;

/** Questions of the return flow: the engine treats the caller's next turn as an answer to them. */
export function isReturnQuestion(text: string): boolean {
  return /\b(return|refund)\w*/i.test(text) && /\?\s*$/.test(text.trim());
}

export function askReturnReason(orderNumber: string): string {
  return `${capitalize(spokenOrder(orderNumber))} can be returned. Why are you returning it?`;
}

export function askRefundMethod(): string {
  return STORE_SAY.askRefundMethod;
}

export function askReturnConfirmation(args: StartReturnArgs): string {
  return `Do you want me to start a return for ${spokenOrder(args.order_number)}, because ${
    REASON_WORDS[args.reason]
  }, with ${METHOD_WORDS[args.refund_method]}?`;
}

export function sayReturnDeclined(orderNumber: string): string {
  return `Okay, I won't start a return for ${spokenOrder(orderNumber)}. Is there anything else?`;
}

/** An order that cannot be returned, and what the caller can do instead. */
export function sayNotReturnable(e: Extract<Eligibility, { eligible: false }>): string {
  const order = spokenOrder(e.orderNumber);
  switch (e.refusal) {
    case 'not_found':
      return `I can't find ${order}. What is the number of the order you want to return?`;
    case 'cancelled':
      return `${capitalize(order)} was cancelled, so there is nothing to return.`;
    case 'not_delivered': {
      const where = STATUS_WORDS[e.orderStatus ?? ''] ?? 'has not arrived yet';
      const eta = e.eta ? ` and should arrive ${e.eta}` : '';
      return `${capitalize(order)} ${where}${eta}, so it can't be returned yet. You can return it once it is delivered, or cancel it before then.`;
    }
    case 'already_returned': {
      const method = e.existingReturn ? ` with ${METHOD_WORDS[e.existingReturn.refundMethod]}` : '';
      return `A return for ${order} was already started${method}, so there is nothing more to do.`;
    }
  }
}

export function sayReturnStarted(result: StartReturnResult): string {
  if (!result.started) return sayNotReturnable({ ...result, eligible: false });
  const order = spokenOrder(result.orderNumber);
  const refund =
    result.refundMethod === 'store_credit'
      ? 'Your store credit is added as soon as we receive it.'
      : 'Your refund goes to your original payment within five to seven business days of receiving it.';
  return `Done. The return for ${order} is started. We're emailing you a prepaid return label. ${refund}`;
}

export function sayPolicy(policy: string): string {
  return `${policy} Is there anything else?`;
}

/** A reason we did not recognise: ask again with the kinds we know. */
export function askReasonAgain(): string {
  return 'Sorry, why are you returning it? For example, it arrived damaged, it was the wrong item, or you no longer need it?';
}
