/**
 * The bench's calls: a small fixed set of package-tracker conversations, three caller turns
 * each, covering a lookup answered in one sentence or two, a question back ("what's your order
 * number?"), a side-effect tool and a hand-off. Every turn waits for the agent's whole answer.
 */
import type { SessionOptions } from '../../src/conversation/options.js';
import { parseScenario, type Scenario } from '../../src/eval/scenario.js';

interface Call {
  name: string;
  turns: string[];
  tools: { name: string; args?: Record<string, string> }[];
}

const CALLS: Call[] = [
  {
    name: 'track-link-bye',
    turns: [
      'Where is my order four two one nine?',
      'Can you text me the tracking link for order four two one nine?',
      'Thank you, goodbye.',
    ],
    tools: [
      { name: 'get_order_status', args: { order_number: '4219' } },
      { name: 'send_tracking_link', args: { order_number: '4219' } },
    ],
  },
  {
    name: 'ask-number-then-why',
    turns: ['I want to track my package.', 'Four two one nine.', 'Why is my order late?'],
    tools: [{ name: 'get_order_status', args: { order_number: '4219' } }],
  },
  {
    name: 'two-orders-person',
    turns: [
      'Has my order one two three four been delivered?',
      'What about order one zero zero one?',
      'I want to speak to a person.',
    ],
    tools: [
      { name: 'get_order_status', args: { order_number: '1234' } },
      { name: 'get_order_status', args: { order_number: '1001' } },
      { name: 'transfer_to_human' },
    ],
  },
];

/** The calls as eval scenarios with these session options (idle check-ins always off). */
export function benchScenarios(options: Partial<SessionOptions>, suffix = ''): Scenario[] {
  return CALLS.map((call) =>
    parseScenario(
      {
        name: `${call.name}${suffix}`,
        description: `${call.turns.length} caller turns`,
        options: { idleCheckInMs: 0, ...options },
        steps: call.turns.flatMap((say) => [{ say }, { wait_for_agent: { timeoutMs: 20_000 } }]),
        expect: { toolCalls: call.tools },
      },
      `bench:${call.name}`,
    ),
  );
}

/** Session options that keep fillers out of the way, so TTFA is the answer's own first audio. */
export const NO_FILLERS: Partial<SessionOptions> = { fillerAfterMs: 600_000 };
