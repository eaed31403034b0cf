/**
 * The durable record of every call: sessions, committed turns, tool audit and usage totals.
 * Every write is a synchronous SQLite statement, so it is on disk (WAL, synchronous=FULL) before
 * the event that caused it is handled further — a crash loses nothing already recorded.
 */
import type { TurnMarks, TurnTrace } from '../conversation/events.js';
import type { AuditEntry, AuditSink, ToolOutcomeStatus } from '../tools/types.js';
import type { Db } from './database.js';
import { migrate } from './schema.js';

export interface UsageTotals {
  sttAudioMs: number;
  inputTokens: number;
  outputTokens: number;
  ttsChars: number;
  toolCalls: number;
}

export const ZERO_USAGE: UsageTotals = {
  sttAudioMs: 0,
  inputTokens: 0,
  outputTokens: 0,
  ttsChars: 0,
  toolCalls: 0,
};

export interface NewSession {
  id: string;
  agent: string;
  /** Fingerprint of the API key that created the session (never the key itself). */
  ownerKey: string;
  createdAt: Date;
  budget: Record<string, unknown>;
}

export interface SessionRecord {
  id: string;
  agent: string;
  ownerKey: string;
  createdAt: string;
  endedAt: string | null;
  endReason: string | null;
  budget: Record<string, unknown>;
  usage: UsageTotals;
  costUsd: number;
  turnCount: number;
}

export interface TurnRecord {
  turnId: number;
  userText: string;
  agentText: string;
  heardText: string;
  discardedText: string;
  interrupted: boolean;
  marks: TurnMarks;
  ttfaMs: number | null;
  tools: { name: string; args: unknown; status: ToolOutcomeStatus }[];
  /** False while the reply to this committed turn has not finished (or the process died first). */
  complete: boolean;
}

export interface AuditRecord {
  seq: number;
  turnId: number;
  callId: string;
  tool: string;
  kind: AuditEntry['kind'];
  atMs: number;
  detail: Record<string, unknown>;
}

export interface ListOptions {
  activeOnly?: boolean;
  /** Default 50. */
  limit?: number;
}

/** Audit details may carry hostile payloads (huge strings); the record keeps a bounded prefix. */
const MAX_DETAIL_STRING_CHARS = 2000;

function boundStrings(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    return value.length > MAX_DETAIL_STRING_CHARS
      ? `${value.slice(0, MAX_DETAIL_STRING_CHARS)}… [truncated, ${value.length} chars]`
      : value;
  }
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.slice(0, 200).map((v) => boundStrings(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value).slice(0, 200)) out[k] = boundStrings(v, depth + 1);
  return out;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(boundStrings(value)) ?? 'null';
  } catch (err) {
    return JSON.stringify({ unserializable: err instanceof Error ? err.message : String(err) });
  }
}

interface SessionRow {
  id: string;
  agent: string;
  owner_key: string;
  created_at: string;
  ended_at: string | null;
  end_reason: string | null;
  budget_json: string;
  stt_audio_ms: number;
  input_tokens: number;
  output_tokens: number;
  tts_chars: number;
  tool_calls: number;
  cost_usd: number;
  turn_count: number;
}

interface TurnRow {
  turn_id: number;
  user_text: string;
  agent_text: string;
  heard_text: string;
  discarded_text: string;
  interrupted: number;
  marks_json: string;
  ttfa_ms: number | null;
  tools_json: string;
  complete: number;
}

interface AuditRow {
  seq: number;
  turn_id: number;
  call_id: string;
  tool: string;
  kind: AuditEntry['kind'];
  at_ms: number;
  detail_json: string;
}

const SESSION_COLUMNS = `s.*, (SELECT COUNT(*) FROM parley_turns t WHERE t.session_id = s.id) AS turn_count`;

function toSession(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    agent: row.agent,
    ownerKey: row.owner_key,
    createdAt: row.created_at,
    endedAt: row.ended_at,
    endReason: row.end_reason,
    budget: JSON.parse(row.budget_json) as Record<string, unknown>,
    usage: {
      sttAudioMs: row.stt_audio_ms,
      inputTokens: row.input_tokens,
      outputTokens: row.output_tokens,
      ttsChars: row.tts_chars,
      toolCalls: row.tool_calls,
    },
    costUsd: row.cost_usd,
    turnCount: row.turn_count,
  };
}

export class CallStore {
  constructor(readonly db: Db) {
    migrate(db);
  }

  createSession(s: NewSession): void {
    this.db
      .prepare(
        'INSERT INTO parley_sessions (id, agent, owner_key, created_at, budget_json) VALUES (?, ?, ?, ?, ?)',
      )
      .run(s.id, s.agent, s.ownerKey, s.createdAt.toISOString(), safeJson(s.budget));
  }

  /** Marks a session ended; the first reason recorded wins. */
  endSession(id: string, reason: string, endedAt: Date): void {
    this.db
      .prepare('UPDATE parley_sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL')
      .run(endedAt.toISOString(), reason, id);
  }

