import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '../../src/conversation/events.js';
import { applyEvent, applyHeardStart, emptyModel, waterfall } from './model.js';

function run(events: SessionEvent[]) {
  const model = emptyModel();
  for (const e of events) applyEvent(model, e);
  return model;
}

describe('call model', () => {
  it('shows partials until the final transcript, then the heard reply', () => {
    const model = run([
      { type: 'transcript_partial', turnId: 1, text: 'where is', stableText: '', atMs: 1 },
      { type: 'transcript_partial', turnId: 1, text: 'where is my order', stableText: 'where is', atMs: 2 },
    ]);
    expect(model.turns[0]).toMatchObject({ userText: 'where is my order', userFinal: false });
    applyEvent(model, { type: 'transcript_final', turnId: 1, text: 'where is my order four', atMs: 3 });
    applyEvent(model, { type: 'reply_started', turnId: 1, atMs: 4 });
    applyEvent(model, { type: 'clause', turnId: 1, text: 'Order 4219', index: 0, atMs: 5 });
    applyEvent(model, { type: 'clause', turnId: 1, text: 'is in transit.', index: 1, atMs: 6 });
    applyEvent(model, { type: 'agent_heard', turnId: 1, text: 'Order 4219', atMs: 7 });
    expect(model.turns[0]).toMatchObject({
      userText: 'where is my order four',
      userFinal: true,
      agentText: 'Order 4219 is in transit.',
      heardText: 'Order 4219',
    });
  });

  it('cuts the reply where the caller interrupted', () => {
    const model = run([
      {
        type: 'clause',
        turnId: 2,
        text: 'Your order is in transit and arrives Thursday.',
        index: 0,
        atMs: 1,
      },
      {
        type: 'interrupted',
        turnId: 2,
        heardText: 'Your order is in transit',
        discardedText: 'and arrives Thursday.',
        atMs: 2,
      },
      { type: 'reply_done', turnId: 2, text: 'Your order is in transit', interrupted: true, atMs: 3 },
    ]);
    expect(model.turns[0]).toMatchObject({
      interrupted: true,
      heardText: 'Your order is in transit',
      discardedText: 'and arrives Thursday.',
    });
  });

  it('keeps the greeting and a later check-in as separate agent lines', () => {
    const model = run([
      { type: 'reply_started', turnId: 0, atMs: 0 },
      { type: 'reply_done', turnId: 0, text: 'Hi, how can I help?', interrupted: false, atMs: 1 },
      { type: 'reply_started', turnId: 0, atMs: 9000 },
      { type: 'reply_done', turnId: 0, text: 'Are you still there?', interrupted: false, atMs: 9001 },
    ]);
    expect(model.turns.map((t) => t.heardText)).toEqual(['Hi, how can I help?', 'Are you still there?']);
  });

  it('keeps an idle check-in after an answered turn off that turn', () => {
    const model = run([
      { type: 'transcript_final', turnId: 1, text: 'where is my order', atMs: 0 },
      { type: 'reply_started', turnId: 1, atMs: 1 },
      { type: 'reply_done', turnId: 1, text: 'It is in transit.', interrupted: false, atMs: 2 },
      { type: 'reply_started', turnId: 1, atMs: 9000 },
      { type: 'reply_done', turnId: 1, text: 'Are you still there?', interrupted: false, atMs: 9001 },
    ]);
    expect(model.turns.map((t) => [t.userText, t.heardText])).toEqual([
      ['where is my order', 'It is in transit.'],
      ['', 'Are you still there?'],
    ]);
  });

  it('computes TTFA from the client heard time when the trace has none yet', () => {
    const model = emptyModel();
    applyEvent(model, {
      type: 'turn_trace',
      atMs: 0,
      trace: {
        turnId: 1,
        userText: 'hi',
        agentText: 'Hello!',
        heardText: 'Hello!',
        interrupted: false,
        discardedText: '',
        marks: { speechEnd: 1000, committed: 1300, playoutStart: 1700 },
        tools: [],
      },
    });
    applyHeardStart(model, 1, 1810);
    expect(model.turns[0]?.ttfaMs).toBe(810);
    expect(waterfall(model.turns[0]!.marks)).toEqual([
      { label: 'speech end', offsetMs: 0 },
      { label: 'committed', offsetMs: 300 },
      { label: 'playout', offsetMs: 700 },
      { label: 'heard', offsetMs: 810 },
    ]);
  });
});
