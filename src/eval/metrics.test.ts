import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '../conversation/events.js';
import { summarizeSuite } from './aggregate.js';
import { computeCallMetrics, percentile } from './metrics.js';
import { type AgentFrameRecord, type CallRecording, emptyRecording } from './recording.js';
import type { CallResult } from './runner.js';
import { normalizeSpoken, saysPhrase } from './text-match.js';

/** Agent audio emitted every 20 ms from `fromMs` while < `toMs` (the last frame ends at toMs). */
function speaking(fromMs: number, toMs: number): AgentFrameRecord[] {
  const frames: AgentFrameRecord[] = [];
  for (let t = fromMs; t < toMs; t += 20) frames.push({ atMs: t, durationMs: 20 });
  return frames;
}

function call(partial: Partial<CallRecording>): CallRecording {
  return {
    ...emptyRecording({ scenario: 'constructed', mode: 'streaming', originMs: 0, minInterruptionMs: 300 }),
    endMs: 20_000,
    ...partial,
  };
}

const committed = (turnId: number, atMs: number): SessionEvent => ({
  type: 'turn_committed',
  turnId,
  text: 'x',
  reason: 'silence',
  atMs,
});

describe('turn metrics on a constructed call', () => {
  it('counts agent audio that starts in a mid-number pause as a premature reply, and TTFA from the true end', () => {
    const m = computeCallMetrics(
      call({
        callerTurns: [
          {
            index: 0,
            kind: 'turn',
            text: 'my number is four two ... one nine',
            startMs: 1000,
            endMs: 4000,
            pauses: [{ startMs: 2000, endMs: 2800 }],
          },
        ],
        loadAtTurnEnd: [2],
        agentFrames: [...speaking(2300, 2700), ...speaking(4520, 6000)],
        events: [committed(1, 2200), committed(2, 4250)],
      }),
    );
    const [turn] = m.turns;
    expect(turn?.premature).toBe(true);
    expect(m.prematureReplies).toBe(1);
    expect(turn?.ttfaMs).toBe(520);
    expect(turn?.turnDetectionMs).toBe(250);
    expect(turn?.load).toBe(2);
  });

  it('a reply that waits for the end of the turn is not premature', () => {
    const m = computeCallMetrics(
      call({
        callerTurns: [
          { index: 0, kind: 'turn', text: 'four two ... one nine', startMs: 1000, endMs: 4000, pauses: [] },
        ],
        agentFrames: speaking(4400, 5000),
      }),
    );
    expect(m.prematureReplies).toBe(0);
    expect(m.turns[0]?.ttfaMs).toBe(400);
  });
});

