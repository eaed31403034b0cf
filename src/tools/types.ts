/**
 * Tools are proposals: a brain proposes, tools/ validates against the schema, applies policy,
 * executes with a timeout and audits every step.
 */
import type { z } from 'zod';
import type { ToolSpec } from '../engines/types.js';

/**
 * read_only: may run on a partial transcript (prefetch).
 * side_effect: only after the user turn is committed, never from a cancelled reply.
 * needs_confirmation: a side effect that also needs the caller's explicit "yes" first.
 */
export type ToolEffect = 'read_only' | 'side_effect' | 'needs_confirmation';

/** The tenant of a session created without an owner (`parley call`, eval, `createRuntime` in code). */
export const DEFAULT_TENANT = 'default';

export interface ToolContext {
  signal: AbortSignal;
  sessionId: string;
  /**
   * Whose data this session may touch: set by the control plane from the owner's key id (a
   * fingerprint, never the key), `DEFAULT_TENANT` otherwise. Tools scope their data by it.
   */
  tenant: string;
}

export interface ToolDefinition<Args = unknown, Result = unknown> {
  name: string;
  description: string;
  schema: z.ZodType<Args>;
  effect: ToolEffect;
  /** Hard limit for one execution. Default 5000. */
  timeoutMs?: number;
  /** After this long the conversation speaks a bridging phrase. Default 800. */
  slowAfterMs?: number;
  /** The bridging phrase when this tool is slow. Default: the session's `fillerText`. */
  filler?: string;
  /** Whether an interruption may abort it mid-run (read-only tools usually can). Default true. */
  cancellable?: boolean;
  execute(args: Args, ctx: ToolContext): Promise<Result>;
}

export type ToolPhase = 'partial' | 'committed';

export interface ToolProposal {
  callId: string;
  name: string;
  /** Raw JSON text from the brain. */
  arguments: string;
  sessionId: string;
  turnId: number;
  phase: ToolPhase;
}

export type ToolOutcomeStatus =
  | 'executed'
  | 'rejected'
  | 'needs_confirmation'
  | 'failed'
  | 'timeout'
  | 'cancelled';

export interface ToolOutcome {
  callId: string;
  name: string;
  status: ToolOutcomeStatus;
  /** Parsed, validated arguments (absent when validation failed). */
  args?: unknown;
  result?: unknown;
  /** Why it was refused or failed; fed back to the brain. */
  reason?: string;
  durationMs?: number;
}

export type AuditKind =
  | 'proposed'
  | 'validated'
  | 'rejected'
  | 'policy'
  | 'executed'
  | 'failed'
  | 'cancelled';

export interface AuditEntry {
  sessionId: string;
  turnId: number;
  callId: string;
  tool: string;
  kind: AuditKind;
  /** ms on the session clock. */
  atMs: number;
  detail: Record<string, unknown>;
}

/** Where audit records go; the store implements it durably. */
export interface AuditSink {
  record(entry: AuditEntry): void;
}

/** The only way a brain's proposal reaches a tool: validation, policy, execution, audit. */
export interface ToolGateway {
  specs(): ToolSpec[];
  effectOf(name: string): ToolEffect | undefined;
  /** After how long a running call deserves a bridging phrase (ms); undefined for unknown tools. */
  slowAfterMsOf?(name: string): number | undefined;
  /** The tool's own bridging phrase, when it has one. */
  fillerOf?(name: string): string | undefined;
  propose(p: ToolProposal, signal: AbortSignal): Promise<ToolOutcome>;
  /** The caller's committed turn `turnId` said yes: the pending call may run when re-proposed in it. */
  confirmPending(turnId: number): void;
  /** The caller did not confirm: forget the pending call. */
  cancelPending(): void;
  /** Whether a call waits for the caller's confirmation. */
  hasPending?(): boolean;
}