  /** Sessions left open by a process that died: they can no longer be live. Returns how many. */
  endOrphans(reason: string, endedAt: Date): number {
    return this.db
      .prepare('UPDATE parley_sessions SET ended_at = ?, end_reason = ? WHERE ended_at IS NULL')
      .run(endedAt.toISOString(), reason).changes;
  }

  /** The user turn as committed, before any reply: durable even if the reply never finishes. */
  commitTurn(sessionId: string, turnId: number, userText: string, committedAtMs: number): void {
    this.db
      .prepare(
        `INSERT INTO parley_turns (session_id, turn_id, user_text, marks_json) VALUES (?, ?, ?, ?)
         ON CONFLICT (session_id, turn_id) DO NOTHING`,
      )
      .run(sessionId, turnId, userText, JSON.stringify({ committed: committedAtMs }));
  }

  /** The finished turn: what was said, what was heard, marks and tools. */
  recordTrace(sessionId: string, trace: TurnTrace): void {
    this.db
      .prepare(
        `INSERT INTO parley_turns (session_id, turn_id, user_text, agent_text, heard_text, discarded_text,
           interrupted, marks_json, ttfa_ms, tools_json, complete)
         VALUES (@sessionId, @turnId, @userText, @agentText, @heardText, @discardedText, @interrupted,
           @marks, @ttfaMs, @tools, 1)
         ON CONFLICT (session_id, turn_id) DO UPDATE SET user_text = excluded.user_text,
           agent_text = excluded.agent_text, heard_text = excluded.heard_text,
           discarded_text = excluded.discarded_text, interrupted = excluded.interrupted,
           marks_json = excluded.marks_json, ttfa_ms = excluded.ttfa_ms, tools_json = excluded.tools_json,
           complete = 1`,
      )
      .run({
        sessionId,
        turnId: trace.turnId,
        userText: trace.userText,
        agentText: trace.agentText,
        heardText: trace.heardText,
        discardedText: trace.discardedText,
        interrupted: trace.interrupted ? 1 : 0,
        marks: JSON.stringify(trace.marks),
        ttfaMs: trace.ttfaMs ?? null,
        tools: safeJson(trace.tools),
      });
  }

  /** Cumulative usage and cost so far (replaces the previous totals). */
  recordUsage(sessionId: string, usage: UsageTotals, costUsd: number): void {
    this.db
      .prepare(
        `UPDATE parley_sessions SET stt_audio_ms = ?, input_tokens = ?, output_tokens = ?, tts_chars = ?,
           tool_calls = ?, cost_usd = ? WHERE id = ?`,
      )
      .run(
        usage.sttAudioMs,
        usage.inputTokens,
        usage.outputTokens,
        usage.ttsChars,
        usage.toolCalls,
        costUsd,
        sessionId,
      );
  }

  recordAudit(entry: AuditEntry): void {
    this.db
      .prepare(
        `INSERT INTO parley_tool_audit (session_id, turn_id, call_id, tool, kind, at_ms, detail_json)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        entry.sessionId,
        entry.turnId,
        entry.callId,
        boundStrings(entry.tool) as string,
        entry.kind,
        entry.atMs,
        safeJson(entry.detail),
      );
  }

  /** The tool gateway's audit sink: each record is on disk when `record` returns. */
  auditSink(): AuditSink {
    return { record: (entry) => this.recordAudit(entry) };
  }

  getSession(id: string): SessionRecord | undefined {
    const row = this.db.prepare(`SELECT ${SESSION_COLUMNS} FROM parley_sessions s WHERE s.id = ?`).get(id) as
      | SessionRow
      | undefined;
    return row ? toSession(row) : undefined;
  }

  listSessions(ownerKey: string, opts: ListOptions = {}): SessionRecord[] {
    const rows = this.db
      .prepare(
        `SELECT ${SESSION_COLUMNS} FROM parley_sessions s WHERE s.owner_key = ?
         ${opts.activeOnly ? 'AND s.ended_at IS NULL' : ''} ORDER BY s.created_at DESC, s.rowid DESC LIMIT ?`,
      )
      .all(ownerKey, opts.limit ?? 50) as SessionRow[];
    return rows.map(toSession);
  }

  turns(sessionId: string): TurnRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM parley_turns WHERE session_id = ? ORDER BY turn_id')
      .all(sessionId) as TurnRow[];
    return rows.map((r) => ({
      turnId: r.turn_id,
      userText: r.user_text,
      agentText: r.agent_text,
      heardText: r.heard_text,
      discardedText: r.discarded_text,
      interrupted: r.interrupted === 1,
      marks: JSON.parse(r.marks_json) as TurnMarks,
      ttfaMs: r.ttfa_ms,
      tools: JSON.parse(r.tools_json) as TurnRecord['tools'],
      complete: r.complete === 1,
    }));
  }

  audit(sessionId: string): AuditRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM parley_tool_audit WHERE session_id = ? ORDER BY seq')
      .all(sessionId) as AuditRow[];
    return rows.map((r) => ({
      seq: r.seq,
      turnId: r.turn_id,
      callId: r.call_id,
      tool: r.tool,
      kind: r.kind,
      atMs: r.at_ms,
      detail: JSON.parse(r.detail_json) as Record<string, unknown>,
    }));
  }
}
