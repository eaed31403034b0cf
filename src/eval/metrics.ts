/**
 * Turn-taking metrics of one call, computed from its recording: TTFA against the caller's true
 * speech end, turn-detection latency, premature replies, false and honoured barge-ins, echo
 * self-responses. Pure functions of the timeline, so they are tested on constructed calls.
 */
import type { TurnMarks, TurnTrace } from '../index.js';
import { type AgentRun, agentRuns, type CallRecording } from './recording.js';

/** A barge-in is honoured when agent audio stops within this long of crossing minInterruptionMs. */
export const BARGE_IN_WINDOW_MS = 200;
/** A cut later than this after a noise or backchannel ended is not blamed on it. */
const CUT_BLAME_MS = 800;
/** An `interrupted` event this close after a run's last frame is what ended that run. */
const CUT_MATCH_MS = 40;
/** Agent audio restarting this soon after a cut, with no caller turn between, is a resume. */
const RESUME_WITHIN_MS = 2000;
/** A commit with no caller sound in this window before it came from somewhere else (echo). */
const SELF_RESPONSE_LOOKBACK_MS = 3000;

export interface TurnMetrics {
  turnIndex: number;
  kind: 'turn' | 'interrupt';
  text: string;
  speechEndMs: number;
  /** Agent audio started while this caller turn was still under way. */
  premature: boolean;
  /** What the session understood the caller to say (the committed transcript). */
  recognizedText?: string;
  committedMs?: number;
  turnDetectionMs?: number;
  firstAgentAudioMs?: number;
  ttfaMs?: number;
  /** TTFA to the moment the client reported hearing it. */
  ttfaHeardMs?: number;
  /** Trace marks relative to the true speech end (ms). */
  marks?: Partial<Record<keyof TurnMarks, number>>;
  agentText?: string;
  heardText?: string;
  interrupted?: boolean;
  load: number;
}

export interface InterruptMetrics {
  text: string;
  speechStartMs: number;
  /** When the caller had spoken minInterruptionMs (ground truth). */
  crossingMs: number;
  /** The session's `interrupted` event, if it came. */
  interruptedAtMs?: number;
  /** The agent was still speaking when the interruption crossed minInterruptionMs. */
  applicable: boolean;
  honoured: boolean;
  /** Agent audio end minus the crossing time (ms); negative = stopped early. */
  stopLatencyMs?: number;
}

export interface SoundMetrics {
  kind: string;
  label: string;
  duringAgent: boolean;
  /** The agent's reply was cut by it (and not resumed). */
  falseBargeIn: boolean;
  /** The agent paused for it and then resumed. */
  resumed: boolean;
}

export interface CallMetrics {
  scenario: string;
  mode: 'streaming' | 'sequential';
  durationMs: number;
  turns: TurnMetrics[];
  interrupts: InterruptMetrics[];
  sounds: SoundMetrics[];
  prematureReplies: number;
  falseBargeIns: number;
  selfResponses: number;
  /** Agent audio started during a `silence` step (an idle check-in). */
  idleCheckIns: number;
  fillers: number;
  unansweredWaits: number;
}

function onsetsBetween(runs: AgentRun[], fromMs: number, toMs: number): AgentRun[] {
  return runs.filter((r) => r.startMs > fromMs && r.startMs < toMs);
}

const MARK_ORDER: (keyof TurnMarks)[] = [
  'speechEnd',
  'committed',
  'sttFinal',
  'brainFirstToken',
  'firstClause',
  'ttsFirstAudio',
  'playoutStart',
  'heardStart',
];

function relativeMarks(marks: TurnMarks, originMs: number): Partial<Record<keyof TurnMarks, number>> {
  const out: Partial<Record<keyof TurnMarks, number>> = {};
  for (const key of MARK_ORDER) {
    const v = marks[key];
    if (typeof v === 'number') out[key] = v - originMs;
  }
  return out;
}

function turnMetrics(rec: CallRecording, runs: AgentRun[]): TurnMetrics[] {
  const commits = rec.events.filter((e) => e.type === 'turn_committed');
  const traces = new Map<number, TurnTrace>(rec.traces.map((t) => [t.turnId, t]));
  return rec.callerTurns.map((turn, i) => {
    const next = rec.callerTurns[i + 1];
    const until = next ? next.startMs : rec.endMs;
    const premature = onsetsBetween(runs, turn.startMs + 1, turn.endMs).length > 0;
    const commit = commits.find((c) => c.atMs >= turn.endMs && c.atMs < until);
    const firstRun = runs.find((r) => r.startMs >= turn.endMs && r.startMs < until);
    const out: TurnMetrics = {
      turnIndex: turn.index,
      kind: turn.kind,
      text: turn.text,
      speechEndMs: turn.endMs,
      premature,
      load: rec.loadAtTurnEnd[i] ?? 1,
    };
    if (commit) {
      out.recognizedText = commit.text;
      out.committedMs = commit.atMs;
      out.turnDetectionMs = commit.atMs - turn.endMs;
      const trace = traces.get(commit.turnId);
      if (trace) {
        out.marks = relativeMarks(trace.marks, turn.endMs);
        out.agentText = trace.agentText;
        out.heardText = trace.heardText;
        out.interrupted = trace.interrupted;
        if (trace.marks.heardStart !== undefined) out.ttfaHeardMs = trace.marks.heardStart - turn.endMs;
      }
    }
    if (firstRun) {
      out.firstAgentAudioMs = firstRun.startMs;
      out.ttfaMs = firstRun.startMs - turn.endMs;
    }
    return out;
  });
}

