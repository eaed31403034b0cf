/**
 * The tool message format, both ways: what the session writes into history after a tool ran
 * (`{"status":"ok","result":…}` or `{"status":…,"reason":…}`), and how a brain reads it back.
 */
import type { ToolOutcome, ToolOutcomeStatus } from '../tools/types.js';

/** A tool message's content, as the session writes it for the brain. */
export function toolResultContent(outcome: ToolOutcome): string {
  if (outcome.status === 'executed') return JSON.stringify({ status: 'ok', result: outcome.result ?? null });
  return JSON.stringify({ status: outcome.status, reason: outcome.reason ?? outcome.status });
}

export interface ToolResult {
  status: ToolOutcomeStatus;
  result?: unknown;
  reason?: string;
}

const OUTCOME_STATUSES: readonly string[] = [
  'ok',
  'executed',
  'rejected',
  'needs_confirmation',
  'failed',
  'timeout',
  'cancelled',
];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Tool messages carry either the whole outcome ({status, result, reason}) or only the result;
 * both are accepted so the engine works with any conversation layer that follows the chat format.
 */
export function readToolResult(content: string): ToolResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    if (/needs.?confirmation|confirm/i.test(content))
      return { status: 'needs_confirmation', reason: content };
    if (/reject|invalid/i.test(content)) return { status: 'rejected', reason: content };
    return { status: 'failed', reason: content };
  }
  if (isRecord(parsed) && typeof parsed.status === 'string' && OUTCOME_STATUSES.includes(parsed.status)) {
    const status = parsed.status === 'ok' ? 'executed' : (parsed.status as ToolOutcomeStatus);
    const outcome: ToolResult = { status, result: parsed.result };
    const reason = parsed.reason ?? parsed.error;
    if (typeof reason === 'string') outcome.reason = reason;
    return outcome;
  }
  if (isRecord(parsed) && typeof parsed.error === 'string') return { status: 'failed', reason: parsed.error };
  return { status: 'executed', result: parsed };
}
