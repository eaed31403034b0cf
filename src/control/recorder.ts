/**
 * Follows one session's events and writes the durable record as the call goes: the user turn at
 * commit, the full turn at its trace, usage and cost as they accrue, the end. Also moves metrics.
 */
import type { SessionApi } from '../conversation/api.js';
import type { SessionEvent } from '../conversation/events.js';
import type { CostMeter } from '../metrics/cost-meter.js';
import type { ParleyMetrics } from '../metrics/prometheus.js';
import type { CallStore } from '../store/call-store.js';
import type { AuditEntry, AuditSink } from '../tools/types.js';

export interface RecorderDeps {
  sessionId: string;
  store: CallStore;
  metrics: ParleyMetrics;
  meter: CostMeter;
  /** The agent's tool names; anything else a brain invents is counted as 'unknown'. */
  knownTools: ReadonlySet<string>;
  /** Running cost after each change, for budgets. */
  onCost(totalUsd: number): void;
  onEnded(reason: string): void;
  log: { error(obj: object, msg: string): void };
}

/** A tool call's final outcome, if this audit step is one. */
export function finalOutcome(entry: Pick<AuditEntry, 'kind' | 'detail'>): string | undefined {
  if (entry.kind === 'policy') {
    if (entry.detail.decision === 'refused') return 'rejected';
    if (entry.detail.decision === 'needs_confirmation') return 'needs_confirmation';
    return undefined;
  }
  return entry.kind === 'proposed' || entry.kind === 'validated' ? undefined : entry.kind;
}

export class SessionRecorder {
  private costUsd = 0;

  constructor(private readonly deps: RecorderDeps) {}

  /** The tool gateway's sink: durable audit, tool metrics and tool cost. */
  auditSink(): AuditSink {
    return {
      record: (entry) => {
        this.deps.store.recordAudit(entry);
        const outcome = finalOutcome(entry);
        if (outcome) {
          // Label values stay bounded whatever names a brain proposes.
          const tool = this.deps.knownTools.has(entry.tool) ? entry.tool : 'unknown';
          this.deps.metrics.toolCalls.inc({ tool, outcome });
          if (entry.kind === 'executed') this.addUsage({ toolCalls: 1 });
        }
      },
    };
  }

  attach(session: SessionApi): () => void {
    return session.onEvent((e) => {
      try {
        // Clients' heard reports may refine a trace after it was written; keep the final version.
        if (e.type === 'ended')
          for (const trace of session.traces()) this.deps.store.recordTrace(this.deps.sessionId, trace);
        this.onEvent(e);
      } catch (err) {
        // A store failure must not take the call down; it is logged loudly instead.
        this.deps.log.error({ err, event: e.type, sessionId: this.deps.sessionId }, 'recording failed');
      }
    });
  }

  private onEvent(e: SessionEvent): void {
    const { store, metrics, sessionId } = this.deps;
    switch (e.type) {
      case 'turn_committed':
        store.commitTurn(sessionId, e.turnId, e.text, e.atMs);
        break;
      case 'turn_trace':
        store.recordTrace(sessionId, e.trace);
        metrics.turns.inc();
        if (e.trace.ttfaMs !== undefined && Number.isFinite(e.trace.ttfaMs))
          metrics.ttfaMs.observe(e.trace.ttfaMs);
        break;
      case 'interrupted':
        metrics.interruptions.inc();
        break;
      case 'usage':
        this.addUsage({
          sttAudioMs: e.sttAudioMs,
          inputTokens: e.inputTokens,
          outputTokens: e.outputTokens,
          ttsChars: e.ttsChars,
        });
        metrics.sttAudioSeconds.inc(Math.max(0, e.sttAudioMs / 1000) || 0);
        metrics.brainTokens.inc({ direction: 'input' }, Math.max(0, e.inputTokens) || 0);
        metrics.brainTokens.inc({ direction: 'output' }, Math.max(0, e.outputTokens) || 0);
        metrics.ttsChars.inc(Math.max(0, e.ttsChars) || 0);
        break;
      case 'error':
        metrics.engineErrors.inc();
        break;
      case 'ended':
        this.deps.onEnded(e.reason);
        break;
      default:
        break;
    }
  }

  private addUsage(delta: Parameters<CostMeter['add']>[0]): void {
    const { meter, store, metrics, sessionId } = this.deps;
    const cost = meter.add(delta);
    store.recordUsage(sessionId, meter.usage(), cost.totalUsd);
    const added = cost.totalUsd - this.costUsd;
    if (added > 0) metrics.costUsd.inc(added);
    this.costUsd = cost.totalUsd;
    this.deps.onCost(cost.totalUsd);
  }
}
