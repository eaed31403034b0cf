import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../clock.js';
import { isAffirmative } from '../../conversation/completeness.js';
import { toolResultContent } from '../../conversation/history.js';
import type { BrainDelta, ChatMessage } from '../../index.js';
import { createToolGateway } from '../../tools/gateway.js';
import agent from './agent.js';

/**
 * Drives the agent as a session does: committed turns into the messages, a clear yes arms the
 * pending confirmation, proposals go through the real gateway and come back as tool messages.
 */
async function harness() {
  const def = await agent.create({ dataDir: tmpdir(), ephemeral: true });
  const gateway = createToolGateway({
    sessionId: 's1',
    tools: def.tools,
    clock: new VirtualClock(),
    audit: { record: () => {} },
  });
  const brain = def.createBrain?.();
  if (!brain) throw new Error('no brain');
  const messages: ChatMessage[] = [{ role: 'system', content: def.persona }];
  const tools: { name: string; args: unknown; status: string; result?: unknown }[] = [];
  let turnId = 0;

  async function say(userText: string): Promise<string> {
    turnId++;
    messages.push({ role: 'user', content: userText });
    if (isAffirmative(userText)) gateway.confirmPending(turnId);
    else gateway.cancelPending();
    for (let round = 0; round < 3; round++) {
      const deltas: BrainDelta[] = [];
      for await (const d of brain!.respond(
        { messages: [...messages], tools: gateway.specs() },
        new AbortController().signal,
      ))
        deltas.push(d);
      const calls = deltas.flatMap((d) => (d.type === 'tool_call' ? [d.call] : []));
      const text = deltas.map((d) => (d.type === 'text' ? d.text : '')).join('');
      if (calls.length === 0) {
        messages.push({ role: 'assistant', content: text });
        return text;
      }
      messages.push({ role: 'assistant', content: text, toolCalls: calls });
      for (const call of calls) {
        const outcome = await gateway.propose(
          {
            callId: call.id,
            name: call.name,
            arguments: call.arguments,
            sessionId: 's1',
            turnId,
            phase: 'committed',
          },
          new AbortController().signal,
        );
        tools.push({
          name: outcome.name,
          args: outcome.args,
          status: outcome.status,
          result: outcome.result,
        });
        messages.push({
          role: 'tool',
          toolCallId: call.id,
          name: call.name,
          content: toolResultContent(outcome),
        });
      }
    }
    throw new Error('the brain kept calling tools');
  }
  const executed = (name: string) => tools.filter((t) => t.name === name && t.status === 'executed');
  return { say, tools, executed, messages, close: () => def.close?.() };
}

