/**
 * The store controller's dialogue engine: returns and refund-policy questions on top of the
 * package tracker's engine, which answers everything else. Like it, a pure function of the
 * messages: slots come from the caller's turns since the return was asked for, so they survive
 * interruptions and a restart.
 */
import type { ChatMessage, ToolCallRequest } from '../../index.js';
import {
  callArgs,
  decide as decidePackage,
  findCall,
  lastAssistantText,
  type Move,
  readToolMessage,
  rememberedOrderNumber,
} from '../package-tracker/dialogue.js';
import { SAY } from '../package-tracker/replies.js';
import { extractOrderNumber, tokenize } from '../package-tracker/numbers.js';
import { refundMethodIn, returnReasonIn, type StoreUnderstanding, understandStore } from './intents.js';
import {
  askReasonAgain,
  askRefundMethod,
  askReturnConfirmation,
  askReturnReason,
  isReturnQuestion,
  sayNotReturnable,
  sayPolicy,
  sayReturnDeclined,
  sayReturnStarted,
  STORE_SAY,
} from './replies.js';
import type { Eligibility } from './returns.js';
import {
  type PolicyResult,
  RETURN_TOOLS,
  type StartReturnArgs,
  startReturnArgs,
  type StartReturnResult,
} from './tools.js';

export type { Move } from '../package-tracker/dialogue.js';

/** The call the gateway holds for the caller's yes, if that is the last thing that happened. */
function pendingConfirmation(messages: ChatMessage[], userIndex: number): ToolCallRequest | undefined {
  for (let i = userIndex - 1; i >= 0; i--) {
    const m = messages[i] as ChatMessage;
    if (m.role === 'user') return undefined;
    if (m.role !== 'tool') continue;
    if (readToolMessage(m.content).status !== 'needs_confirmation') return undefined;
    return findCall(messages, i, m.toolCallId);
  }
  return undefined;
}

function call(name: string, args: Record<string, string>): Move {
  return { kind: 'call', name, args };
}

/**
 * Where the return this turn belongs to began: this turn when it asks for one, or, when it
 * answers one of our return questions, the turn that asked (back through answered questions).
 */
function returnFlowStart(
  messages: ChatMessage[],
  userIndex: number,
  heard: StoreUnderstanding,
): number | undefined {
  const text = (messages[userIndex] as ChatMessage).content;
  // A bare number answers "which order?"; "where is order 4219?" is a new request.
  const answersNumber =
    heard.orderNumber !== undefined && ['number_only', 'unknown', 'return'].includes(heard.intent);
  const answersSlot =
    answersNumber || returnReasonIn(text) !== undefined || refundMethodIn(text, true) !== undefined;
  const awaiting = isReturnQuestion(lastAssistantText(messages, userIndex));
  // A new request of another kind ("where is order 4219?") leaves the return behind.
  if (!awaiting || (!answersSlot && !['unknown', 'yes', 'no', 'return'].includes(heard.intent)))
    return heard.intent === 'return' ? userIndex : undefined;
  let k = userIndex;
  for (let i = userIndex - 1; i >= 0; i--) {
    const m = messages[i] as ChatMessage;
    if (m.role !== 'user') continue;
    if (understandStore(m.content).intent === 'return') return i;
    if (!isReturnQuestion(lastAssistantText(messages, i))) break;
    k = i;
  }
  return k;
}

interface ReturnSlots {
  orderNumber?: string;
  reason?: StartReturnArgs['reason'];
  method?: StartReturnArgs['refund_method'];
}

/** Slots from the caller's turns of this return, newest first, the order number from earlier if need be. */
function returnSlots(messages: ChatMessage[], start: number, userIndex: number): ReturnSlots {
  const slots: ReturnSlots = {};
  for (let i = userIndex; i >= start; i--) {
    const m = messages[i] as ChatMessage;
    if (m.role !== 'user') continue;
    const answering = /original payment|store credit/i.test(lastAssistantText(messages, i));
    slots.orderNumber ??= extractOrderNumber(m.content);
    slots.reason ??= returnReasonIn(m.content);
    slots.method ??= refundMethodIn(m.content, answering);
  }
  slots.orderNumber ??= rememberedOrderNumber(messages.slice(0, start));
  return slots;
}

/** This return's eligibility check for `orderNumber`, if it has run since the return was asked for. */
function eligibilityOf(messages: ChatMessage[], start: number, orderNumber: string): Eligibility | undefined {
  for (let i = messages.length - 1; i > start; i--) {
    const m = messages[i] as ChatMessage;
    if (m.role !== 'tool') continue;
    const c = findCall(messages, i, m.toolCallId);
    if (c?.name !== RETURN_TOOLS.eligibility || callArgs(c).order_number !== orderNumber) continue;
    const outcome = readToolMessage(m.content);
    if (outcome.status === 'executed') return outcome.result as Eligibility;
  }
  return undefined;
}

