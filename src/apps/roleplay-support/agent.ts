/**
 * Roleplay support: a delivery-support agent that answers at length (three to five sentences)
 * about delivery exceptions and refunds, so long replies, the clause buffer and barge-in
 * mid-answer get a real workout. One read-only tool: the package tracker's order lookup.
 */
import { join } from 'node:path';
import { defineAgent, openDatabase } from '../../index.js';
import { preparePackageTracker } from '../package-tracker/index.js';
import { extractOrderNumber } from '../package-tracker/numbers.js';
import { OrderStore } from '../package-tracker/orders.js';
import { createPackageTrackerTools, TOOL_NAMES } from '../package-tracker/tools.js';
import { createRoleplaySupportBrain } from './brain.js';
import { SUPPORT_SAY } from './dialogue.js';
import { ROLEPLAY_SUPPORT_PHRASES } from './phrases.js';

export const ROLEPLAY_SUPPORT_PERSONA = [
  'You are Parley, a patient delivery-support agent.',
  'You explain what happens when a package is damaged, delayed, lost, sent to the wrong address or held in customs,',
  'and how refunds and store credit work, in three to five plain spoken sentences.',
  'Use get_order_status for facts about an order; never guess. Read order numbers digit by digit. No lists, no markdown.',
].join(' ');

export default defineAgent({
  name: 'roleplay-support',
  description:
    'answers delivery-exception and refund questions at length (long replies, barge-in mid-answer)',
  scenarios: new URL('./scenarios/', import.meta.url),
  setup(ctx) {
    const db = openDatabase(ctx.ephemeral ? ':memory:' : join(ctx.dataDir, 'orders.db'));
    const status = createPackageTrackerTools(new OrderStore(db)).find((t) => t.name === TOOL_NAMES.status);
    return {
      persona: ROLEPLAY_SUPPORT_PERSONA,
      greeting: SUPPORT_SAY.greeting,
      phraseTemplates: ROLEPLAY_SUPPORT_PHRASES,
      tools: status ? [status] : [],
      createBrain: () => createRoleplaySupportBrain(),
      turnWords: {
        requestWords: [
          'damaged',
          'broken',
          'lost',
          'missing',
          'stolen',
          'late',
          'delayed',
          'customs',
          'address',
          'refund',
        ],
        numberCues: ['order'],
      },
      prepare: preparePackageTracker,
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
