/** The call as recorded: committed turns, what the caller heard, tool calls with their audit, cost. */
import type { AuditRecord, CallStore, SessionRecord } from '../store/call-store.js';
import { finalOutcome } from './recorder.js';

export interface ToolCallView {
  callId: string;
  turnId: number;
  tool: string;
  /** executed, rejected, needs_confirmation, failed, cancelled — or the last step seen if none yet. */
  outcome: string;
  reason?: string;
  args?: unknown;
  steps: { kind: AuditRecord['kind']; atMs: number; detail: Record<string, unknown> }[];
}

export function groupToolCalls(audit: AuditRecord[]): ToolCallView[] {
  const calls = new Map<string, ToolCallView>();
  for (const a of audit) {
    const key = `${a.turnId}\u0000${a.callId}`;
    let call = calls.get(key);
    if (!call) {
      call = { callId: a.callId, turnId: a.turnId, tool: a.tool, outcome: 'proposed', steps: [] };
      calls.set(key, call);
    }
    call.steps.push({ kind: a.kind, atMs: a.atMs, detail: a.detail });
    call.outcome = finalOutcome(a) ?? (call.steps.some((s) => finalOutcome(s)) ? call.outcome : a.kind);
    if (typeof a.detail.reason === 'string') call.reason = a.detail.reason;
    if ('args' in a.detail && call.args === undefined) call.args = a.detail.args;
  }
  return [...calls.values()];
}

export function buildTranscript(record: SessionRecord, store: CallStore, summary: Record<string, unknown>) {
  return {
    ...summary,
    turns: store.turns(record.id),
    toolCalls: groupToolCalls(store.audit(record.id)),
    cost: { totalUsd: record.costUsd, usage: record.usage },
  };
}
