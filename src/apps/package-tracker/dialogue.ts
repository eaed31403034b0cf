/**
 * The package tracker's embedded dialogue engine: decides the next move from the conversation
 * messages alone (no hidden state), so it behaves the same after a summary, a restart or an
 * interruption that cut what the caller heard.
 */
import type { ChatMessage, ToolCallRequest } from '../../index.js';
import { readToolResult } from '../../index.js';
import { type Intent, understand } from './intents.js';
import { extractOrderNumber, tokenize } from './numbers.js';
import {
  ASK_ORDER_NUMBER,
  askCancelConfirmation,
  SAY,
  sayCancelDeclined,
  sayCancelled,
  sayLinkSent,
  sayStatus,
  sayToolProblem,
} from './replies.js';
import { type CancelResult, type OrderStatusResult, TOOL_NAMES, type TrackingLinkResult } from './tools.js';

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

function orderMove(intent: OrderIntent, orderNumber: string | undefined): Move {
  const ask = { track: SAY.askTrack, cancel: SAY.askCancel, tracking_link: SAY.askLink }[intent];
  if (!orderNumber) return { kind: 'say', text: ask };
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
    if (heard.intent === 'yes' || (heard.intent === 'cancel' && !heard.orderNumber)) {
      return { kind: 'call', name: pending.name, args: callArgs(pending) as Record<string, string> };
    }
    if (heard.intent === 'no' && typeof pendingOrder === 'string') {
      return { kind: 'say', text: sayCancelDeclined(pendingOrder) };
    }
  }

  switch (heard.intent) {
    case 'track':
    case 'cancel':
    case 'tracking_link':
      return orderMove(heard.intent, orderNumber);
    case 'number_only':
      return orderMove(awaitedIntent(messages, userIndex), heard.orderNumber);
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
  const orderNumber = call ? callArgs(call).order_number : undefined;

  if (outcome.status === 'needs_confirmation' && typeof orderNumber === 'string') {
    return { kind: 'say', text: askCancelConfirmation(orderNumber) };
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
