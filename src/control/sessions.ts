/**
 * Live sessions: creation through the runtime, the media token each one gets, its recorder and
 * budget guard, and the `authorize` check the media plane calls. One place ends a session.
 */
import { randomUUID } from 'node:crypto';
import type { AgentDefinition } from '../agent.js';
import type { Clock } from '../clock.js';
import type { SessionApi } from '../conversation/api.js';
import type { SessionOptions } from '../conversation/options.js';
import type { Brain } from '../engines/types.js';
import { MediaAuthError } from '../media/errors.js';
import type { MediaAdmission } from '../media/resume.js';
import { CostMeter } from '../metrics/cost-meter.js';
import type { PriceTable } from '../metrics/prices.js';
import type { ParleyMetrics } from '../metrics/prometheus.js';
import type { CallStore } from '../store/call-store.js';
import { BudgetGuard, type SessionBudget } from './budget.js';
import { atTurnBoundary, DRAINING_MESSAGE, type DrainResult } from './drain.js';
import { ApiError } from './errors.js';
import { SessionRecorder } from './recorder.js';
import { type ControlRuntime, EngineChoiceError, type SessionEngineChoice } from './runtime-contract.js';
import { TokenError, type TokenIssuer } from './tokens.js';

export interface ControlLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface SessionServiceDeps {
  runtime: Pick<ControlRuntime, 'createSession' | 'checkChoice'>;
  store: CallStore;
  metrics: ParleyMetrics;
  tokens: TokenIssuer;
  agents: ReadonlyMap<string, AgentDefinition>;
  prices: PriceTable;
  /** Clock for budgets' duration limit. */
  clock: Clock;
  /** Wall clock (ms since the epoch) for token expiry and record timestamps. */
  wallNow: () => number;
  /** A brain for a session of `agent` instead of the runtime's brain engine (tests). */
  brainFor?(agent: AgentDefinition): Brain | Promise<Brain>;
  /** Wait after a budget goodbye before hanging up, ms (BudgetGuard's closeGraceMs). */
  budgetGraceMs?: number;
  /** More live sessions than this are refused with 503. */
  maxActiveSessions: number;
  /** More live sessions of one owner key than this are refused with 429. Default: no per-key cap. */
  maxSessionsPerKey?: number;
  log: ControlLogger;
}

export interface CreateRequest {
  ownerKey: string;
  agent: string;
  budget: SessionBudget;
  options: Partial<SessionOptions>;
  /** Engines by name among those the runtime offers. */
  engines?: SessionEngineChoice;
}

export interface CreatedSession {
  sessionId: string;
  agent: string;
  token: string;
  expiresAtMs: number;
}

interface LiveSession {
  id: string;
  agent: string;
  ownerKey: string;
  session: SessionApi;
  jti: string;
  tokenExpiresAtMs: number;
  connected: boolean;
  ended: boolean;
  guard: BudgetGuard;
  detach: (() => void)[];
  connectTimer: NodeJS.Timeout;
}

export class SessionService {
  private readonly live = new Map<string, LiveSession>();
  /** Sessions being created: counted against the limit before their runtime session exists. */
  private pending = 0;
  private drainStarted = false;
  /** The same, by owner key, for the per-key cap. */
  private readonly pendingByKey = new Map<string, number>();

  constructor(private readonly deps: SessionServiceDeps) {}

  get activeCount(): number {
    return this.live.size;
  }

  isLive(id: string): boolean {
    return this.live.has(id);
  }

  state(id: string): SessionApi['state'] | undefined {
    return this.live.get(id)?.session.state;
  }

  /**
   * Throws what `create` would refuse for lack of room (draining, the key's cap, the server's cap),
   * so a route can answer with a status before it upgrades a connection.
   */
  checkRoomFor(ownerKey: string): void {
    const { deps } = this;
    if (this.isDraining) throw new ApiError(503, 'draining', DRAINING_MESSAGE);
    // Sessions being created count too, so concurrent requests cannot slip past either cap.
    const ownedNow = (this.pendingByKey.get(ownerKey) ?? 0) + this.liveOwnedBy(ownerKey);
    if (deps.maxSessionsPerKey !== undefined && ownedNow >= deps.maxSessionsPerKey) {
      throw new ApiError(
        429,
        'too_many_sessions',
        `this API key already has ${ownedNow} live sessions, its limit; end one (DELETE /v1/sessions/{id}) first`,
      );
    }
    if (this.live.size + this.pending >= deps.maxActiveSessions) {
      throw new ApiError(
        503,
        'at_capacity',
        `this server is at its limit of ${deps.maxActiveSessions} live sessions`,
      );
    }
  }

