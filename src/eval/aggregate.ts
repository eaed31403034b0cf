/** Suite-level figures: TTFA percentiles, turn-taking rates, stage breakdown, streaming gain, load. */
import type { TurnMarks } from '../index.js';
import { percentile, type TurnMetrics } from './metrics.js';
import type { CallResult, PipelineMode } from './runner.js';

export interface Percentiles {
  n: number;
  p50?: number;
  p95?: number;
  p99?: number;
}

export interface Rate {
  count: number;
  of: number;
  /** count / of, or undefined when there was nothing to count. */
  rate?: number;
}

/** The stages between the caller's true speech end and the first agent audio. */
export const STAGES = ['detect', 'stt', 'brain', 'clause', 'tts', 'playout'] as const;
export type Stage = (typeof STAGES)[number];

export interface ModeSummary {
  mode: PipelineMode;
  calls: number;
  passed: number;
  ttfaMs: Percentiles;
  ttfaHeardMs: Percentiles;
  turnDetectionMs: Percentiles;
  /** Median duration of each stage (ms). */
  stagesMs: Partial<Record<Stage, number>>;
  prematureReplies: Rate;
  falseBargeIns: Rate;
  bargeInSuccess: Rate;
  selfResponses: number;
  taskSuccess: Rate;
  /** TTFA grouped by how many calls were running when the caller finished speaking. */
  ttfaByLoad: (Percentiles & { load: number })[];
}

export interface ScenarioGain {
  scenario: string;
  streamingP50Ms?: number;
  sequentialP50Ms?: number;
  gainMs?: number;
}

export interface SuiteSummary {
  modes: ModeSummary[];
  /** Sequential minus streaming median TTFA, when both modes ran. */
  streamingGainMs?: number;
  gains: ScenarioGain[];
}

function percentiles(values: number[]): Percentiles {
  const out: Percentiles = { n: values.length };
  const p50 = percentile(values, 50);
  const p95 = percentile(values, 95);
  const p99 = percentile(values, 99);
  if (p50 !== undefined) out.p50 = p50;
  if (p95 !== undefined) out.p95 = p95;
  if (p99 !== undefined) out.p99 = p99;
  return out;
}

function rate(count: number, of: number): Rate {
  return of > 0 ? { count, of, rate: count / of } : { count, of };
}

/** Stage durations of one turn from its marks (relative to the true speech end). */
export function stageDurations(
  marks: Partial<Record<keyof TurnMarks, number>>,
): Partial<Record<Stage, number>> {
  const out: Partial<Record<Stage, number>> = {};
  const { committed, sttFinal, brainFirstToken, firstClause, ttsFirstAudio, playoutStart } = marks;
  if (committed !== undefined) out.detect = committed;
  if (committed !== undefined && sttFinal !== undefined) out.stt = Math.max(0, sttFinal - committed);
  const understood = Math.max(committed ?? Number.NEGATIVE_INFINITY, sttFinal ?? Number.NEGATIVE_INFINITY);
  if (brainFirstToken !== undefined && Number.isFinite(understood)) out.brain = brainFirstToken - understood;
  if (firstClause !== undefined && brainFirstToken !== undefined) out.clause = firstClause - brainFirstToken;
  if (ttsFirstAudio !== undefined && firstClause !== undefined) out.tts = ttsFirstAudio - firstClause;
  if (playoutStart !== undefined && ttsFirstAudio !== undefined) out.playout = playoutStart - ttsFirstAudio;
  return out;
}

function turnsOf(results: CallResult[]): TurnMetrics[] {
  return results.flatMap((r) => r.metrics?.turns ?? []);
}

export function summarizeMode(mode: PipelineMode, all: CallResult[]): ModeSummary {
  const results = all.filter((r) => r.mode === mode);
  const turns = turnsOf(results);
  const ttfa = turns.flatMap((t) => (t.ttfaMs !== undefined ? [t.ttfaMs] : []));
  const stages: Partial<Record<Stage, number>> = {};
  const perTurn = turns.flatMap((t) => (t.marks ? [stageDurations(t.marks)] : []));
  for (const s of STAGES) {
    const p = percentile(
      perTurn.flatMap((d) => (d[s] !== undefined ? [d[s] as number] : [])),
      50,
    );
    if (p !== undefined) stages[s] = p;
  }
  const metrics = results.flatMap((r) => (r.metrics ? [r.metrics] : []));
  const sounds = metrics.flatMap((m) => m.sounds.filter((s) => s.duringAgent));
  const interrupts = metrics.flatMap((m) => m.interrupts.filter((i) => i.applicable));
  const loads = [...new Set(turns.map((t) => t.load))].sort((a, b) => a - b);
  return {
    mode,
    calls: results.length,
    passed: results.filter((r) => r.passed).length,
    ttfaMs: percentiles(ttfa),
    ttfaHeardMs: percentiles(turns.flatMap((t) => (t.ttfaHeardMs !== undefined ? [t.ttfaHeardMs] : []))),
    turnDetectionMs: percentiles(
      turns.flatMap((t) => (t.turnDetectionMs !== undefined ? [t.turnDetectionMs] : [])),
    ),
    stagesMs: stages,
    prematureReplies: rate(turns.filter((t) => t.premature).length, turns.length),
    falseBargeIns: rate(sounds.filter((s) => s.falseBargeIn).length, sounds.length),
    bargeInSuccess: rate(interrupts.filter((i) => i.honoured).length, interrupts.length),
    selfResponses: metrics.reduce((n, m) => n + m.selfResponses, 0),
    taskSuccess: rate(results.filter((r) => r.passed).length, results.length),
    ttfaByLoad: loads.map((load) => ({
      load,
      ...percentiles(
        turns.filter((t) => t.load === load && t.ttfaMs !== undefined).map((t) => t.ttfaMs as number),
      ),
    })),
  };
}

function medianTtfa(results: CallResult[]): number | undefined {
  return percentile(
    turnsOf(results).flatMap((t) => (t.ttfaMs !== undefined ? [t.ttfaMs] : [])),
    50,
  );
}

export function summarizeSuite(results: CallResult[]): SuiteSummary {
  const modes = (['streaming', 'sequential'] as const).filter((m) => results.some((r) => r.mode === m));
  const summary: SuiteSummary = { modes: modes.map((m) => summarizeMode(m, results)), gains: [] };
  if (modes.length < 2) return summary;
  const names = [...new Set(results.map((r) => r.scenario))];
  summary.gains = names.map((scenario) => {
    const gain: ScenarioGain = { scenario };
    const s = medianTtfa(results.filter((r) => r.scenario === scenario && r.mode === 'streaming'));
    const q = medianTtfa(results.filter((r) => r.scenario === scenario && r.mode === 'sequential'));
    if (s !== undefined) gain.streamingP50Ms = s;
    if (q !== undefined) gain.sequentialP50Ms = q;
    if (s !== undefined && q !== undefined) gain.gainMs = q - s;
    return gain;
  });
  const [stream, seq] = summary.modes;
  if (stream?.ttfaMs.p50 !== undefined && seq?.ttfaMs.p50 !== undefined) {
    summary.streamingGainMs = seq.ttfaMs.p50 - stream.ttfaMs.p50;
  }
  return summary;
}
