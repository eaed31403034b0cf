import { z } from 'zod';
import type { Clock } from '../clock.js';
import { executeTool } from './executor.js';
import type {
  AuditKind,
  AuditSink,
  ToolDefinition,
  ToolGateway,
  ToolOutcome,
  ToolProposal,
} from './types.js';
import {
  argumentsKey,
  DEFAULT_VALIDATION_LIMITS,
  type ValidationLimits,
  validateArguments,
} from './validation.js';

export type { ToolGateway } from './types.js';

export interface ToolGatewayOptions {
  sessionId: string;
  /** Whose data the tools may touch (ToolContext.tenant). Default `DEFAULT_TENANT`. */
  tenant?: string;
  // biome-ignore lint/suspicious/noExplicitAny: tool argument types differ per tool
  tools: ToolDefinition<any, any>[];
  audit?: AuditSink;
  clock: Clock;
  limits?: Partial<ValidationLimits>;
}

export const DEFAULT_SLOW_AFTER_MS = 800;

interface PendingConfirmation {
  key: string;
  /** Set by confirmPending: the turn in which a re-proposal executes. */
  armedForTurn?: number;
}

function toJsonSchema(schema: z.ZodType): Record<string, unknown> {
  try {
    const json = z.toJSONSchema(schema, { unrepresentable: 'any' }) as Record<string, unknown>;
    delete json.$schema;
    return json;
  } catch {
    return { type: 'object' };
  }
}

export function createToolGateway(opts: ToolGatewayOptions): ToolGateway {
  const byName = new Map<string, ToolDefinition>(opts.tools.map((t) => [t.name, t]));
  const limits = { ...DEFAULT_VALIDATION_LIMITS, ...opts.limits };
  const specs = opts.tools.map((t) => ({
    name: t.name,
    description: t.description,
    parameters: toJsonSchema(t.schema),
  }));
  let pending: PendingConfirmation | undefined;
  /** Read-only results prefetched on partial transcripts, reused by the committed turn. */
  const prefetched = new Map<string, { turnId: number; outcome: Promise<ToolOutcome> }>();

  const audit = (p: ToolProposal, kind: AuditKind, detail: Record<string, unknown>) => {
    opts.audit?.record({
      sessionId: opts.sessionId,
      turnId: p.turnId,
      callId: p.callId,
      tool: p.name,
      kind,
      atMs: opts.clock.now(),
      detail,
    });
  };

  const refuse = (
    p: ToolProposal,
    kind: 'rejected' | 'policy',
    reason: string,
    args?: unknown,
  ): ToolOutcome => {
    audit(p, kind, { decision: 'refused', reason });
    return { callId: p.callId, name: p.name, status: 'rejected', reason, args };
  };

  const run = async (p: ToolProposal, tool: ToolDefinition, args: unknown, signal: AbortSignal) => {
    const execution = await executeTool(tool, args, {
      clock: opts.clock,
      signal,
      sessionId: opts.sessionId,
      ...(opts.tenant !== undefined ? { tenant: opts.tenant } : {}),
    });
    const kind: AuditKind =
      execution.status === 'executed'
        ? 'executed'
        : execution.status === 'cancelled'
          ? 'cancelled'
          : 'failed';
    audit(p, kind, {
      status: execution.status,
      durationMs: execution.durationMs,
      ...(execution.reason ? { reason: execution.reason } : {}),
      ...(execution.status === 'executed' ? { result: execution.result } : {}),
    });
    const outcome: ToolOutcome = { callId: p.callId, name: p.name, status: execution.status, args };
    if (execution.result !== undefined) outcome.result = execution.result;
    if (execution.reason) outcome.reason = execution.reason;
    outcome.durationMs = execution.durationMs;
    return outcome;
  };

  return {
    specs: () => specs,
    effectOf: (name) => byName.get(name)?.effect,
    slowAfterMsOf: (name) => {
      const tool = byName.get(name);
      return tool ? (tool.slowAfterMs ?? DEFAULT_SLOW_AFTER_MS) : undefined;
    },
    fillerOf: (name) => byName.get(name)?.filler,
    hasPending: () => pending !== undefined,

    async propose(p, signal) {
      audit(p, 'proposed', { arguments: p.arguments.slice(0, 1000), phase: p.phase });
      const tool = byName.get(p.name);
      if (!tool)
        return refuse(p, 'rejected', `unknown tool '${p.name}'; available: ${[...byName.keys()].join(', ')}`);
      const validation = validateArguments(tool, p.arguments, limits);
      if (!validation.ok) return refuse(p, 'rejected', validation.reason);
      const args = validation.args;
      audit(p, 'validated', { args });

      if (p.phase === 'partial' && tool.effect !== 'read_only') {
        return refuse(
          p,
          'policy',
          `${p.name} has side effects; it may only run after the caller's turn is committed`,
          args,
        );
      }
      if (signal.aborted) {
        audit(p, 'policy', { decision: 'refused', reason: 'the reply was cancelled before the call ran' });
        return {
          callId: p.callId,
          name: p.name,
          status: 'cancelled',
          args,
          reason: 'the reply was cancelled',
        };
      }
      const key = argumentsKey(p.name, args);

      if (tool.effect === 'read_only') {
        const cached = prefetched.get(key);
        if (p.phase === 'committed' && cached && cached.turnId === p.turnId) {
          prefetched.delete(key);
          const outcome = await cached.outcome;
          if (outcome.status === 'executed') {
            audit(p, 'policy', { decision: 'prefetched result reused' });
            return { ...outcome, callId: p.callId };
          }
        }
        audit(p, 'policy', { decision: 'allowed', effect: tool.effect, phase: p.phase });
        if (p.phase === 'partial') {
          // Prefetch runs on its own: the committed turn picks it up, nothing else waits for it.
          const outcome = run(p, tool, args, new AbortController().signal);
          prefetched.set(key, { turnId: p.turnId, outcome });
          return outcome;
        }
        return run(p, tool, args, signal);
      }

      if (tool.effect === 'needs_confirmation') {
        if (pending?.key === key && pending.armedForTurn === p.turnId) {
          pending = undefined;
          audit(p, 'policy', { decision: 'allowed', effect: tool.effect, confirmedInTurn: p.turnId });
          return run(p, tool, args, signal);
        }
        pending = { key };
        const reason = `ask the caller to confirm ${p.name} with these details; it runs only after a clear yes`;
        audit(p, 'policy', { decision: 'needs_confirmation', reason });
        return { callId: p.callId, name: p.name, status: 'needs_confirmation', args, reason };
      }

      audit(p, 'policy', { decision: 'allowed', effect: tool.effect });
      return run(p, tool, args, signal);
    },

    confirmPending(turnId) {
      if (pending) pending.armedForTurn = turnId;
    },

    cancelPending() {
      pending = undefined;
    },
  };
}
