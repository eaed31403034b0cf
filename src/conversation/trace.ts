import type { TurnMarks, TurnTrace } from './events.js';
import type { ReplyResult } from './reply.js';

/** TTFA: from the end of the caller's speech to the first agent audio (heard, or sent). */
export function ttfaOf(marks: TurnMarks): number | undefined {
  const first = marks.heardStart ?? marks.playoutStart;
  if (first === undefined || marks.speechEnd === undefined) return undefined;
  return first - marks.speechEnd;
}

/** The record of one user turn, as metrics, the evaluator and `parley call --json` read it. */
export function buildTrace(
  turnId: number,
  userText: string,
  marks: TurnMarks,
  result: ReplyResult,
): TurnTrace {
  const trace: TurnTrace = {
    turnId,
    userText,
    agentText: result.agentText,
    heardText: result.heardText,
    interrupted: result.interrupted,
    discardedText: result.discardedText,
    marks,
    tools: result.tools,
  };
  const ttfa = ttfaOf(marks);
  if (ttfa !== undefined) trace.ttfaMs = ttfa;
  return trace;
}

/** A client's report that audio became audible refines the trace after the fact. */
export function applyHeard(trace: TurnTrace, atMs: number): void {
  if (trace.marks.heardStart !== undefined) return;
  trace.marks.heardStart = atMs;
  const ttfa = ttfaOf(trace.marks);
  if (ttfa !== undefined) trace.ttfaMs = ttfa;
}
