import { describe, expect, it } from 'vitest';
import { createHarness } from '../testing/index.js';
import type { TurnTrace } from './events.js';
import { words } from './text-for-speech.js';

const ANSWER = 'Your order four two one nine shipped on Monday and it will arrive on Thursday afternoon.';
/** The tone synthesizer's default pace. */
const MS_PER_CHAR = 60;

/** Words of `text` whose last character was played in `playedMs` of tone audio. */
function wordsPlayedWithin(text: string, playedMs: number): string {
  const chars = playedMs / MS_PER_CHAR;
  const out: string[] = [];
  let offset = 0;
  for (const w of words(text)) {
    const end = text.indexOf(w, offset) + w.length;
    offset = end;
    if (end <= chars) out.push(w);
    else break;
  }
  return out.join(' ');
}

async function closeMidReply(outputLatencyMs: number, playedMs: number) {
  const h = createHarness({ script: ['where is my order'], replies: [[{ text: ANSWER }]] });
  // What the recorder sees: the session's traces at the moment it ends.
  let tracesAtEnd: TurnTrace[] = [];
  h.session.onEvent((e) => {
    if (e.type === 'ended') tracesAtEnd = h.session.traces();
  });
  h.session.setOutputLatencyMs(outputLatencyMs);
  h.session.start();
  await h.say(500);
  while (h.agentFrames.length === 0) await h.silence(20);
  await h.silence(playedMs);
  const closedAtMs = h.clock.now();
  await h.session.close('hangup');
  const firstPlayedMs = h.agentFrames[0]?.startMs ?? 0;
  return {
    h,
    tracesAtEnd,
    heardExpected: wordsPlayedWithin(ANSWER, closedAtMs - outputLatencyMs - firstPlayedMs),
  };
}

describe('a reply cut by the session closing (finding 4)', () => {
  it('a session closed mid-reply records agentText and the heardText prefix (finding 4)', async () => {
    const { h, heardExpected } = await closeMidReply(0, 1500);
    expect(heardExpected.length).toBeGreaterThan(0);
    expect(heardExpected).not.toBe(ANSWER);

    const trace = h.session.traces()[0];
    expect(trace).toMatchObject({
      turnId: 1,
      userText: 'where is my order',
      agentText: ANSWER,
      heardText: heardExpected,
      interrupted: true,
    });
    expect(`${trace?.heardText} ${trace?.discardedText}`).toBe(ANSWER);

    // Observers (the recorder) get the trace and the reply's end before `ended`.
    const types = h.events.map((e) => e.type);
    const traced = types.indexOf('turn_trace');
    expect(traced).toBeGreaterThan(-1);
    expect(traced).toBeLessThan(types.indexOf('ended'));
    expect(h.first('turn_trace')?.trace.heardText).toBe(heardExpected);
    expect(h.first('reply_done')).toMatchObject({ text: ANSWER, interrupted: true });
    expect(h.session.history().at(-1)).toEqual({ role: 'assistant', content: heardExpected });

    // The reply winding down afterwards records nothing twice.
    await h.silence(3000);
    expect(h.session.traces()).toHaveLength(1);
    expect(h.of('turn_trace')).toHaveLength(1);
  });

  it('words still in the output latency at the hang-up were not heard (finding 4)', async () => {
    const { tracesAtEnd, heardExpected } = await closeMidReply(400, 2500);
    const trace = tracesAtEnd[0];
    expect(trace?.heardText).toBe(heardExpected);
    expect(trace?.agentText).toBe(ANSWER);
  });

  it('a session closed before any of the reply played records what the agent meant to say, heard nothing (finding 4)', async () => {
    const h = createHarness({
      script: ['where is my order'],
      replies: [[{ text: ANSWER }]],
      brainFirstTokenMs: 5000,
    });
    h.session.start();
    await h.say(500);
    while (h.of('reply_started').length === 0) await h.silence(20);
    await h.session.close('hangup');
    expect(h.session.traces()[0]).toMatchObject({ agentText: '', heardText: '', interrupted: true });
    expect(h.of('turn_trace')).toHaveLength(1);
  });
});