/** The next step of a return: ask for what is missing, check the order, then propose it. */
function continueReturn(messages: ChatMessage[], start: number, userIndex: number): Move {
  const { orderNumber, reason, method } = returnSlots(messages, start, userIndex);
  if (!orderNumber) return { kind: 'say', text: STORE_SAY.askReturnOrder };
  const eligibility = eligibilityOf(messages, start, orderNumber);
  if (!eligibility) return call(RETURN_TOOLS.eligibility, { order_number: orderNumber });
  if (!eligibility.eligible) return { kind: 'say', text: sayNotReturnable(eligibility) };
  if (!reason) {
    const askedAlready = /why are you returning/i.test(lastAssistantText(messages, userIndex));
    return { kind: 'say', text: askedAlready ? askReasonAgain() : askReturnReason(orderNumber) };
  }
  if (!method) return { kind: 'say', text: askRefundMethod() };
  return call(RETURN_TOOLS.start, { order_number: orderNumber, reason, refund_method: method });
}

/** The caller's answer to "do you want me to start a return…?", changes included. */
function answerConfirmation(
  pending: ToolCallRequest,
  text: string,
  heard: StoreUnderstanding,
): Move | undefined {
  const parsed = startReturnArgs.safeParse(callArgs(pending));
  if (!parsed.success) return undefined;
  const args: StartReturnArgs = { ...parsed.data };
  const reason = returnReasonIn(text);
  const method = refundMethodIn(text, true);
  if (reason) args.reason = reason;
  if (method) args.refund_method = method;
  const changed = args.reason !== parsed.data.reason || args.refund_method !== parsed.data.refund_method;
  const confirms = heard.intent === 'yes' || (heard.intent === 'return' && !heard.orderNumber);
  // "No, store credit instead": a changed return goes back to the gateway for a fresh yes.
  const amends = changed && (heard.intent === 'no' || heard.intent === 'unknown');
  if (confirms || amends) return call(RETURN_TOOLS.start, args);
  if (heard.intent === 'no') return { kind: 'say', text: sayReturnDeclined(args.order_number) };
  return undefined;
}

function answerUser(messages: ChatMessage[], userIndex: number): Move {
  const text = (messages[userIndex] as ChatMessage).content;
  const heard = understandStore(text);
  const pending = pendingConfirmation(messages, userIndex);
  if (pending?.name === RETURN_TOOLS.start) {
    const move = answerConfirmation(pending, text, heard);
    if (move) return move;
  } else if (pending) {
    return decidePackage(messages); // a cancellation waiting for its yes
  }
  const start = returnFlowStart(messages, userIndex, heard);
  if (start !== undefined) {
    // A plain "no" to our question drops the return; "no, store credit" answers it.
    const givesSlot = heard.orderNumber || returnReasonIn(text) || refundMethodIn(text, true);
    if (heard.intent === 'no' && start !== userIndex && !givesSlot)
      return { kind: 'say', text: STORE_SAY.noReturn };
    return continueReturn(messages, start, userIndex);
  }
  if (heard.intent === 'policy' && heard.topic) return call(RETURN_TOOLS.policy, { topic: heard.topic });
  if (heard.intent === 'unknown') {
    // A word or two we cannot place is more likely a mishearing than a question off the subject.
    return { kind: 'say', text: tokenize(text).length <= 2 ? SAY.notCaught : STORE_SAY.outOfDomain };
  }
  return decidePackage(messages);
}

function answerTool(messages: ChatMessage[], toolIndex: number): Move {
  const message = messages[toolIndex] as ChatMessage;
  const c = findCall(messages, toolIndex, message.toolCallId);
  const name = c?.name ?? message.name ?? '';
  if (!Object.values(RETURN_TOOLS).includes(name as never)) return decidePackage(messages);
  const outcome = readToolMessage(message.content);
  if (outcome.status === 'needs_confirmation' && name === RETURN_TOOLS.start && c) {
    const parsed = startReturnArgs.safeParse(callArgs(c));
    if (parsed.success) return { kind: 'say', text: askReturnConfirmation(parsed.data) };
  }
  if (outcome.status !== 'executed' || outcome.result === undefined)
    return { kind: 'say', text: STORE_SAY.toolTrouble };
  switch (name) {
    case RETURN_TOOLS.policy:
      return { kind: 'say', text: sayPolicy((outcome.result as PolicyResult).policy) };
    case RETURN_TOOLS.start:
      return { kind: 'say', text: sayReturnStarted(outcome.result as StartReturnResult) };
    default: {
      // An eligibility check: go on with the return it was made for.
      let userIndex = toolIndex;
      while (userIndex > 0 && messages[userIndex]?.role !== 'user') userIndex--;
      const heard = understandStore(messages[userIndex]?.content ?? '');
      const start = returnFlowStart(messages, userIndex, heard) ?? userIndex;
      return continueReturn(messages, start, userIndex);
    }
  }
}

/** The next move given everything said so far. */
export function decideStore(messages: ChatMessage[]): Move {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as ChatMessage;
    if (m.role === 'tool') return answerTool(messages, i);
    if (m.role === 'user') return answerUser(messages, i);
  }
  return { kind: 'say', text: STORE_SAY.greeting };
}