describe('barge-in metrics', () => {
  const interrupt = (speechStartMs: number) => ({
    text: 'stop',
    turnIndex: 0,
    afterAgentAudioMs: 500,
    speechStartMs,
    crossingMs: speechStartMs + 300,
    agentSpeakingAtCrossing: true,
  });

  it('honours an interruption when agent audio ends within 200 ms of crossing minInterruptionMs', () => {
    // Crossing at 3000 + 300 = 3300; the last frame (3460) ends at 3480: 180 ms.
    const ok = computeCallMetrics(call({ agentFrames: speaking(2500, 3480), interrupts: [interrupt(3000)] }));
    expect(ok.interrupts[0]).toMatchObject({ applicable: true, honoured: true, stopLatencyMs: 180 });
    // Audio runs on to 3520: 220 ms after crossing is too late.
    const late = computeCallMetrics(
      call({ agentFrames: speaking(2500, 3520), interrupts: [interrupt(3000)] }),
    );
    expect(late.interrupts[0]).toMatchObject({ applicable: true, honoured: false, stopLatencyMs: 220 });
  });

  it('does not judge an interruption the agent had already finished before', () => {
    const m = computeCallMetrics(call({ agentFrames: speaking(2500, 3200), interrupts: [interrupt(3000)] }));
    expect(m.interrupts[0]).toMatchObject({ applicable: false, honoured: false });
  });

  it('honours an interruption the session acted on before the ground-truth crossing', () => {
    // The VAD heard "Wait, can you..." as one stretch and cut at 3250, before the crossing at 3300.
    const cut: SessionEvent = {
      type: 'interrupted',
      turnId: 1,
      heardText: 'a',
      discardedText: 'b',
      atMs: 3250,
    };
    const m = computeCallMetrics(
      call({ agentFrames: speaking(2500, 3260), interrupts: [interrupt(3000)], events: [cut] }),
    );
    expect(m.interrupts[0]).toMatchObject({ applicable: true, honoured: true, stopLatencyMs: -40 });
  });

  it('a cough during agent speech followed by a cut is a false barge-in; a resumed pause is not', () => {
    const cough = { kind: 'cough' as const, label: 'cough', startMs: 5500, endMs: 5700, duringAgent: true };
    const cut: SessionEvent = {
      type: 'interrupted',
      turnId: 1,
      heardText: 'a',
      discardedText: 'b',
      atMs: 5800,
    };
    const cutCall = computeCallMetrics(
      call({ agentFrames: speaking(5000, 5800), sounds: [cough], events: [cut] }),
    );
    expect(cutCall.sounds[0]).toMatchObject({ falseBargeIn: true, resumed: false });
    expect(cutCall.falseBargeIns).toBe(1);

    const resumed = computeCallMetrics(
      call({
        agentFrames: [...speaking(5000, 5800), ...speaking(6400, 7000)],
        sounds: [cough],
        events: [cut],
      }),
    );
    expect(resumed.sounds[0]).toMatchObject({ falseBargeIn: false, resumed: true });

    const ignored = computeCallMetrics(call({ agentFrames: speaking(5000, 7000), sounds: [cough] }));
    expect(ignored.falseBargeIns).toBe(0);
  });

  it('a commit while only the agent was talking is a self-response to echo', () => {
    const m = computeCallMetrics(
      call({
        callerTurns: [{ index: 0, kind: 'turn', text: 'hi', startMs: 500, endMs: 1000, pauses: [] }],
        agentFrames: speaking(1400, 6000),
        events: [committed(1, 1200), committed(2, 5500)],
      }),
    );
    expect(m.selfResponses).toBe(1);
  });
});

describe('aggregation', () => {
  it('percentiles interpolate and the streaming gain is sequential minus streaming median', () => {
    expect(percentile([100, 200, 300, 400], 50)).toBe(250);
    expect(percentile([], 50)).toBeUndefined();
    const result = (mode: 'streaming' | 'sequential', ttfa: number): CallResult => ({
      scenario: 's',
      description: '',
      channel: 'wideband',
      tags: [],
      mode,
      passed: true,
      checks: [],
      metrics: computeCallMetrics(
        call({
          mode,
          callerTurns: [{ index: 0, kind: 'turn', text: 'hi', startMs: 0, endMs: 1000, pauses: [] }],
          agentFrames: speaking(1000 + ttfa, 3000),
        }),
      ),
    });
    const summary = summarizeSuite([result('streaming', 400), result('sequential', 900)]);
    expect(summary.streamingGainMs).toBe(500);
    expect(summary.modes[0]?.ttfaMs.p50).toBe(400);
    expect(summary.modes[0]?.taskSuccess.rate).toBe(1);
  });
});

describe('spoken text matching', () => {
  it('reads spoken digits as the order number', () => {
    expect(normalizeSpoken('Order four two one nine is in transit.')).toBe('order 4219 is in transit');
    expect(saysPhrase('Order four two one nine is in transit with UPS.', '4219')).toBe(true);
    expect(saysPhrase('Order four two one eight', '4219')).toBe(false);
    expect(saysPhrase('transit', 'trans')).toBe(false);
  });
});
