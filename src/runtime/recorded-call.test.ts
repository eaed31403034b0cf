import { describe, expect, it } from 'vitest';
import { SESSION_SAMPLE_RATE } from '../audio/frame.js';
import { concat, silence, sine } from '../audio/signals.js';
import { createPackageTrackerAgent } from '../apps/package-tracker/index.js';
import { VirtualClock } from '../clock.js';
import { Session } from '../conversation/session.js';
import { EnergyVad, ScriptedRecognizer, ToneSynthesizer } from '../testing/index.js';
import { openDatabase } from '../store/database.js';
import { createToolGateway } from '../tools/gateway.js';
import { type RecordedCallResult, runRecordedCall } from './recorded-call.js';

/** Runs a recorded call on a virtual clock with scripted engines, advancing 20 ms at a time. */
async function callOnVirtualClock(samples: Int16Array, script: string[]): Promise<RecordedCallResult> {
  const clock = new VirtualClock();
  const agent = createPackageTrackerAgent({ db: openDatabase(':memory:') });
  let done = false;
  const call = runRecordedCall({
    samples,
    clock,
    settleMs: 1000,
    maxTailMs: 20_000,
    createSession: async (c) =>
      new Session(
        {
          id: 'recorded',
          clock: c,
          vad: new EnergyVad(),
          recognizer: new ScriptedRecognizer({ clock: c, script }),
          synthesizer: new ToneSynthesizer({ clock: c, msPerChar: 20 }),
          brain: agent.createBrain(),
          tools: createToolGateway({ sessionId: 'recorded', tools: agent.tools, clock: c }),
          agent,
        },
        { echoReturnGain: 0, idleCheckInMs: 0 },
      ),
  }).finally(() => {
    done = true;
  });
  for (let steps = 0; !done && steps < 5000; steps++) await clock.advance(20);
  return call;
}

const ms = (n: number) => Math.round((n * SESSION_SAMPLE_RATE) / 1000);

describe('a recorded call', () => {
  const caller = concat(
    silence(300, SESSION_SAMPLE_RATE),
    sine(220, 1500, SESSION_SAMPLE_RATE, 0.3),
    silence(500, SESSION_SAMPLE_RATE),
  );

  it('answers the caller, then hangs up once the agent has finished and things are quiet', async () => {
    const result = await callOnVirtualClock(caller, ['where is my order number four two one nine']);
    expect(result.errors).toEqual([]);
    expect(result.traces).toHaveLength(1);
    const [turn] = result.traces;
    expect(turn?.tools).toEqual([
      { name: 'get_order_status', args: { order_number: '4219' }, status: 'executed' },
    ]);
    expect(turn?.agentText).toMatch(/^Order four two one nine is in transit/);
    expect(turn?.interrupted).toBe(false);

    // The agent's audio sits where it was played on the session timeline, after the caller stopped.
    const playoutMs = (turn?.marks.playoutStart as number) - result.originMs;
    expect(playoutMs).toBeGreaterThan(1800);
    const firstAgentSample = result.agent.findIndex((s) => s !== 0);
    expect(Math.abs(firstAgentSample - ms(playoutMs))).toBeLessThanOrEqual(ms(20));
    const lastAgentSample = result.agent.findLastIndex((s) => s !== 0);
    const agentEndMs = (lastAgentSample * 1000) / SESSION_SAMPLE_RATE;

    // Silence went on after the recording until the answer was over, then about settleMs more.
    expect(result.caller.length).toBe(result.agent.length);
    expect(result.caller.subarray(0, caller.length)).toEqual(caller);
    // (counted from the last frame sent, which ends up to one frame before its last sample)
    expect(result.durationMs).toBeGreaterThanOrEqual(agentEndMs + 1000 - 20);
    expect(result.durationMs).toBeLessThan(agentEndMs + 1500);
  });

  it('hangs up soon after a recording the agent has nothing to say to', async () => {
    const result = await callOnVirtualClock(silence(1000, SESSION_SAMPLE_RATE), []);
    expect(result.traces).toEqual([]);
    expect(result.agent.every((s) => s === 0)).toBe(true);
    expect(result.durationMs).toBeGreaterThanOrEqual(2000);
    expect(result.durationMs).toBeLessThan(2500);
  });
});
