import { describe, expect, it } from 'vitest';
import { concat, silence, sine } from '../audio/signals.js';
import { VirtualClock } from '../clock.js';
import { Session } from '../conversation/session.js';
import { EnergyVad, ScriptedBrain, ScriptedRecognizer, ToneSynthesizer } from '../testing/index.js';
import { createToolGateway } from '../tools/gateway.js';
import { judgeCall } from './expectations.js';
import { computeCallMetrics } from './metrics.js';
import type { CallRecording } from './recording.js';
import { parseScenario } from './scenario.js';
import { type StepAudio, simulateCall } from './simulator.js';

const RATE = 16_000;
const REPLY = 'Order four two one nine is in transit with UPS, and it should arrive on Thursday afternoon.';

/** A voiced stand-in for speech, padded with silence the way TTS output is. */
function voiced(ms: number): StepAudio {
  const lead = silence(100, RATE);
  const body = sine(220, ms, RATE, 0.3);
  return {
    samples: concat(lead, body, silence(150, RATE)),
    speechStart: lead.length,
    speechEnd: lead.length + body.length,
  };
}

async function runOnVirtualClock(
  doc: unknown,
  audio: Map<number, StepAudio>,
  script: string[],
): Promise<CallRecording> {
  const clock = new VirtualClock();
  const session = new Session(
    {
      id: 'sim',
      clock,
      vad: new EnergyVad(),
      recognizer: new ScriptedRecognizer({ clock, script }),
      synthesizer: new ToneSynthesizer({ clock, msPerChar: 40 }),
      brain: new ScriptedBrain({ clock, replies: [[{ text: REPLY }], [{ text: 'Okay, stopping.' }]] }),
      tools: createToolGateway({ sessionId: 'sim', tools: [], clock }),
      agent: { persona: 'A test agent.' },
    },
    { greeting: false, idleCheckInMs: 0 },
  );
  const scenario = parseScenario(doc, 'inline');
  let finished = false;
  const call = simulateCall({
    session,
    clock,
    scenario,
    audio,
    mode: 'streaming',
    minInterruptionMs: 300,
  }).finally(() => {
    finished = true;
  });
  for (let i = 0; i < 10_000 && !finished; i++) await clock.advance(20);
  return call;
}

describe('simulated call on a virtual clock with scripted engines', () => {
  it('waits out a mid-number pause, measures TTFA from the true speech end and honours a barge-in', async () => {
    const audio = new Map<number, StepAudio>([
      [0, voiced(900)],
      [2, voiced(300)],
      [3, voiced(700)],
    ]);
    const rec = await runOnVirtualClock(
      {
        name: 'pause-then-interrupt',
        steps: [
          { say: 'my order number is four two' },
          { pause: 600 },
          { say: 'one nine' },
          { interrupt: { text: 'stop please', afterAgentAudioMs: 1000 } },
          { wait_for_agent: {} },
        ],
        expect: {
          noPrematureReply: true,
          stopsWhenInterrupted: true,
          historyHeardOnly: true,
          agentSays: ['4219'],
        },
      },
      audio,
      ['my order number is four two one nine', 'stop please'],
    );

    expect(rec.callerTurns.map((t) => t.kind)).toEqual(['turn', 'interrupt']);
    const [turn] = rec.callerTurns;
    // The pause sits between the two parts of the number on the caller's timeline.
    expect(turn?.pauses).toHaveLength(1);
    expect((turn?.pauses[0]?.endMs ?? 0) - (turn?.pauses[0]?.startMs ?? 0)).toBeGreaterThanOrEqual(600);

    const m = computeCallMetrics(rec);
    expect(m.turns[0]?.premature).toBe(false);
    expect(m.turns[0]?.ttfaMs).toBeGreaterThan(0);
    expect(m.turns[0]?.turnDetectionMs).toBeGreaterThanOrEqual(0);
    expect(m.interrupts[0]).toMatchObject({ applicable: true, honoured: true });

    const failed = judgeCall(parseScenario({ name: 'x', steps: [{ say: 'x' }], expect: {} }), rec, m);
    expect(failed).toEqual([]);
    const checks = judgeCall(
      parseScenario(
        {
          name: 'x',
          steps: [{ say: 'x' }],
          expect: {
            noPrematureReply: true,
            stopsWhenInterrupted: true,
            historyHeardOnly: true,
            agentSays: ['4219'],
          },
        },
        'inline',
      ),
      rec,
      m,
    );
    expect(checks.filter((c) => !c.passed)).toEqual([]);
    // The agent was cut: what the caller heard is a strict prefix of the reply, and the mic
    // and agent tracks hold audio on one timeline.
    const cut = rec.traces.find((t) => t.interrupted);
    expect(cut?.heardText.length).toBeLessThan(REPLY.length);
    expect(rec.agentTrack.some((s) => s !== 0)).toBe(true);
    expect(rec.micTrack.length).toBeGreaterThan(RATE * 3);
  });

  it('leaks the agent into the mic when echo is set', async () => {
    const audio = new Map<number, StepAudio>([[0, voiced(900)]]);
    const run = (echo?: { delayMs: number; attenuationDb: number }) =>
      runOnVirtualClock(
        {
          name: 'echo',
          ...(echo ? { echo } : {}),
          steps: [{ say: 'where is my order' }, { wait_for_agent: {} }],
        },
        audio,
        ['where is my order'],
      );
    const dry = await run();
    const wet = await run({ delayMs: 40, attenuationDb: 20 });
    const energyAfterSpeech = (r: CallRecording) => {
      const from = Math.round(((r.callerTurns[0]?.endMs ?? 0) - r.originMs + 300) * 16);
      return r.micTrack.subarray(from).reduce((n, s) => n + Math.abs(s), 0);
    };
    expect(energyAfterSpeech(dry)).toBe(0);
    expect(energyAfterSpeech(wet)).toBeGreaterThan(0);
  });
});
