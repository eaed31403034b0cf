/**
 * The package tracker's embedded dialogue engine: decides the next move from the conversation
 * messages alone (no hidden state), so it behaves the same after a summary, a restart or an
 * interruption that cut what the caller heard.
 */
import type { ChatMessage, ToolCallRequest } from '../../index.js';
import { readToolResult } from '../../index.js';
import { type Intent, leadsWithYes, understand } from './intents.js';
import { extractOrderNumber, numberRuns, tokenize } from './numbers.js';
import {
  ASK_ORDER_NUMBER,
  askCancelConfirmation,
  askPostcode,
  OFFER_PERSON,
  POSTCODE_QUESTION,
  SAY,
  sayCancelDeclined,
  sayCancelled,
  sayLinkSent,
  sayStatus,
  sayPostcodeNotCaught,
  sayToolProblem,
  sayVerifyFailed,
} from './replies.js';
import {
  type CancelResult,
  type OrderStatusResult,
  TOOL_NAMES,
  type TrackingLinkResult,
  type VerifyResult,
} from './tools.js';

export type Move =
  | { kind: 'say'; text: string }
  | { kind: 'call'; name: string; args: Record<string, string> };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Tool messages are read with the runtime's own reader, so the two never disagree on the format. */
export { readToolResult as readToolMessage } from '../../index.js';

/** A proposed call's arguments as an object ({} when they are not one). */
export function callArgs(call: ToolCallRequest): Record<string, unknown> {
  try {
    const args: unknown = JSON.parse(call.arguments);
    return isRecord(args) ? args : {};
  } catch {
    return {};
  }
}

/** The call `callId` answers (the latest call when no id was given), searched back from `before`. */
export function findCall(
  messages: ChatMessage[],
  before: number,
  callId: string | undefined,
): ToolCallRequest | undefined {
  for (let i = before - 1; i >= 0; i--) {
    const calls = messages[i]?.toolCalls;
    const call = calls?.find((c) => c.id === callId) ?? (callId === undefined ? calls?.[0] : undefined);
    if (call) return call;
  }
  return undefined;
}

const PINNED_ORDER = /order[ _]?number\W{0,3}(\d{3,8})/i;

/** The most recent order number the conversation mentions: caller turns, tool calls, pinned facts. */
export function rememberedOrderNumber(messages: ChatMessage[]): string | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as ChatMessage;
    if (m.role === 'user') {
      // A postcode the caller read out is not an order number.
      if (answersPostcode(messages, i)) continue;
      const n = extractOrderNumber(m.content);
      if (n) return n;
    } else if (m.role === 'assistant') {
      for (const call of m.toolCalls ?? []) {
        const n = callArgs(call).order_number;
        if (typeof n === 'string') return n;
      }
    } else if (m.role === 'system') {
      const n = PINNED_ORDER.exec(m.content)?.[1];
      if (n) return n;
    }
  }
  return undefined;
}

/** A cancel the gateway is holding for the caller's yes, if it is the last thing that happened. */
function pendingConfirmation(messages: ChatMessage[], userIndex: number): ToolCallRequest | undefined {
  for (let i = userIndex - 1; i >= 0; i--) {
    const m = messages[i] as ChatMessage;
    if (m.role === 'user') return undefined;
    if (m.role !== 'tool') continue;
    if (readToolResult(m.content).status !== 'needs_confirmation') return undefined;
    return findCall(messages, i, m.toolCallId);
  }
  return undefined;
}

/** What the agent last said before `before`, unless the caller spoke since. */
export function lastAssistantText(messages: ChatMessage[], before: number): string {
  for (let i = before - 1; i >= 0; i--) {
    const m = messages[i] as ChatMessage;
    if (m.role === 'user') return '';
    if (m.role === 'assistant' && m.content.trim()) return m.content;
  }
  return '';
}

/** What a turn may be when it answers the postcode question (anything else is a new request). */
const POSTCODE_ANSWER: readonly Intent[] = ['number_only', 'unknown', 'yes'];

/** Whether the caller's turn at `userIndex` answers our "What's the postcode on order …?". */
function answersPostcode(messages: ChatMessage[], userIndex: number): boolean {
  const m = messages[userIndex] as ChatMessage;
  return (
    POSTCODE_QUESTION.test(lastAssistantText(messages, userIndex)) &&
    POSTCODE_ANSWER.includes(understand(m.content).intent)
  );
}

