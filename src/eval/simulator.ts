/**
 * The caller's phone: plays a scenario's caller audio into a real session one 20 ms frame at a
 * time on the session's clock, records the agent's audio as it is emitted, mixes echo back into
 * the mic when asked, and keeps the ground truth (true end of each caller utterance).
 */
import { FRAME_MS, SESSION_SAMPLE_RATE } from '../audio/frame.js';
import type { Clock, SessionApi } from '../index.js';
import { MicQueue } from './mic-queue.js';
import { speechCrossing } from './noise.js';
import { PcmTrack } from './pcm-track.js';
import {
  AGENT_RUN_GAP_MS,
  agentRuns,
  type CallerTurn,
  type CallRecording,
  emptyRecording,
} from './recording.js';
import type { Scenario, Step } from './scenario.js';

/** A step's audio, 16 kHz mono, with where the speech really is (sample offsets). */
export interface StepAudio {
  samples: Int16Array;
  speechStart: number;
  speechEnd: number;
}

export interface SimulateOptions {
  session: SessionApi;
  /** The session's own clock, so both sides share one timeline. */
  clock: Clock;
  scenario: Scenario;
  /** Audio for every say/backchannel/interrupt/noise step, by step index. */
  audio: Map<number, StepAudio>;
  mode: 'streaming' | 'sequential';
  /** The session's barge-in threshold, for the barge-in success window. */
  minInterruptionMs: number;
  /** Calls running at once right now (for TTFA by load). */
  load?: () => number;
}

/** How long the agent must stay quiet (and have no reply open) before a wait counts as answered. */
const AGENT_DONE_QUIET_MS = 700;
/** After the last step, how long to let an unfinished reply play out. */
const TAIL_GRACE_MS = 15_000;
const SAMPLES_PER_MS = SESSION_SAMPLE_RATE / 1000;
const FRAME_SAMPLES = FRAME_MS * SAMPLES_PER_MS;

