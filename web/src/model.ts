/**
 * What the call page shows, derived from the session's event stream alone, so the same events
 * render the same page (and can be tested without a browser).
 */
import type { SessionEvent, TurnMarks } from '../../src/conversation/events.js';

export type AgentState = 'idle' | 'listening' | 'user_speaking' | 'thinking' | 'agent_speaking' | 'ended';

export interface TurnView {
  turnId: number;
  userText: string;
  userFinal: boolean;
  /** Clauses the agent has produced for this turn. */
  agentText: string;
  /** What the caller heard; when interrupted, the reply is cut here. */
  heardText: string;
  /** Produced but never played (shown struck through after an interruption). */
  discardedText: string;
  interrupted: boolean;
  done: boolean;
  marks: TurnMarks;
  ttfaMs: number | undefined;
  tools: string[];
}

export interface CallModel {
  connection: string;
  transport: string;
  agentState: AgentState;
  /** In call order; the agent speaking unprompted (greeting, check-ins) has turn 0 entries. */
  turns: TurnView[];
  errors: string[];
  endedReason: string | undefined;
}

export function emptyModel(): CallModel {
  return {
    connection: 'idle',
    transport: '',
    agentState: 'idle',
    turns: [],
    errors: [],
    endedReason: undefined,
  };
}

export function turnOf(model: CallModel, turnId: number): TurnView {
  let turn = model.turns.findLast((t) => t.turnId === turnId);
  if (!turn) {
    turn = newTurn(turnId);
    model.turns.push(turn);
  }
  return turn;
}

function newTurn(turnId: number): TurnView {
  return {
    turnId,
    userText: '',
    userFinal: false,
    agentText: '',
    heardText: '',
    discardedText: '',
    interrupted: false,
    done: false,
    marks: {},
    ttfaMs: undefined,
    tools: [],
  };
}

/** Applies one session event (mutating `model`); returns it for chaining. */
export function applyEvent(model: CallModel, event: SessionEvent): CallModel {
  switch (event.type) {
    case 'state':
      model.agentState = event.state;
      break;
    case 'reply_started': {
      // A second reply under the same turn (greeting, check-in, re-prompt) gets its own line.
      const last = model.turns.findLast((t) => t.turnId === event.turnId);
      if (last?.done) model.turns.push(newTurn(event.turnId));
      else turnOf(model, event.turnId);
      break;
    }
    case 'transcript_partial': {
      const turn = turnOf(model, event.turnId);
      if (!turn.userFinal) turn.userText = event.text;
      break;
    }
    case 'transcript_final':
    case 'turn_committed': {
      const turn = turnOf(model, event.turnId);
      if (event.text) turn.userText = event.text;
      turn.userFinal = true;
      break;
    }
    case 'clause': {
      const turn = turnOf(model, event.turnId);
      turn.agentText = joinText(turn.agentText, event.text);
      break;
    }
    case 'filler': {
      const turn = turnOf(model, event.turnId);
      turn.agentText = joinText(turn.agentText, event.text);
      break;
    }
    case 'agent_heard': {
      const turn = turnOf(model, event.turnId);
      turn.heardText = event.text;
      break;
    }
    case 'interrupted': {
      const turn = turnOf(model, event.turnId);
      turn.interrupted = true;
      turn.heardText = event.heardText;
      turn.discardedText = event.discardedText;
      break;
    }
    case 'reply_done': {
      const turn = turnOf(model, event.turnId);
      turn.done = true;
      if (event.interrupted) turn.interrupted = true;
      if (!turn.interrupted) {
        turn.agentText = event.text || turn.agentText;
        turn.heardText = turn.agentText;
      }
      break;
    }
    case 'tool_executed': {
      turnOf(model, event.turnId).tools.push(`${event.name}: ${event.status}`);
      break;
    }
    case 'turn_trace': {
      const turn = turnOf(model, event.trace.turnId);
      turn.marks = { ...turn.marks, ...event.trace.marks };
      turn.ttfaMs = event.trace.ttfaMs ?? turn.ttfaMs;
      if (event.trace.userText) turn.userText = event.trace.userText;
      turn.userFinal = true;
      if (event.trace.interrupted) {
        turn.interrupted = true;
        turn.heardText = event.trace.heardText;
        turn.discardedText = event.trace.discardedText;
      } else if (event.trace.agentText) {
        turn.agentText = event.trace.agentText;
        turn.heardText = event.trace.heardText || event.trace.agentText;
      }
      break;
    }
    case 'error':
      model.errors.push(event.message);
      break;
    case 'ended':
      model.agentState = 'ended';
      model.endedReason = event.reason;
      break;
    default:
      break;
  }
  return model;
}

/** The client's own measurement of when a turn's agent audio became audible (session time). */
export function applyHeardStart(model: CallModel, turnId: number, atMs: number): void {
  const turn = turnOf(model, turnId);
  if (turn.marks.heardStart !== undefined) return;
  turn.marks.heardStart = atMs;
  if (turn.marks.speechEnd !== undefined) turn.ttfaMs = Math.round(atMs - turn.marks.speechEnd);
}

function joinText(a: string, b: string): string {
  if (!a) return b.trim();
  if (!b.trim()) return a;
  return `${a} ${b.trim()}`;
}

/** The latency waterfall steps in pipeline order. */
export const WATERFALL_STEPS: { mark: keyof TurnMarks; label: string }[] = [
  { mark: 'speechEnd', label: 'speech end' },
  { mark: 'committed', label: 'committed' },
  { mark: 'sttFinal', label: 'STT final' },
  { mark: 'brainFirstToken', label: 'first token' },
  { mark: 'firstClause', label: 'first clause' },
  { mark: 'ttsFirstAudio', label: 'TTS first audio' },
  { mark: 'playoutStart', label: 'playout' },
  { mark: 'heardStart', label: 'heard' },
];

/** Offsets of each present mark from speech end, in ms (rounded), in pipeline order. */
export function waterfall(marks: TurnMarks): { label: string; offsetMs: number }[] {
  const origin = marks.speechEnd;
  if (origin === undefined) return [];
  const out: { label: string; offsetMs: number }[] = [];
  for (const step of WATERFALL_STEPS) {
    const at = marks[step.mark];
    if (at !== undefined) out.push({ label: step.label, offsetMs: Math.round(at - origin) });
  }
  return out;
}