/** A postcode read out or keyed in: the caller's last run of 3 to 10 digits. */
function postcodeIn(text: string): string | undefined {
  const runs = numberRuns(text).filter((r) => /^\d{3,10}$/.test(r));
  return runs[runs.length - 1];
}

/** Whether the caller passed the check for `orderNumber` earlier in this call. */
function verifiedFor(messages: ChatMessage[], orderNumber: string): boolean {
  return messages.some((m) => {
    if (m.role !== 'tool') return false;
    const outcome = readToolResult(m.content);
    if (outcome.status !== 'executed' || !isRecord(outcome.result)) return false;
    const r = outcome.result as Partial<VerifyResult>;
    return r.verified === true && r.orderNumber === orderNumber;
  });
}

type OrderIntent = 'track' | 'cancel' | 'tracking_link';
const ORDER_INTENTS: readonly Intent[] = ['track', 'cancel', 'tracking_link'];

/** When the caller answers our "what's your order number?", the request it answers. */
function awaitedIntent(messages: ChatMessage[], userIndex: number): OrderIntent {
  if (!/order number\?/i.test(lastAssistantText(messages, userIndex))) return 'track';
  for (let i = userIndex - 1; i >= 0; i--) {
    const m = messages[i] as ChatMessage;
    if (m.role !== 'user') continue;
    const { intent } = understand(m.content);
    if (ORDER_INTENTS.includes(intent)) return intent as OrderIntent;
  }
  return 'track';
}

/**
 * The request a caller check was for: the cancel or link asked for before the postcode question,
 * looking back past the caller's postcode answers and an order number read out on request.
 */
function requestBehind(messages: ChatMessage[], before: number): OrderIntent | undefined {
  for (let i = before - 1; i >= 0; i--) {
    const m = messages[i] as ChatMessage;
    if (m.role !== 'user' || answersPostcode(messages, i)) continue;
    const { intent } = understand(m.content);
    if (intent === 'cancel' || intent === 'tracking_link') return intent;
    if (intent === 'number_only') {
      const awaited = awaitedIntent(messages, i);
      return awaited === 'track' ? undefined : awaited;
    }
    return undefined;
  }
  return undefined;
}

function orderMove(messages: ChatMessage[], intent: OrderIntent, orderNumber: string | undefined): Move {
  const ask = { track: SAY.askTrack, cancel: SAY.askCancel, tracking_link: SAY.askLink }[intent];
  if (!orderNumber) return { kind: 'say', text: ask };
  // Cancelling and the tracking link (phone digits, the address behind the link) need the check.
  if (intent !== 'track' && !verifiedFor(messages, orderNumber))
    return { kind: 'say', text: askPostcode(orderNumber, true) };
  const name = { track: TOOL_NAMES.status, cancel: TOOL_NAMES.cancel, tracking_link: TOOL_NAMES.link }[
    intent
  ];
  return { kind: 'call', name, args: { order_number: orderNumber } };
}