export async function simulateCall(o: SimulateOptions): Promise<CallRecording> {
  const { session, clock, scenario } = o;
  const origin = clock.now();
  const timeOf = (sample: number) => origin + sample / SAMPLES_PER_MS;
  const rec = emptyRecording({
    scenario: scenario.name,
    mode: o.mode,
    originMs: origin,
    minInterruptionMs: o.minInterruptionMs,
    echo: scenario.echo,
  });
  const mic = new PcmTrack();
  const agent = new PcmTrack();
  const queue = new MicQueue();
  const openReplies = new Set<number>();
  let agentEnd = -1;
  let lastAgentFrameAt = Number.NEGATIVE_INFINITY;
  let runStartAt = Number.NEGATIVE_INFINITY;
  let heardTurn: number | undefined;

  const offAudio = session.onAgentAudio((frame) => {
    const at = clock.now();
    rec.agentFrames.push({ atMs: at, durationMs: (frame.samples.length * 1000) / frame.sampleRate });
    if (at - lastAgentFrameAt > AGENT_RUN_GAP_MS) runStartAt = at;
    lastAgentFrameAt = at;
    // Frames are paced in real time: lay them end to end unless there was a real gap.
    const position = Math.round((at - origin) * SAMPLES_PER_MS);
    const place = agentEnd >= 0 && Math.abs(position - agentEnd) <= 3 * FRAME_SAMPLES ? agentEnd : position;
    agent.write(place, frame.samples);
    agentEnd = place + frame.samples.length;
    if (heardTurn !== undefined) {
      session.reportHeard(heardTurn, at);
      heardTurn = undefined;
    }
  });
  const offEvents = session.onEvent((e) => {
    rec.events.push(e);
    if (e.type === 'reply_started') openReplies.add(e.turnId);
    else if (e.type === 'reply_done') openReplies.delete(e.turnId);
    else if (e.type === 'agent_audio_started') heardTurn = e.turnId;
  });

  // The phone plays audio straight to the ear: nothing sits between emission and hearing.
  session.setOutputLatencyMs(0);
  session.start();

  const echoGain = scenario.echo ? 10 ** (-scenario.echo.attenuationDb / 20) : 0;
  const echoDelaySamples = Math.round((scenario.echo?.delayMs ?? 0) * SAMPLES_PER_MS);
  let cursor = 0;
  let stopped = false;
  const pump = (async () => {
    for (let n = 0; !stopped; n++) {
      // A mic delivers a frame once it has been recorded: frame n leaves at the end of its 20 ms.
      const wait = origin + (n + 1) * FRAME_MS - clock.now();
      if (wait > 0) await clock.sleep(wait);
      if (stopped) break;
      const samples = queue.take(FRAME_SAMPLES, cursor);
      if (echoGain > 0) {
        const leak = agent.read(cursor - echoDelaySamples, FRAME_SAMPLES);
        for (let i = 0; i < samples.length; i++) {
          const mixed = (samples[i] as number) + Math.round((leak[i] as number) * echoGain);
          samples[i] = Math.max(-32768, Math.min(32767, mixed));
        }
      }
      mic.write(cursor, samples);
      session.pushAudio({ samples, sampleRate: SESSION_SAMPLE_RATE, startMs: timeOf(cursor) });
      cursor += FRAME_SAMPLES;
    }
  })();

  const agentSpeakingNow = () => clock.now() - lastAgentFrameAt <= AGENT_RUN_GAP_MS;
  const tick = () => clock.sleep(FRAME_MS);
  const load = () => o.load?.() ?? 1;
  let lastCallerSpeechEnd = origin;
  let turn: CallerTurn | undefined;
  let turnLoad = 1;
  let pausedInTurn = false;

  const closeTurn = () => {
    if (!turn) return;
    rec.callerTurns.push(turn);
    rec.loadAtTurnEnd.push(turnLoad);
    turn = undefined;
  };

  /** Waits for the agent to be speaking, then until `afterMs` of its current audio has played. */
  const intoAgentAudio = async (afterMs: number, timeoutMs = 15_000) => {
    const deadline = clock.now() + timeoutMs;
    while (!agentSpeakingNow() && clock.now() < deadline) await tick();
    const wait = runStartAt + afterMs - clock.now();
    if (wait > 0) await clock.sleep(wait);
  };

  const speak = async (audio: StepAudio) => {
    const start = await queue.enqueue(audio.samples);
    return { startMs: timeOf(start + audio.speechStart), endMs: timeOf(start + audio.speechEnd) };
  };

  const audioOf = (index: number): StepAudio => {
    const a = o.audio.get(index);
    if (!a) throw new Error(`${scenario.name}: no audio prepared for step ${index}`);
    return a;
  };

  const runStep = async (step: Step, index: number) => {
    switch (step.type) {
      case 'say': {
        const { startMs, endMs } = await speak(audioOf(index));
        if (turn) {
          if (pausedInTurn) turn.pauses.push({ startMs: turn.endMs, endMs: startMs });
          turn.text = `${turn.text} ${step.text}`;
          turn.endMs = endMs;
        } else {
          turn = { index: rec.callerTurns.length, kind: 'turn', text: step.text, startMs, endMs, pauses: [] };
        }
        pausedInTurn = false;
        turnLoad = load();
        lastCallerSpeechEnd = endMs;
        return;
      }
      case 'pause':
        await queue.enqueue(new Int16Array(step.ms * SAMPLES_PER_MS));
        pausedInTurn = true;
        return;
      case 'silence': {
        closeTurn();
        const start = await queue.enqueue(new Int16Array(step.ms * SAMPLES_PER_MS));
        rec.silences.push({ startMs: timeOf(start), endMs: timeOf(start) + step.ms });
        return;
      }
      case 'noise': {
        closeTurn();
        if (step.duringAgent) await intoAgentAudio(step.afterAgentAudioMs);
        const duringAgent = agentSpeakingNow();
        const audio = audioOf(index);
        const start = await queue.enqueue(audio.samples);
        rec.sounds.push({
          kind: step.kind,
          label: `${step.kind} ${step.levelDbfs} dBFS`,
          startMs: timeOf(start),
          endMs: timeOf(start + audio.samples.length),
          duringAgent,
        });
        return;
      }
      case 'backchannel': {
        closeTurn();
        await intoAgentAudio(step.afterAgentAudioMs);
        const duringAgent = agentSpeakingNow();
        const { startMs, endMs } = await speak(audioOf(index));
        rec.sounds.push({ kind: 'backchannel', label: step.text, startMs, endMs, duringAgent });
        lastCallerSpeechEnd = endMs;
        return;
      }
      case 'interrupt': {
        closeTurn();
        await intoAgentAudio(step.afterAgentAudioMs);
        const audio = audioOf(index);
        const { startMs, endMs } = await speak(audio);
        const crossing = speechCrossing(audio.samples, SESSION_SAMPLE_RATE, o.minInterruptionMs);
        const crossingMs =
          crossing === undefined
            ? startMs + o.minInterruptionMs
            : startMs + (crossing - audio.speechStart) / SAMPLES_PER_MS;
        turn = {
          index: rec.callerTurns.length,
          kind: 'interrupt',
          text: step.text,
          startMs,
          endMs,
          pauses: [],
        };
        turnLoad = load();
        pausedInTurn = false;
        rec.interrupts.push({
          text: step.text,
          turnIndex: turn.index,
          afterAgentAudioMs: step.afterAgentAudioMs,
          speechStartMs: startMs,
          crossingMs,
          agentSpeakingAtCrossing: false,
        });
        lastCallerSpeechEnd = endMs;
        return;
      }
      case 'wait_for_agent': {
        closeTurn();
        const startMs = clock.now();
        const since = lastCallerSpeechEnd;
        let answered = false;
        while (clock.now() - startMs < step.timeoutMs) {
          await tick();
          answered ||= lastAgentFrameAt > since;
          if (answered && !agentSpeakingNow() && openReplies.size === 0) {
            if (clock.now() - lastAgentFrameAt >= AGENT_DONE_QUIET_MS) break;
          }
        }
        rec.waits.push({ startMs, endMs: clock.now(), answered, expectReply: step.expectReply });
        return;
      }
    }
  };

  try {
    for (const [index, step] of scenario.steps.entries()) await runStep(step, index);
    closeTurn();
    await clock.sleep(scenario.tailMs);
    const graceEnd = clock.now() + TAIL_GRACE_MS;
    while (clock.now() < graceEnd) {
      const quiet = clock.now() - lastAgentFrameAt >= AGENT_DONE_QUIET_MS;
      if (quiet && openReplies.size === 0) break;
      await tick();
    }
  } finally {
    stopped = true;
    queue.clear();
    await pump;
    rec.history = session.history();
    await session.close('call finished');
    rec.traces = session.traces();
    offAudio();
    offEvents();
  }
  rec.endMs = clock.now();
  rec.micTrack = mic.toInt16Array();
  rec.agentTrack = agent.toInt16Array();
  const runs = agentRuns(rec.agentFrames);
  for (const i of rec.interrupts) {
    i.agentSpeakingAtCrossing = runs.some((r) => r.startMs <= i.speechStartMs && r.endMs > i.crossingMs);
  }
  return rec;
}
