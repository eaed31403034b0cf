import { describe, expect, it } from 'vitest';
import { SystemClock, VirtualClock } from '../clock.js';
import type { SessionApi } from '../conversation/api.js';
import type { SessionEvent } from '../conversation/events.js';
import { ScriptedBrain } from '../testing/index.js';
import type { Brain } from '../engines/types.js';
import { BudgetGuard, type BudgetLimit, GOODBYE_LINE, NEAR_LIMIT_LINE, resolveBudget } from './budget.js';

/** Just enough of a session to carry events to the guard. */
function eventSource() {
  const listeners = new Set<(e: SessionEvent) => void>();
  const session = {
    onEvent(l: (e: SessionEvent) => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  } as unknown as SessionApi;
  const emit = (e: SessionEvent) => {
    for (const l of listeners) l(e);
  };
  return { session, emit };
}

async function answer(brain: Brain): Promise<string> {
  let text = '';
  for await (const d of brain.respond({ messages: [], tools: [] }, new AbortController().signal)) {
    if (d.type === 'text') text += d.text;
  }
  return text;
}

function setup(budget: { maxCostUsd?: number; maxDurationMs?: number; maxTurns?: number }) {
  const clock = new VirtualClock();
  const exhausted: BudgetLimit[] = [];
  const guard = new BudgetGuard({
    budget: { maxCostUsd: 1, maxDurationMs: 600_000, maxTurns: 100, ...budget },
    clock,
    closeGraceMs: 1000,
    onExhausted: (limit) => exhausted.push(limit),
  });
  const { session, emit } = eventSource();
  guard.attach(session);
  const brain = guard.wrapBrain(
    new ScriptedBrain({
      clock: new SystemClock(),
      firstTokenMs: 0,
      tokenMs: 0,
      replies: [[{ text: 'Sure.' }]],
    }),
  );
  let turnId = 0;
  const turn = async () => {
    turnId++;
    emit({ type: 'turn_committed', turnId, text: 'hi', reason: 'test', atMs: clock.now() });
    const text = await answer(brain);
    emit({ type: 'reply_done', turnId, text, interrupted: false, atMs: clock.now() });
    return text;
  };
  return { clock, guard, exhausted, turn, emit };
}

describe('BudgetGuard', () => {
  it('warns once near the turn limit, says goodbye on the last turn, then hangs up after the grace', async () => {
    const { clock, exhausted, turn } = setup({ maxTurns: 5 });
    expect(await turn()).toBe('Sure.');
    expect(await turn()).toBe('Sure.');
    expect(await turn()).toBe('Sure.');
    expect(await turn()).toBe(`Sure. ${NEAR_LIMIT_LINE}`);
    expect(await turn()).toBe(`Sure. ${GOODBYE_LINE}`);
    expect(exhausted).toEqual([]);
    await clock.advance(999);
    expect(exhausted).toEqual([]);
    await clock.advance(1);
    expect(exhausted).toEqual(['turns']);
  });

  it('a caller who talks past the last turn is cut off at once', async () => {
    const { exhausted, turn, emit, clock } = setup({ maxTurns: 1 });
    expect(await turn()).toContain(GOODBYE_LINE);
    emit({ type: 'turn_committed', turnId: 2, text: 'wait', reason: 'test', atMs: clock.now() });
    expect(exhausted).toEqual(['turns']);
  });

  it('ends the call at the duration limit, after a warning at 80%', async () => {
    const { clock, exhausted, turn } = setup({ maxDurationMs: 10_000 });
    await clock.advance(7_999);
    expect(await turn()).toBe('Sure.');
    await clock.advance(1);
    expect(await turn()).toBe(`Sure. ${NEAR_LIMIT_LINE}`);
    expect(await turn()).toBe('Sure.');
    expect(exhausted).toEqual([]);
    await clock.advance(2_000);
    expect(exhausted).toEqual(['duration']);
  });

  it('lets the answer in progress finish when the cost limit is reached mid-reply', async () => {
    const { clock, guard, exhausted, emit } = setup({ maxCostUsd: 1 });
    guard.observeCostUsd(0.5);
    emit({ type: 'turn_committed', turnId: 1, text: 'hi', reason: 'test', atMs: 0 });
    guard.observeCostUsd(1.2);
    expect(exhausted).toEqual([]);
    emit({ type: 'reply_done', turnId: 1, text: 'Sure.', interrupted: false, atMs: 0 });
    await clock.advance(1000);
    expect(exhausted).toEqual(['cost']);
  });

  it('does not speak a wrap-up line in the middle of a tool round', async () => {
    const clock = new VirtualClock();
    const guard = new BudgetGuard({
      budget: { maxCostUsd: 1, maxDurationMs: 60_000, maxTurns: 100 },
      clock,
      onExhausted: () => {},
    });
    guard.observeCostUsd(0.9);
    const brain = guard.wrapBrain(
      new ScriptedBrain({
        clock: new SystemClock(),
        firstTokenMs: 0,
        tokenMs: 0,
        replies: [[{ toolCall: { name: 'get_order_status', arguments: '{}' } }], [{ text: 'It shipped.' }]],
      }),
    );
    expect(await answer(brain)).toBe('');
    expect(await answer(brain)).toBe(`It shipped. ${NEAR_LIMIT_LINE}`);
    expect(await answer(brain)).toBe('It shipped.');
  });
});

describe('resolveBudget', () => {
  it('takes requested limits within the server limits and refuses larger ones', () => {
    const server = { maxCostUsd: 1, maxDurationMs: 60_000, maxTurns: 10 };
    expect(resolveBudget(server, { maxTurns: 3 })).toEqual({ budget: { ...server, maxTurns: 3 } });
    expect(resolveBudget(server, undefined)).toEqual({ budget: server });
    expect(resolveBudget(server, { maxDurationMs: 120_000 })).toEqual({
      error: expect.stringContaining('maxDurationMs'),
    });
  });
});