describe('store controller returns', () => {
  it('asks for each missing slot, confirms, and starts the return after a yes', async () => {
    const { say, executed, tools } = await harness();
    expect(await say('I want to return something.')).toMatch(/order you want to return\?$/);
    expect(await say('It is one two three four.')).toBe(
      'Order one two three four can be returned. Why are you returning it?',
    );
    expect(await say('It arrived broken.')).toMatch(/original payment, or as store credit\?$/);
    expect(await say('Store credit please.')).toBe(
      'Do you want me to start a return for order one two three four, because it arrived damaged, with store credit?',
    );
    expect(executed('start_return')).toEqual([]);
    expect(await say('Yes.')).toMatch(/^Done\. The return for order one two three four is started\./);
    expect(executed('start_return')).toEqual([
      expect.objectContaining({
        args: { order_number: '1234', reason: 'damaged', refund_method: 'store_credit' },
      }),
    ]);
    expect(tools.filter((t) => t.name === 'start_return').map((t) => t.status)).toEqual([
      'needs_confirmation',
      'executed',
    ]);
  });

  it('takes every slot from one sentence and goes straight to the confirmation', async () => {
    const { say, tools } = await harness();
    const answer = await say(
      "I'd like to return order one two three four, it doesn't fit, refund it to my credit card.",
    );
    expect(answer).toBe(
      "Do you want me to start a return for order one two three four, because it doesn't fit, with a refund to your original payment?",
    );
    expect(tools.map((t) => `${t.name}:${t.status}`)).toEqual([
      'get_return_eligibility:executed',
      'start_return:needs_confirmation',
    ]);
  });

  it('starts nothing when the caller says no, and takes a changed method as a new proposal', async () => {
    const { say, executed } = await harness();
    await say('I want to return order one two three four because I no longer need it.');
    expect(await say('The original payment.')).toMatch(/^Do you want me to start a return/);
    expect(await say('No, store credit instead.')).toMatch(/with store credit\?$/);
    expect(await say('No, never mind.')).toBe(
      "Okay, I won't start a return for order one two three four. Is there anything else?",
    );
    expect(executed('start_return')).toEqual([]);
  });

  it('refuses orders not yet delivered or already returned before asking anything else', async () => {
    const { say, executed } = await harness();
    expect(await say('I want to return order four two one nine.')).toBe(
      "Order four two one nine is still in transit and should arrive Thursday, so it can't be returned yet. You can return it once it is delivered, or cancel it before then.",
    );
    expect(await say('Can I return order nine nine nine nine? It is broken.')).toMatch(
      /^A return for order nine nine nine nine was already started with store credit/,
    );
    expect(executed('start_return')).toEqual([]);
  });

  it('refuses in data when start_return is proposed for an order that cannot be returned', async () => {
    const { say, tools } = await harness();
    await say('Return order one two three four, it arrived damaged, store credit please.');
    await say('Yes.');
    // A second return of the same order, straight to the tool, is refused without throwing.
    await say('Return order one two three four, it arrived damaged, store credit please.');
    const last = tools.at(-1);
    expect(last?.name).toBe('get_return_eligibility');
    expect(last?.result).toMatchObject({ eligible: false, refusal: 'already_returned' });
  });

  it('remembers the order number from an earlier tracking question', async () => {
    const { say, executed } = await harness();
    expect(await say('Where is my order one two three four?')).toMatch(/delivered/);
    expect(await say('I want to return it, it is the wrong item.')).toMatch(/store credit\?$/);
    expect(executed('get_return_eligibility')[0]?.args).toEqual({ order_number: '1234' });
  });

  it('asks the reason again when it cannot place the answer, and lets the caller drop the return', async () => {
    const { say } = await harness();
    await say('I want to return order one two three four.');
    expect(await say('Well you know how it is.')).toMatch(/^Sorry, why are you returning it\?/);
    expect(await say('No.')).toBe('Okay, no return then. Is there anything else?');
  });

  it('takes "no, store credit" as an answer to the refund question, not as dropping the return', async () => {
    const { say } = await harness();
    await say('I want to return order one two three four, it arrived damaged.');
    expect(await say('No, store credit.')).toMatch(
      /^Do you want me to start a return .* with store credit\?$/,
    );
  });

  it('leaves the return for a new request of another kind', async () => {
    const { say, executed } = await harness();
    await say('I want to return order one two three four.');
    expect(await say('Actually, where is my order four two one nine?')).toMatch(/in transit/);
    expect(executed('get_order_status')).toHaveLength(1);
  });
});

describe('store controller refund policy', () => {
  it.each([
    ['How long do refunds take?', 'refund_timing', /five to seven business days/],
    ['Can I get store credit?', 'store_credit', /store credit instead of a refund/],
    ["What's your return policy?", 'overview', /within thirty days/],
    ['How many days do I have to return an item?', 'return_window', /thirty days of delivery/],
    ['Do I have to pay for return shipping?', 'return_shipping', /prepaid return label/],
    ['When will I get my money back?', 'refund_timing', /business days/],
  ])('%s', async (question, topic, answer) => {
    const { say, tools } = await harness();
    expect(await say(question)).toMatch(answer);
    expect(tools).toEqual([
      expect.objectContaining({ name: 'get_refund_policy', args: { topic }, status: 'executed' }),
    ]);
  });
});

describe('store controller still tracks and cancels', () => {
  it('answers a tracking question as the package tracker does', async () => {
    const { say } = await harness();
    expect(await say('Where is my order four two one nine?')).toBe(
      'Order four two one nine is in transit with UPS and should arrive Thursday. It was delayed by weather.',
    );
  });

  it('cancels after a yes', async () => {
    const { say, executed } = await harness();
    // The caller check of the package tracker's tools comes first (issue 15, finding 5).
    expect(await say('Cancel my order five six seven eight.')).toMatch(/postcode on order/);
    expect(await say('Four six three nine one.')).toMatch(/Do you want me to cancel/);
    expect(await say('Yes please.')).toMatch(/is cancelled/);
    expect(executed('cancel_order')).toHaveLength(1);
  });

  it('names returns in its answer to something off the subject', async () => {
    const { say, tools } = await harness();
    expect(await say('Can you book me a table for dinner tonight?')).toMatch(/returns and refunds/);
    expect(tools).toEqual([]);
  });
});