  async create(req: CreateRequest): Promise<CreatedSession> {
    const { deps } = this;
    if (this.isDraining) throw new ApiError(503, 'draining', DRAINING_MESSAGE);
    const agent = deps.agents.get(req.agent);
    if (!agent) {
      throw new ApiError(
        400,
        'unknown_agent',
        `unknown agent '${req.agent}'; known: ${[...deps.agents.keys()].join(', ')}`,
      );
    }
    if (req.engines) {
      // A choice the runtime does not offer is the caller's mistake: 400, and nothing is recorded.
      try {
        await deps.runtime.checkChoice?.(req.engines);
      } catch (err) {
        if (err instanceof EngineChoiceError)
          throw new ApiError(400, err.code, `${err.detail}; choose one of: ${err.allowed.join(', ')}`);
        throw err;
      }
    }
    this.checkRoomFor(req.ownerKey);
    this.pending++;
    this.pendingByKey.set(req.ownerKey, (this.pendingByKey.get(req.ownerKey) ?? 0) + 1);
    const id = randomUUID();
    try {
      deps.store.createSession({
        id,
        agent: req.agent,
        ownerKey: req.ownerKey,
        createdAt: new Date(deps.wallNow()),
        budget: { ...req.budget },
      });
      let live: LiveSession | undefined;
      const guard = new BudgetGuard({
        budget: req.budget,
        clock: deps.clock,
        ...(deps.budgetGraceMs !== undefined ? { closeGraceMs: deps.budgetGraceMs } : {}),
        onExhausted: (limit) => {
          deps.log.info({ sessionId: id, limit }, 'session budget reached');
          void this.hangUp(id, 'budget');
        },
      });
      const meter = new CostMeter(deps.prices);
      const recorder = new SessionRecorder({
        sessionId: id,
        store: deps.store,
        metrics: deps.metrics,
        meter,
        knownTools: new Set(agent.tools.map((t) => t.name)),
        onCost: (usd) => guard.observeCostUsd(usd),
        onEnded: (reason) => this.onEnded(id, reason),
        log: deps.log,
      });
      let session: SessionApi;
      try {
        const brain = deps.brainFor ? await deps.brainFor(agent) : undefined;
        session = await deps.runtime.createSession({
          agent,
          id,
          // The owner's key id (a fingerprint, or `phone:<account>`): its data is its own.
          tenant: req.ownerKey,
          audit: recorder.auditSink(),
          options: req.options,
          ...(req.engines ? { engines: req.engines } : {}),
          ...(brain ? { brain } : {}),
          wrapBrain: (b) => guard.wrapBrain(b),
        });
      } catch (err) {
        guard.dispose();
        deps.store.endSession(id, 'failed_to_start', new Date(deps.wallNow()));
        deps.log.error({ err, sessionId: id }, 'session failed to start');
        throw new ApiError(
          503,
          'engine_unavailable',
          `the session could not start: ${(err as Error).message}`,
        );
      }
      let issued: Awaited<ReturnType<TokenIssuer['issue']>>;
      try {
        issued = await deps.tokens.issue(id, req.agent);
      } catch (err) {
        guard.dispose();
        await session.close('failed_to_start');
        deps.store.endSession(id, 'failed_to_start', new Date(deps.wallNow()));
        throw err;
      }
      live = {
        id,
        agent: req.agent,
        ownerKey: req.ownerKey,
        session,
        jti: issued.jti,
        tokenExpiresAtMs: issued.expiresAtMs,
        connected: false,
        ended: false,
        guard,
        detach: [],
        // A session nobody connects to within the token's life would hold engines for nothing.
        connectTimer: setTimeout(() => {
          if (live && !live.connected) void this.hangUp(id, 'never_connected');
        }, deps.tokens.ttlMs + 1000).unref(),
      };
      this.live.set(id, live);
      live.detach.push(recorder.attach(session), guard.attach(session));
      deps.metrics.sessionsTotal.inc({ agent: req.agent });
      deps.metrics.sessionsActive.set(this.live.size);
      return { sessionId: id, agent: req.agent, token: issued.token, expiresAtMs: issued.expiresAtMs };
    } finally {
      this.pending--;
      const left = (this.pendingByKey.get(req.ownerKey) ?? 1) - 1;
      if (left > 0) this.pendingByKey.set(req.ownerKey, left);
      else this.pendingByKey.delete(req.ownerKey);
    }
  }

  private liveOwnedBy(ownerKey: string): number {
    let n = 0;
    for (const live of this.live.values()) if (live.ownerKey === ownerKey && !live.ended) n++;
    return n;
  }

  /**
   * The media plane's gate, step one: checks a token WITHOUT spending it. Refuses missing,
   * tampered, expired and already-used tokens, tokens of another session (when the client names
   * the session it wants) and sessions already over. The admission's `spend()` is step two, called
   * once media really connects (a completed upgrade, a successful answer): a plain GET or a failed
   * handshake spends nothing and the session does not count as connected (finding 1).
   */
  checkToken = async (token: string | undefined, expectedSessionId?: string): Promise<MediaAdmission> => {
    try {
      const live = await this.admit(token, expectedSessionId);
      return { session: live.session, spend: () => this.countRefusal(() => this.connect(live)) };
    } catch (err) {
      if (err instanceof MediaAuthError) this.deps.metrics.tokensRefused.inc({ code: err.code });
      throw err;
    }
  };

  /** Checks and spends in one step, for transports that call it once the connection is up (phone, Realtime). */
  authorize = async (token: string | undefined, expectedSessionId?: string): Promise<SessionApi> => {
    const admission = await this.checkToken(token, expectedSessionId);
    admission.spend();
    return admission.session;
  };