function interruptMetrics(rec: CallRecording, runs: AgentRun[]): InterruptMetrics[] {
  const cuts = rec.events.filter((e) => e.type === 'interrupted');
  return rec.interrupts.map((i) => {
    const crossing = i.crossingMs;
    const base: InterruptMetrics = {
      text: i.text,
      speechStartMs: i.speechStartMs,
      crossingMs: crossing,
      applicable: false,
      honoured: false,
    };
    const cut = cuts.find((c) => c.atMs >= i.speechStartMs);
    if (cut) base.interruptedAtMs = cut.atMs;
    const run = runs.find((r) => r.startMs <= i.speechStartMs && r.endMs > i.speechStartMs);
    if (!run) return base;
    // A run cut by the session for this caller counts even when it stopped before the ground-truth
    // crossing (the VAD heard "Wait, ..." as one stretch of speech): stopping early is honoured.
    const cutThisRun = cut !== undefined && cut.atMs <= run.endMs + CUT_MATCH_MS;
    if (run.endMs <= crossing && !cutThisRun) return base;
    const stopLatencyMs = run.endMs - crossing;
    return { ...base, applicable: true, honoured: stopLatencyMs <= BARGE_IN_WINDOW_MS, stopLatencyMs };
  });
}

function soundMetrics(rec: CallRecording, runs: AgentRun[]): SoundMetrics[] {
  const cuts = rec.events.filter((e) => e.type === 'interrupted');
  return rec.sounds.map((s) => {
    const base = {
      kind: s.kind,
      label: s.label,
      duringAgent: s.duringAgent,
      falseBargeIn: false,
      resumed: false,
    };
    if (!s.duringAgent) return base;
    const cut = cuts.find((c) => c.atMs >= s.startMs && c.atMs <= s.endMs + CUT_BLAME_MS);
    if (!cut) return base;
    const callerSpokeAfter = rec.callerTurns.some(
      (t) => t.startMs > s.endMs && t.startMs < cut.atMs + RESUME_WITHIN_MS,
    );
    const resumed =
      !callerSpokeAfter && onsetsBetween(runs, cut.atMs, cut.atMs + RESUME_WITHIN_MS).length > 0;
    return { ...base, falseBargeIn: !resumed, resumed };
  });
}

function callerSoundNear(rec: CallRecording, atMs: number): boolean {
  const spans = [...rec.callerTurns, ...rec.sounds];
  return spans.some((s) => s.startMs <= atMs && s.endMs >= atMs - SELF_RESPONSE_LOOKBACK_MS);
}

function countSelfResponses(rec: CallRecording, runs: AgentRun[]): number {
  const commits = rec.events.filter((e) => e.type === 'turn_committed');
  return commits.filter((c) => {
    if (callerSoundNear(rec, c.atMs)) return false;
    return runs.some((r) => r.startMs <= c.atMs && r.endMs >= c.atMs - SELF_RESPONSE_LOOKBACK_MS);
  }).length;
}

export function computeCallMetrics(rec: CallRecording): CallMetrics {
  const runs = agentRuns(rec.agentFrames);
  const turns = turnMetrics(rec, runs);
  const sounds = soundMetrics(rec, runs);
  const idleCheckIns = rec.silences.filter((s) => onsetsBetween(runs, s.startMs, s.endMs).length > 0).length;
  return {
    scenario: rec.scenario,
    mode: rec.mode,
    durationMs: rec.endMs - rec.originMs,
    turns,
    interrupts: interruptMetrics(rec, runs),
    sounds,
    prematureReplies: turns.filter((t) => t.premature).length,
    falseBargeIns: sounds.filter((s) => s.falseBargeIn).length,
    selfResponses: countSelfResponses(rec, runs),
    idleCheckIns,
    fillers: rec.events.filter((e) => e.type === 'filler').length,
    unansweredWaits: rec.waits.filter((w) => w.expectReply && !w.answered).length,
  };
}

/** Linear-interpolated percentile (p in 0..100) of the values; undefined when there are none. */
export function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (rank - lo);
}
