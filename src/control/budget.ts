/**
 * Per-session budgets: cost, duration and turns. Approaching a limit (80% by default) makes the
 * agent say once, at the end of its next answer, that the call is nearly over; reaching it makes
 * the agent say goodbye (turn limit) or ends the call at once (duration, cost) with reason 'budget'.
 *
 * The wrap-up lines go through the brain, so they are synthesized, played, cut by barge-in and
 * recorded exactly like the rest of the agent's speech.
 */
import type { Clock } from '../clock.js';
import type { SessionApi } from '../conversation/api.js';
import type { SessionEvent } from '../conversation/events.js';
import type { Brain, BrainContext, BrainDelta } from '../engines/types.js';

export interface SessionBudget {
  /** Priced usage limit, USD. */
  maxCostUsd: number;
  /** Wall time from session creation, ms. */
  maxDurationMs: number;
  /** Committed user turns. */
  maxTurns: number;
}

/** Server-wide limits unless configured: 30 minutes, 200 turns, 1 USD. */
export const DEFAULT_BUDGET: SessionBudget = { maxCostUsd: 1, maxDurationMs: 30 * 60_000, maxTurns: 200 };

export type BudgetLimit = 'cost' | 'duration' | 'turns';

export interface BudgetGuardOptions {
  budget: SessionBudget;
  clock: Clock;
  /** Fraction of a limit at which the agent starts wrapping up. Default 0.8. */
  wrapUpFraction?: number;
  /** Spoken once when a limit is near. */
  nearLine?: string;
  /** Spoken as the last answer when the turn limit is reached. */
  goodbyeLine?: string;
  /**
   * After the goodbye (or the answer during which a limit was reached) finishes playing, how long
   * to wait before hanging up, ms, so the caller's buffered audio is heard. Default 1500.
   */
  closeGraceMs?: number;
  /** Called once when a limit is reached; the caller ends the session with reason 'budget'. */
  onExhausted(limit: BudgetLimit): void;
}

export const NEAR_LIMIT_LINE = "Just so you know, we're close to the end of the time I have for this call.";
export const GOODBYE_LINE = "That's all the time I have for this call. Thank you for calling, goodbye!";

export class BudgetGuard {
  private readonly fraction: number;
  private readonly stop = new AbortController();
  private turns = 0;
  private near = false;
  private nearSpoken = false;
  private lastTurn = false;
  private goodbyeTurnId: number | undefined;
  private currentTurnId = 0;
  /** A limit reached while the agent answers: end when that answer is done. */
  private closeAfterReply: BudgetLimit | undefined;
  private replying = false;
  private exhausted: BudgetLimit | undefined;

  constructor(private readonly opts: BudgetGuardOptions) {
    this.fraction = opts.wrapUpFraction ?? 0.8;
  }

  get exhaustedBy(): BudgetLimit | undefined {
    return this.exhausted;
  }

  /** Starts the duration timers and follows the session's turns. Returns a detach function. */
  attach(session: SessionApi): () => void {
    const { maxDurationMs } = this.opts.budget;
    const { signal } = this.stop;
    this.opts.clock.sleep(maxDurationMs * this.fraction, signal).then(
      () => this.approach(),
      () => {},
    );
    this.opts.clock.sleep(maxDurationMs, signal).then(
      () => this.exhaust('duration'),
      () => {},
    );
    const off = session.onEvent((e) => this.onEvent(e));
    return () => {
      off();
      this.dispose();
    };
  }

  dispose(): void {
    this.stop.abort();
  }

  /** Feeds the session's running cost. */
  observeCostUsd(totalUsd: number): void {
    const { maxCostUsd } = this.opts.budget;
    if (totalUsd >= maxCostUsd) this.reachWhenIdle('cost');
    else if (totalUsd >= maxCostUsd * this.fraction) this.approach();
  }

  /** The brain as the session should use it: answers unchanged, plus the wrap-up lines when due. */
  wrapBrain(inner: Brain): Brain {
    // The wrapper is the same brain to the session: its capabilities go with it.
    return {
      name: inner.name,
      ...(inner.capabilities ? { capabilities: inner.capabilities } : {}),
      respond: (ctx, signal) => this.respond(inner, ctx, signal),
    };
  }

  private async *respond(inner: Brain, ctx: BrainContext, signal: AbortSignal): AsyncIterable<BrainDelta> {
    let proposedTool = false;
    for await (const delta of inner.respond(ctx, signal)) {
      if (delta.type === 'tool_call') proposedTool = true;
      yield delta;
    }
    // A tool round is not the end of the answer: the brain is asked again with the result.
    if (signal.aborted || proposedTool) return;
    const line = this.takeLine();
    if (line) yield { type: 'text', text: ` ${line}` };
  }

  private takeLine(): string | undefined {
    if (this.lastTurn && this.goodbyeTurnId === undefined) {
      this.goodbyeTurnId = this.currentTurnId;
      return this.opts.goodbyeLine ?? GOODBYE_LINE;
    }
    if (this.near && !this.nearSpoken && !this.lastTurn) {
      this.nearSpoken = true;
      return this.opts.nearLine ?? NEAR_LIMIT_LINE;
    }
    return undefined;
  }

  private onEvent(e: SessionEvent): void {
    switch (e.type) {
      case 'turn_committed': {
        this.currentTurnId = e.turnId;
        this.turns++;
        this.replying = true;
        const { maxTurns } = this.opts.budget;
        if (this.turns > maxTurns) this.exhaust('turns');
        else if (this.turns === maxTurns) this.lastTurn = true;
        else if (this.turns >= maxTurns * this.fraction) this.approach();
        break;
      }
      case 'reply_done':
      case 'turn_trace': {
        const turnId = e.type === 'reply_done' ? e.turnId : e.trace.turnId;
        this.replying = false;
        if (this.closeAfterReply) this.exhaustAfterGrace(this.closeAfterReply);
        else if (this.lastTurn && (this.goodbyeTurnId === undefined || this.goodbyeTurnId === turnId)) {
          this.exhaustAfterGrace('turns');
        }
        break;
      }
      case 'ended':
        this.dispose();
        break;
      default:
        break;
    }
  }

  private approach(): void {
    this.near = true;
  }

  private reachWhenIdle(limit: BudgetLimit): void {
    if (this.replying) this.closeAfterReply = limit;
    else this.exhaust(limit);
  }

  private graceStarted = false;

  private exhaustAfterGrace(limit: BudgetLimit): void {
    if (this.graceStarted) return;
    this.graceStarted = true;
    this.opts.clock.sleep(this.opts.closeGraceMs ?? 1500, this.stop.signal).then(
      () => this.exhaust(limit),
      () => {},
    );
  }

  private exhaust(limit: BudgetLimit): void {
    if (this.exhausted) return;
    this.exhausted = limit;
    this.dispose();
    this.opts.onExhausted(limit);
  }
}

/** Why a requested budget is refused: it must be positive and within the server's limits. */
export function resolveBudget(
  serverLimits: SessionBudget,
  requested: Partial<SessionBudget> | undefined,
): { budget: SessionBudget } | { error: string } {
  const budget = { ...serverLimits };
  for (const key of Object.keys(serverLimits) as (keyof SessionBudget)[]) {
    const value = requested?.[key];
    if (value === undefined) continue;
    if (value > serverLimits[key]) {
      return { error: `budget.${key} (${value}) exceeds this server's limit of ${serverLimits[key]}` };
    }
    budget[key] = value;
  }
  return { budget };
}
