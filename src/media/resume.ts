/**
 * Resume: a media connection that drops abnormally detaches its session for a grace period
 * instead of ending it, and the client gets back in with a single-use resume token. One book per
 * media plane (one process); each session has at most one connection and one live resume token.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { SessionApi } from '../conversation/api.js';
import { MediaAuthError } from './errors.js';

/** How long a detached session waits for its client to resume, ms. */
export const DEFAULT_RESUME_GRACE_MS = 15_000;

/** Resume tokens start with this, so the media routes tell them from session tokens (JWTs). */
const RESUME_PREFIX = 'pr_';

/** `PARLEY_RESUME_GRACE_MS` when set to a non-negative number. */
export function resumeGraceMsFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.PARLEY_RESUME_GRACE_MS;
  if (raw === undefined || raw.trim() === '') return undefined;
  const ms = Number(raw);
  if (!Number.isFinite(ms) || ms < 0)
    throw new Error(`PARLEY_RESUME_GRACE_MS must be a number of ms ≥ 0, got '${raw}'`);
  return ms;
}

export function newResumeToken(): string {
  return RESUME_PREFIX + randomBytes(24).toString('base64url');
}

export function isResumeToken(token: string | undefined): token is string {
  return typeof token === 'string' && token.startsWith(RESUME_PREFIX);
}

/** A session token checked but not yet spent; `spend()` spends it once media really connects. */
export interface MediaAdmission {
  session: SessionApi;
  /** Throws MediaAuthError (409 token_used) when another connection spent it since the check. */
  spend(): void;
}

/** One media connection of a session, as the book drives it. */
export interface MediaConnection {
  readonly transport: 'webrtc' | 'websocket';
  /** Closes the connection without ending the session (a resume took over). */
  drop(reason: string): void;
  /** Ends the call. */
  close(reason: string): Promise<void>;
}

export interface ResumeBookOptions {
  clock: Clock;
  /** Default DEFAULT_RESUME_GRACE_MS. */
  graceMs?: number;
  log?: { info(obj: object, msg?: string): void };
}

interface Entry {
  session: SessionApi;
  connection: MediaConnection | undefined;
  /** The one resume token that works now. */
  token: string;
  /** Digest of the session token that first connected (it may still hang up the call). */
  sessionTokenDigest: Buffer;
  grace: AbortController | undefined;
  offEvents: () => void;
}

const digest = (token: string) => createHash('sha256').update(token).digest();

export class ResumeBook {
  readonly graceMs: number;
  private readonly bySession = new Map<string, Entry>();
  private readonly byToken = new Map<string, Entry>();
  /** Resume tokens already used, until their session ends: a replay gets 409, not 401. */
  private readonly spent = new Map<string, Entry>();

  constructor(private readonly opts: ResumeBookOptions) {
    this.graceMs = opts.graceMs ?? DEFAULT_RESUME_GRACE_MS;
  }

  /** The connection carrying `sessionId` now, if any. */
  connection(sessionId: string): MediaConnection | undefined {
    return this.bySession.get(sessionId)?.connection;
  }

  /** Whether the session lost its connection and waits for a resume. */
  isDetached(sessionId: string): boolean {
    const entry = this.bySession.get(sessionId);
    return entry !== undefined && entry.connection === undefined;
  }

  /** Checks a resume token without spending it. */
  check(token: string): MediaAdmission {
    const used = this.spent.get(token);
    if (used) throw new MediaAuthError('this resume token has already been used', 409, 'token_used');
    const entry = this.byToken.get(token);
    if (!entry || entry.session.state === 'ended') {
      throw new MediaAuthError('the resume token is unknown or its session has ended', 401, 'token_invalid');
    }
    return {
      session: entry.session,
      spend: () => {
        if (this.byToken.get(token) !== entry) {
          throw new MediaAuthError('this resume token has already been used', 409, 'token_used');
        }
        this.byToken.delete(token);
        this.spent.set(token, entry);
      },
    };
  }

  /**
   * `connection` now carries `session` and `resumeToken` is the one to come back with. A previous
   * connection still attached (the server had not noticed it died) is dropped: the client proved
   * itself with the token. `sessionToken` is the token of a first connection.
   */
  attach(session: SessionApi, connection: MediaConnection, resumeToken: string, sessionToken?: string): void {
    let entry = this.bySession.get(session.id);
    if (!entry) {
      const created: Entry = {
        session,
        connection: undefined,
        token: resumeToken,
        sessionTokenDigest: digest(sessionToken ?? resumeToken),
        grace: undefined,
        offEvents: () => {},
      };
      created.offEvents = session.onEvent((event) => {
        if (event.type === 'ended') this.forget(created);
        // Nobody hears a reply that starts while detached (an idle check-in): cut it.
        else if (event.type === 'agent_audio_started' && created.connection === undefined)
          queueMicrotask(() => session.cancelReply?.());
      });
      entry = created;
      this.bySession.set(session.id, entry);
    } else {
      this.byToken.delete(entry.token);
      const previous = entry.connection;
      if (previous && previous !== connection) previous.drop('resumed elsewhere');
    }
    entry.grace?.abort();
    entry.grace = undefined;
    entry.token = resumeToken;
    entry.connection = connection;
    this.byToken.set(resumeToken, entry);
    if (session.state === 'ended') this.forget(entry);
  }

  /**
   * `connection` dropped abnormally: the session waits `graceMs` for a resume, then ends
   * `disconnected`. The reply going is cut as a barge-in would cut it, so history keeps what was heard.
   */
  lost(sessionId: string, connection: MediaConnection, reason: string): void {
    const entry = this.bySession.get(sessionId);
    if (!entry || entry.connection !== connection) return;
    entry.connection = undefined;
    entry.session.cancelReply?.();
    this.opts.log?.info({ sessionId, reason, graceMs: this.graceMs }, 'media lost; waiting for a resume');
    const grace = new AbortController();
    entry.grace = grace;
    this.opts.clock.sleep(this.graceMs, grace.signal).then(
      () => {
        if (entry.grace !== grace) return;
        this.opts.log?.info({ sessionId }, 'no resume in time; ending the session');
        void entry.session.close('disconnected').catch(() => undefined);
      },
      () => undefined,
    );
  }

  /** Whether `token` may hang up `sessionId`: its current resume token or the session token that connected it. */
  mayHangUp(sessionId: string, token: string | undefined): boolean {
    const entry = this.bySession.get(sessionId);
    if (!entry || !token) return false;
    if (entry.token === token) return true;
    return timingSafeEqual(entry.sessionTokenDigest, digest(token));
  }

  /** Every session with a connection or waiting for a resume. */
  sessions(): SessionApi[] {
    return [...this.bySession.values()].map((e) => e.session);
  }

  session(sessionId: string): SessionApi | undefined {
    return this.bySession.get(sessionId)?.session;
  }

  /** Ends every grace wait (shutdown); the sessions themselves are closed by their owner. */
  clear(): void {
    for (const entry of [...this.bySession.values()]) this.forget(entry);
  }

  private forget(entry: Entry): void {
    entry.grace?.abort();
    entry.grace = undefined;
    entry.offEvents();
    if (this.bySession.get(entry.session.id) === entry) this.bySession.delete(entry.session.id);
    this.byToken.delete(entry.token);
    for (const [token, owner] of this.spent) if (owner === entry) this.spent.delete(token);
  }
}