  private countRefusal<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof MediaAuthError) this.deps.metrics.tokensRefused.inc({ code: err.code });
      throw err;
    }
  }

  /** Spends the token: the session's media is connected, so it is no longer reaped as never connected. */
  private connect(live: LiveSession): void {
    if (live.ended || !this.live.has(live.id)) {
      throw new MediaAuthError('the session has ended', 410, 'session_ended');
    }
    if (live.connected) {
      throw new MediaAuthError('this token has already been used to connect', 409, 'token_used');
    }
    live.connected = true;
    clearTimeout(live.connectTimer);
  }

  private async admit(token: string | undefined, expectedSessionId?: string): Promise<LiveSession> {
    let claims: Awaited<ReturnType<TokenIssuer['verify']>>;
    try {
      claims = await this.deps.tokens.verify(token);
    } catch (err) {
      if (err instanceof TokenError) throw new MediaAuthError(err.message, 401, err.code);
      throw err;
    }
    if (expectedSessionId !== undefined && claims.sessionId !== expectedSessionId) {
      throw new MediaAuthError('this token belongs to another session', 403, 'token_wrong_session');
    }
    const live = this.live.get(claims.sessionId);
    if (!live || live.ended) {
      throw new MediaAuthError('the session has ended', 410, 'session_ended');
    }
    if (live.jti !== claims.jti || live.agent !== claims.agent) {
      throw new MediaAuthError('this token was not issued for this session', 403, 'token_wrong_session');
    }
    if (this.deps.wallNow() >= live.tokenExpiresAtMs) {
      throw new MediaAuthError('the media token has expired', 401, 'token_expired');
    }
    if (live.connected) {
      throw new MediaAuthError('this token has already been used to connect', 409, 'token_used');
    }
    return live;
  }

  /** Ends a live session (idempotent); resolves when the session has closed. */
  async hangUp(id: string, reason: string): Promise<boolean> {
    const live = this.live.get(id);
    if (!live) return false;
    try {
      await live.session.close(reason);
    } catch (err) {
      this.deps.log.error({ err, sessionId: id }, 'session close failed');
    }
    // A session that failed to emit `ended` is still over as far as the record goes.
    this.onEnded(id, reason);
    return true;
  }

  async closeAll(reason: string): Promise<void> {
    await Promise.all([...this.live.keys()].map((id) => this.hangUp(id, reason)));
  }

  /** True once `drain` has begun: new sessions are refused with 503 `draining`. */
  get isDraining(): boolean {
    return this.drainStarted;
  }

  /**
   * Hangs a live session up at its next turn boundary (the reply going finishes, a caller
   * mid-utterance is answered first), or not at all if `signal` aborts first. True if it hung up.
   */
  async closeAtTurnBoundary(id: string, reason: string, signal: AbortSignal): Promise<boolean> {
    const live = this.live.get(id);
    if (!live) return false;
    await atTurnBoundary(live.session, signal);
    if (signal.aborted) return false;
    return this.hangUp(id, reason);
  }

  /**
   * Graceful shutdown of the calls: refuses new sessions from now on, closes each live one at its
   * next turn boundary, and after `graceMs` hangs up whatever is still going. Every call's record
   * (turns, the end) is written when this resolves.
   */
  async drain(graceMs: number, reason = 'server_shutdown'): Promise<DrainResult> {
    this.drainStarted = true;
    const grace = new AbortController();
    const timer = this.deps.clock.sleep(Math.max(0, graceMs), grace.signal).then(
      () => grace.abort(),
      () => {},
    );
    const watched = new Map<string, Promise<boolean>>();
    const everyCallWatched = () => [...this.live.keys()].every((id) => watched.has(id));
    // Sessions still being created when the drain began become live later; they are drained too.
    while (!grace.signal.aborted) {
      for (const id of this.live.keys())
        if (!watched.has(id)) watched.set(id, this.closeAtTurnBoundary(id, reason, grace.signal));
      if (this.pending > 0) {
        await this.deps.clock.sleep(50, grace.signal).catch(() => {});
        continue;
      }
      await Promise.race([Promise.all(watched.values()), timer]);
      if (this.pending === 0 && everyCallWatched()) break;
    }
    const closed = await Promise.all(watched.values());
    const cutAtGrace = this.live.size;
    await this.closeAll(reason);
    grace.abort();
    return { atBoundary: closed.filter(Boolean).length, cutAtGrace };
  }

  private onEnded(id: string, reason: string): void {
    const live = this.live.get(id);
    if (!live || live.ended) return;
    live.ended = true;
    // The guard's limit is the true reason even if the session phrased it differently.
    const finalReason = live.guard.exhaustedBy ? 'budget' : reason;
    clearTimeout(live.connectTimer);
    for (const off of live.detach.splice(0)) off();
    live.guard.dispose();
    this.deps.store.endSession(id, finalReason, new Date(this.deps.wallNow()));
    this.live.delete(id);
    this.deps.metrics.sessionsEnded.inc({ reason: finalReason });
    this.deps.metrics.sessionsActive.set(this.live.size);
  }
}
