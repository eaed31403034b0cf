import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../clock.js';
import { ScriptedBrain } from '../testing/index.js';
import type { BrainDelta } from '../engines/types.js';
import { HedgedBrain } from './hedging.js';

async function collect(brain: HedgedBrain, clock: VirtualClock, ms: number) {
  const deltas: BrainDelta[] = [];
  let failure: unknown;
  const run = (async () => {
    try {
      for await (const d of brain.respond({ messages: [], tools: [] }, new AbortController().signal))
        deltas.push(d);
    } catch (err) {
      failure = err;
    }
  })();
  await clock.advance(ms);
  await run;
  return { text: deltas.map((d) => (d.type === 'text' ? d.text : '')).join(''), failure };
}

describe('HedgedBrain', () => {
  it('uses the brain whose first token comes first and cancels the other', async () => {
    const clock = new VirtualClock();
    const slow = new ScriptedBrain({
      clock,
      name: 'slow',
      firstTokenMs: 400,
      replies: [[{ text: 'slow answer' }]],
    });
    const fast = new ScriptedBrain({
      clock,
      name: 'fast',
      firstTokenMs: 80,
      replies: [[{ text: 'fast answer' }]],
    });
    const { text } = await collect(new HedgedBrain([slow, fast]), clock, 1000);
    expect(text).toBe('fast answer');
    expect(fast.calls[0]?.completed).toBe(true);
    expect(slow.calls[0]?.aborted).toBe(true);
    expect(slow.calls[0]?.completed).toBe(false);
  });

  it('ignores a brain that fails first and keeps the other', async () => {
    const clock = new VirtualClock();
    const broken = new ScriptedBrain({ clock, firstTokenMs: 10, replies: [[{ fail: 'rate limited' }]] });
    const steady = new ScriptedBrain({ clock, firstTokenMs: 200, replies: [[{ text: 'steady answer' }]] });
    const { text, failure } = await collect(new HedgedBrain([broken, steady]), clock, 1000);
    expect(failure).toBeUndefined();
    expect(text).toBe('steady answer');
  });

  it('fails only when every brain fails', async () => {
    const clock = new VirtualClock();
    const a = new ScriptedBrain({ clock, replies: [[{ fail: 'down' }]] });
    const b = new ScriptedBrain({ clock, replies: [[{ fail: 'also down' }]] });
    const { failure } = await collect(new HedgedBrain([a, b]), clock, 500);
    expect((failure as Error).message).toMatch(/down/);
  });

  it('a tool call counts as a usable first token', async () => {
    const clock = new VirtualClock();
    const tools = new ScriptedBrain({
      clock,
      firstTokenMs: 30,
      replies: [[{ toolCall: { name: 'get_order_status', arguments: '{}' } }]],
    });
    const talker = new ScriptedBrain({ clock, firstTokenMs: 60, replies: [[{ text: 'hello' }]] });
    const { text } = await collect(new HedgedBrain([talker, tools]), clock, 500);
    expect(text).toBe('');
    expect(talker.calls[0]?.aborted).toBe(true);
  });
});
