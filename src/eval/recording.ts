/**
 * What one simulated call leaves behind: the caller's ground truth and the agent's audio on one
 * timeline (ms on the session clock), plus everything the session reported.
 */
import type { ChatMessage, SessionEvent, TurnTrace } from '../index.js';

/** A caller turn: consecutive `say`/`pause` steps, or an interruption and what follows it. */
export interface CallerTurn {
  index: number;
  kind: 'turn' | 'interrupt';
  text: string;
  /** True onset of the first word. */
  startMs: number;
  /** True end of the last word: the ground truth TTFA is measured from. */
  endMs: number;
  /** Intervals of caller silence inside the turn (mid-sentence or mid-number pauses). */
  pauses: { startMs: number; endMs: number }[];
}

export interface CallerSound {
  kind: 'backchannel' | 'cough' | 'door' | 'babble' | 'white';
  label: string;
  startMs: number;
  endMs: number;
  /** Whether agent audio was playing when the sound began. */
  duringAgent: boolean;
}

export interface InterruptRecord {
  text: string;
  turnIndex: number;
  afterAgentAudioMs: number;
  /** True onset of the interrupting speech. */
  speechStartMs: number;
  /** When the caller had spoken minInterruptionMs without a real break (ground truth for barge-in). */
  crossingMs: number;
  /** Whether agent audio was still playing when the interruption crossed minInterruptionMs. */
  agentSpeakingAtCrossing: boolean;
}

export interface AgentFrameRecord {
  /** When the session emitted it (session clock). */
  atMs: number;
  durationMs: number;
}

export interface WaitRecord {
  startMs: number;
  endMs: number;
  answered: boolean;
  expectReply: boolean;
}

export interface CallRecording {
  scenario: string;
  mode: 'streaming' | 'sequential';
  /** Session-clock time of the first mic sample. */
  originMs: number;
  endMs: number;
  minInterruptionMs: number;
  echo?: { delayMs: number; attenuationDb: number };
  callerTurns: CallerTurn[];
  sounds: CallerSound[];
  interrupts: InterruptRecord[];
  silences: { startMs: number; endMs: number }[];
  waits: WaitRecord[];
  agentFrames: AgentFrameRecord[];
  events: SessionEvent[];
  traces: TurnTrace[];
  history: ChatMessage[];
  /** Number of calls running at once when each caller turn ended (same order as callerTurns). */
  loadAtTurnEnd: number[];
  /** 16 kHz tracks from originMs: what the mic sent, what the agent emitted (placed as heard). */
  micTrack: Int16Array;
  agentTrack: Int16Array;
}

/** A recording with nothing in it yet, starting (and so far ending) at `originMs`. */
export function emptyRecording(
  head: Pick<CallRecording, 'scenario' | 'mode' | 'originMs' | 'minInterruptionMs' | 'echo'>,
): CallRecording {
  const { echo, ...rest } = head;
  return {
    ...rest,
    endMs: head.originMs,
    ...(echo ? { echo } : {}),
    callerTurns: [],
    sounds: [],
    interrupts: [],
    silences: [],
    waits: [],
    agentFrames: [],
    events: [],
    traces: [],
    history: [],
    loadAtTurnEnd: [],
    micTrack: new Int16Array(0),
    agentTrack: new Int16Array(0),
  };
}

/** Agent audio grouped into continuous runs; a gap longer than `gapMs` starts a new run. */
export interface AgentRun {
  startMs: number;
  /** End of the last frame's audio. */
  endMs: number;
  lastFrameAtMs: number;
}

export const AGENT_RUN_GAP_MS = 200;

export function agentRuns(frames: AgentFrameRecord[], gapMs = AGENT_RUN_GAP_MS): AgentRun[] {
  const runs: AgentRun[] = [];
  let current: AgentRun | undefined;
  for (const f of frames) {
    if (current && f.atMs - current.lastFrameAtMs <= gapMs) {
      current.lastFrameAtMs = f.atMs;
      current.endMs = Math.max(current.endMs, f.atMs + f.durationMs);
      continue;
    }
    current = { startMs: f.atMs, endMs: f.atMs + f.durationMs, lastFrameAtMs: f.atMs };
    runs.push(current);
  }
  return runs;
}
