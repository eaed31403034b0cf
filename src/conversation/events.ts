/** One typed event stream per session, observed by transports, metrics, the store and tests alike. */
import type { ToolOutcomeStatus } from '../tools/types.js';

export type SessionState = 'listening' | 'user_speaking' | 'thinking' | 'agent_speaking' | 'ended';

/** Marks on the session timeline (ms) for one user turn. TTFA = playoutStart (or heardStart) - speechEnd. */
export interface TurnMarks {
  speechEnd?: number;
  committed?: number;
  sttFinal?: number;
  brainFirstToken?: number;
  firstClause?: number;
  ttsFirstAudio?: number;
  playoutStart?: number;
  heardStart?: number;
}

export interface TurnTrace {
  turnId: number;
  userText: string;
  /** Everything the agent meant to say for this turn. */
  agentText: string;
  /** What the caller actually heard (word-accurate prefix when interrupted). */
  heardText: string;
  interrupted: boolean;
  /** Text that was generated but never played. */
  discardedText: string;
  marks: TurnMarks;
  ttfaMs?: number;
  tools: { name: string; args: unknown; status: ToolOutcomeStatus }[];
}

export type SessionEvent =
  | { type: 'state'; state: SessionState; atMs: number }
  | { type: 'user_speech_started'; atMs: number }
  | { type: 'user_speech_stopped'; atMs: number }
  | { type: 'transcript_partial'; turnId: number; text: string; stableText: string; atMs: number }
  | { type: 'transcript_final'; turnId: number; text: string; atMs: number }
  | { type: 'echo_dropped'; text: string; similarity: number; atMs: number }
  | { type: 'turn_committed'; turnId: number; text: string; reason: string; atMs: number }
  | { type: 'reply_started'; turnId: number; atMs: number }
  | { type: 'clause'; turnId: number; text: string; index: number; atMs: number }
  | { type: 'agent_audio_started'; turnId: number; atMs: number }
  | { type: 'agent_heard'; turnId: number; text: string; atMs: number }
  | { type: 'interrupted'; turnId: number; heardText: string; discardedText: string; atMs: number }
  | { type: 'reply_done'; turnId: number; text: string; interrupted: boolean; atMs: number }
  | { type: 'filler'; turnId: number; text: string; atMs: number }
  | { type: 'tool_proposed'; turnId: number; callId: string; name: string; arguments: string; atMs: number }
  | { type: 'tool_validated'; turnId: number; callId: string; name: string; args: unknown; atMs: number }
  | { type: 'tool_rejected'; turnId: number; callId: string; name: string; reason: string; atMs: number }
  | {
      type: 'tool_executed';
      turnId: number;
      callId: string;
      name: string;
      status: ToolOutcomeStatus;
      result?: unknown;
      durationMs?: number;
      atMs: number;
    }
  | { type: 'turn_trace'; trace: TurnTrace; atMs: number }
  | {
      type: 'usage';
      inputTokens: number;
      outputTokens: number;
      ttsChars: number;
      sttAudioMs: number;
      atMs: number;
    }
  | { type: 'error'; message: string; atMs: number }
  | { type: 'ended'; reason: string; atMs: number };

export type SessionEventType = SessionEvent['type'];
