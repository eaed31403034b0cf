/** The package tracker: Parley's reference agent (track, cancel, tracking link, hand-off to a person). */
import type { AgentDefinition, Brain, Db } from '../../index.js';
import { createPackageTrackerBrain } from './brain.js';
import { extractOrderNumber } from './numbers.js';
import { type DemoOrders, OrderStore } from './orders.js';
import { PACKAGE_TRACKER_PHRASES } from './phrases.js';
import { SAY } from './replies.js';
import { createPackageTrackerTools, TOOL_NAMES } from './tools.js';
import { understand } from './intents.js';
import { PACKAGE_TRACKER_TURN_WORDS } from './turn-words.js';

export { createPackageTrackerBrain } from './brain.js';
export { decide } from './dialogue.js';
export { digitsToWords, extractOrderNumber } from './numbers.js';
export { type DemoOrders, MAX_VERIFY_ATTEMPTS, type Order, OrderStore } from './orders.js';
export { PACKAGE_TRACKER_PHRASES } from './phrases.js';
export { createPackageTrackerTools, TOOL_NAMES } from './tools.js';

export const PACKAGE_TRACKER_PERSONA = [
  'You are Parley, a phone agent for package support.',
  'You help callers track an order, cancel an order that has not been delivered, text them the tracking link,',
  'or transfer them to a person. Always use the tools for order facts; never guess.',
  'Order status needs no check. Before cancelling or texting the tracking link, ask for the postcode on the order',
  'and check it with verify_caller; never say the postcode or phone number on file. After three wrong answers,',
  'offer to transfer the caller to a person. Before cancelling, ask the caller to confirm. Speak in short, plain sentences, the fact first,',
  'and read order numbers digit by digit ("four two one nine"). No lists, no markdown.',
].join(' ');

const ORDER_NUMBER = /^\d{4}$/;

/**
 * Read-only preparation while the caller is still talking: once the stable part of what they
 * said asks where an order is and holds its number, the lookup can start before the turn ends.
 */
export function preparePackageTracker(stableText: string): { name: string; arguments: string }[] {
  const { intent, orderNumber } = understand(stableText);
  // Order numbers have four digits: a shorter run is a number still being read out ("four two one…").
  if (!orderNumber || !ORDER_NUMBER.test(orderNumber) || (intent !== 'track' && intent !== 'number_only'))
    return [];
  return [{ name: TOOL_NAMES.status, arguments: JSON.stringify({ order_number: orderNumber }) }];
}

/** A bare five-digit answer is more likely the postcode we asked for than an order number. */
const ORDER_CUE = /\b(order|package|parcel|shipment|number)\b/i;

/**
 * Builds the agent over `db`, creating its tables and giving tenants the sample orders
 * (`demoOrders`, default 'every-tenant': each API key its own copy).
 */
export function createPackageTrackerAgent(opts: {
  db: Db;
  demoOrders?: DemoOrders;
}): AgentDefinition & { createBrain(): Brain } {
  const store = new OrderStore(opts.db, opts.demoOrders ? { demoOrders: opts.demoOrders } : {});
  return {
    name: 'package-tracker',
    persona: PACKAGE_TRACKER_PERSONA,
    greeting: SAY.greeting,
    phraseTemplates: PACKAGE_TRACKER_PHRASES,
    tools: createPackageTrackerTools(store),
    createBrain: () => createPackageTrackerBrain(),
    prepare: preparePackageTracker,
    turnWords: PACKAGE_TRACKER_TURN_WORDS,
    extractFacts(userText): Record<string, string> {
      const orderNumber = extractOrderNumber(userText);
      if (!orderNumber || (orderNumber.length === 5 && !ORDER_CUE.test(userText))) return {};
      return { order_number: orderNumber };
    },
  };
}