function answerUser(messages: ChatMessage[], userIndex: number): Move {
  const user = messages[userIndex] as ChatMessage;
  const heard = understand(user.content);
  const orderNumber = heard.orderNumber ?? rememberedOrderNumber(messages.slice(0, userIndex));

  const pending = pendingConfirmation(messages, userIndex);
  if (pending) {
    const pendingOrder = callArgs(pending).order_number;
    // A yes followed by a stray word the recognizer added ("yes please ship") still answers the
    // question, as the session's own confirmation check reads it; another order number does not.
    const strayAfterYes =
      leadsWithYes(user.content) &&
      ['track', 'unknown', 'thanks', 'greeting'].includes(heard.intent) &&
      (!heard.orderNumber || heard.orderNumber === pendingOrder);
    if (heard.intent === 'yes' || strayAfterYes || (heard.intent === 'cancel' && !heard.orderNumber)) {
      return { kind: 'call', name: pending.name, args: callArgs(pending) as Record<string, string> };
    }
    if (heard.intent === 'no' && typeof pendingOrder === 'string') {
      return { kind: 'say', text: sayCancelDeclined(pendingOrder) };
    }
  }

  const asked = lastAssistantText(messages, userIndex);
  if (POSTCODE_QUESTION.test(asked) && POSTCODE_ANSWER.includes(heard.intent)) {
    // The order the question was about: the caller's postcode is not it.
    const about = rememberedOrderNumber(messages.slice(0, userIndex));
    const postcode = postcodeIn(user.content);
    if (about && postcode)
      return { kind: 'call', name: TOOL_NAMES.verify, args: { order_number: about, postcode } };
    if (about) return { kind: 'say', text: sayPostcodeNotCaught(about) };
  }
  if (OFFER_PERSON.test(asked) && (heard.intent === 'yes' || heard.intent === 'no')) {
    if (heard.intent === 'no') return { kind: 'say', text: SAY.whatElse };
    const args: Record<string, string> = { reason: 'caller could not be verified' };
    if (orderNumber) args.order_number = orderNumber;
    return { kind: 'call', name: TOOL_NAMES.human, args };
  }

  switch (heard.intent) {
    case 'track':
    case 'cancel':
    case 'tracking_link':
      return orderMove(messages, heard.intent, orderNumber);
    case 'number_only':
      return orderMove(messages, awaitedIntent(messages, userIndex), heard.orderNumber);
    case 'human': {
      const args: Record<string, string> = { reason: 'caller asked for a person' };
      if (orderNumber) args.order_number = orderNumber;
      return { kind: 'call', name: TOOL_NAMES.human, args };
    }
    case 'greeting':
      return { kind: 'say', text: SAY.hello };
    case 'goodbye':
      return { kind: 'say', text: SAY.goodbye };
    case 'thanks':
      return { kind: 'say', text: SAY.welcome };
    case 'yes':
      return { kind: 'say', text: SAY.whatElse };
    case 'no':
      return { kind: 'say', text: SAY.goodbye };
    case 'unknown':
      // A word or two we cannot place is more likely a mishearing than a question off the subject.
      return { kind: 'say', text: tokenize(user.content).length <= 2 ? SAY.notCaught : SAY.outOfDomain };
  }
}

function answerTool(messages: ChatMessage[], toolIndex: number): Move {
  const message = messages[toolIndex] as ChatMessage;
  const call = findCall(messages, toolIndex, message.toolCallId);
  const name = call?.name ?? message.name ?? '';
  const outcome = readToolResult(message.content);
  // Results name their order too: a history that lost the call still answers about the right one.
  const resultOrder = isRecord(outcome.result) ? outcome.result.orderNumber : undefined;
  const orderNumber = (call ? callArgs(call).order_number : undefined) ?? resultOrder;

  if (outcome.status === 'needs_confirmation' && typeof orderNumber === 'string') {
    return { kind: 'say', text: askCancelConfirmation(orderNumber) };
  }
  if (name === TOOL_NAMES.verify && typeof orderNumber === 'string') {
    // A postcode the gateway refused (too long, stray characters) is one we did not catch.
    if (outcome.status === 'rejected') return { kind: 'say', text: sayPostcodeNotCaught(orderNumber) };
    if (outcome.status === 'executed' && isRecord(outcome.result)) {
      const check = outcome.result as VerifyResult;
      if (!check.verified) return { kind: 'say', text: sayVerifyFailed(check) };
      const request = requestBehind(messages, toolIndex);
      if (request) return orderMove(messages, request, orderNumber);
      return { kind: 'say', text: `Thanks, that matches. ${SAY.whatElse}` };
    }
  }
  if (outcome.status !== 'executed' || outcome.result === undefined) {
    return { kind: 'say', text: sayToolProblem(outcome.status, outcome.reason) };
  }
  switch (name) {
    case TOOL_NAMES.status:
      return { kind: 'say', text: sayStatus(outcome.result as OrderStatusResult) };
    case TOOL_NAMES.cancel:
      return { kind: 'say', text: sayCancelled(outcome.result as CancelResult) };
    case TOOL_NAMES.link:
      return { kind: 'say', text: sayLinkSent(outcome.result as TrackingLinkResult) };
    case TOOL_NAMES.human:
      return { kind: 'say', text: SAY.transferring };
    default:
      return { kind: 'say', text: `Done. ${ASK_ORDER_NUMBER}` };
  }
}

/** The next move given everything said so far. */
export function decide(messages: ChatMessage[]): Move {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as ChatMessage;
    if (m.role === 'tool') return answerTool(messages, i);
    if (m.role === 'user') return answerUser(messages, i);
  }
  return { kind: 'say', text: SAY.greeting };
}
