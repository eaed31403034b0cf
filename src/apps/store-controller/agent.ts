/**
 * The store controller: the package tracker plus returns (after a yes) and refund-policy answers,
 * its returns and policy kept in its own tables beside the orders.
 */
import { join } from 'node:path';
import { defineAgent, openDatabase, type PreparedCall } from '../../index.js';
import { preparePackageTracker } from '../package-tracker/index.js';
import { extractOrderNumber } from '../package-tracker/numbers.js';
import { OrderStore } from '../package-tracker/orders.js';
import { createStoreControllerBrain } from './brain.js';
import { RETURN_REQUEST_WORDS, understandStore } from './intents.js';
import { STORE_CONTROLLER_PHRASES } from './phrases.js';
import { STORE_SAY } from './replies.js';
import { ReturnStore } from './returns.js';
import { createStoreControllerTools, RETURN_TOOLS } from './tools.js';

export const STORE_CONTROLLER_PERSONA = [
  'You are Parley, a phone agent for an online store.',
  'You help callers track an order, cancel one that has not been delivered, text the tracking link,',
  'start a return of a delivered order and answer refund policy questions from the policy tool.',
  'For a return, get the order number, the reason and whether they want a refund to the original',
  'payment or store credit, then ask the caller to confirm before starting it.',
  'Always use the tools for facts; never guess. Speak in short, plain sentences, the fact first,',
  'and read order numbers digit by digit ("one two three four"). No lists, no markdown.',
].join(' ');

/** Read-only work worth starting early: the return check for a return, the lookup for a tracking question. */
function prepare(stableText: string): PreparedCall[] {
  const heard = understandStore(stableText);
  if (heard.intent === 'return' && heard.orderNumber)
    return [
      { name: RETURN_TOOLS.eligibility, arguments: JSON.stringify({ order_number: heard.orderNumber }) },
    ];
  return heard.intent === 'track' || heard.intent === 'number_only' ? preparePackageTracker(stableText) : [];
}

export default defineAgent({
  name: 'store-controller',
  description: 'the package tracker plus returns (after a yes) and refund-policy answers',
  scenarios: new URL('./scenarios/', import.meta.url),
  setup(ctx) {
    // One call's scratch data lives in memory; a server keeps its orders and returns in the agent's folder.
    const db = openDatabase(ctx.ephemeral ? ':memory:' : join(ctx.dataDir, 'store.db'));
    const orders = new OrderStore(db);
    const returns = new ReturnStore(db, orders);
    return {
      persona: STORE_CONTROLLER_PERSONA,
      greeting: STORE_SAY.greeting,
      phraseTemplates: STORE_CONTROLLER_PHRASES,
      tools: createStoreControllerTools(orders, returns),
      createBrain: () => createStoreControllerBrain(),
      turnWords: {
        requestWords: [...RETURN_REQUEST_WORDS, 'cancel', 'track', 'link'],
        numberCues: ['order'],
      },
      prepare,
      extractFacts(userText): Record<string, string> {
        const orderNumber = extractOrderNumber(userText);
        return orderNumber ? { order_number: orderNumber } : {};
      },
      close: () => {
        db.close();
      },
    };
  },
});
