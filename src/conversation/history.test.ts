import { describe, expect, it } from 'vitest';
import { buildContext } from './context.js';
import { createHarness } from '../testing/index.js';
import { History, slotSummary } from './history.js';

const persona = 'You are the parcel line assistant. Be brief.';

describe('history and context', () => {
  it('summary keeps pinned facts after 40 turns, within the token budget', () => {
    const history = new History();
    for (let turn = 1; turn <= 40; turn++) {
      history.addUser(
        turn === 1
          ? 'my order number is four two one nine'
          : `question number ${turn} about delivery windows`,
        turn === 1 ? { orderNumber: '4219' } : {},
      );
      history.addAgent(`answer ${turn}: the courier usually comes in the afternoon between two and five.`);
      if (turn % 10 === 0) history.compact(slotSummary(history.summary(), history.olderThan(6)), 6);
    }
    expect(history.recent().length).toBeLessThanOrEqual(6 + 2 * 9);
    const ctx = buildContext(history, [], { persona, personaEveryTurns: 8, contextTokenBudget: 400 });
    const system = ctx.messages[0]?.content ?? '';
    expect(system).toContain('orderNumber=4219');
    expect(system).toContain('Summary of the call so far');
    expect(ctx.messages.at(-1)?.content).toContain('answer 40');
    const tokens = ctx.messages.reduce((n, m) => n + Math.ceil(m.content.length / 4) + 4, 0);
    expect(tokens).toBeLessThanOrEqual(400 + 60);
    // Turn 40 is a multiple of 8: the persona is re-injected near the end.
    expect(
      ctx.messages.some((m) => m.role === 'system' && m.content.startsWith('Reminder of your role')),
    ).toBe(true);
  });

  it('never leaves a tool result without its call when trimming', () => {
    const history = new History();
    history.addUser('where is it');
    history.addToolRound(
      '',
      [{ id: 'c1', name: 'get_order_status', arguments: '{"orderNumber":"4219"}' }],
      [{ callId: 'c1', name: 'get_order_status', status: 'executed', result: { status: 'late' } }],
    );
    history.addAgent('It is running late.');
    for (let budget = 20; budget < 120; budget += 5) {
      const ctx = buildContext(history, [], {
        persona: 'p',
        personaEveryTurns: 0,
        contextTokenBudget: budget,
      });
      expect(ctx.messages[1]?.role).not.toBe('tool');
    }
  });

  it('a session rolls its history into a summary every N turns and keeps the facts', async () => {
    const said = Array.from({ length: 7 }, (_, i) =>
      i === 0 ? 'my order is four two one nine' : `what about question ${i}`,
    );
    const h = createHarness({
      script: said,
      replies: [[{ text: 'Noted.' }]],
      options: { summaryEveryTurns: 3, keepRecentMessages: 2 },
      extractFacts: (text): Record<string, string> =>
        text.includes('four two one nine') ? { orderNumber: '4219' } : {},
    });
    h.session.start();
    for (let i = 0; i < said.length; i++) {
      await h.say(700);
      await h.silence(2500);
    }
    expect(h.of('turn_committed')).toHaveLength(7);
    const history = h.session.history();
    expect(history[0]?.role).toBe('system');
    expect(history[0]?.content).toContain('caller: my order is four two one nine');
    expect(history.length).toBeLessThanOrEqual(1 + 2 + 2);
    const lastCtx = h.brain.calls.at(-1)?.ctx;
    expect(lastCtx?.messages[0]?.content).toContain('orderNumber=4219');
  });

  it('an LLM brain writes the rolling summary when asked to', async () => {
    const said = ['my name is Ada', 'my order is four two one nine', 'when will it come'];
    const h = createHarness({
      script: said,
      options: { summaryEveryTurns: 3, keepRecentMessages: 2, summarizer: 'brain' },
      replies: [
        (ctx) =>
          ctx.tools.length === 0 && ctx.messages[0]?.content.startsWith('Summarize')
            ? [{ text: 'Ada asked about order 4219.' }]
            : [{ text: 'Noted.' }],
      ],
    });
    h.session.start();
    for (let i = 0; i < said.length; i++) {
      await h.say(500);
      await h.silence(2500);
    }
    const summaryCall = h.brain.calls.find((c) => c.ctx.messages[0]?.content.startsWith('Summarize'));
    expect(summaryCall?.ctx.messages[1]?.content).toContain('caller: my name is Ada');
    expect(h.session.history()[0]).toEqual({
      role: 'system',
      content: 'Summary of the call so far: Ada asked about order 4219.',
    });
  });
});
