/**
 * Short-lived media tokens: a JWT (HS256) naming one session and its agent, with a unique jti.
 * The control plane mints one per session; the media plane hands it back to `verify`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';

const ISSUER = 'parley-control';
const AUDIENCE = 'parley-media';

export interface MediaClaims {
  sessionId: string;
  agent: string;
  jti: string;
  /** Wall-clock ms. */
  expiresAtMs: number;
}

export interface IssuedToken extends MediaClaims {
  token: string;
}

export type TokenFailure = 'token_missing' | 'token_invalid' | 'token_expired';

export class TokenError extends Error {
  override name = 'TokenError';
  constructor(
    readonly code: TokenFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface TokenIssuerOptions {
  /** HMAC secret, at least 32 bytes. Default: `PARLEY_TOKEN_SECRET`, else random per process. */
  secret?: string | Uint8Array;
  /** How long a token may wait before connecting, ms. Default 60000. */
  ttlMs?: number;
  /** Wall clock, ms since the epoch. Default Date.now. */
  now?: () => number;
}

export const MIN_SECRET_BYTES = 32;

function secretBytes(secret: string | Uint8Array | undefined): Uint8Array {
  if (secret === undefined || secret === '') return randomBytes(MIN_SECRET_BYTES);
  const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new Error(
      `the token secret is too short (${bytes.length} bytes); PARLEY_TOKEN_SECRET needs at least ${MIN_SECRET_BYTES}`,
    );
  }
  return bytes;
}

export class TokenIssuer {
  readonly ttlMs: number;
  private readonly key: Uint8Array;
  private readonly now: () => number;

  constructor(opts: TokenIssuerOptions = {}) {
    this.key = secretBytes(opts.secret ?? process.env.PARLEY_TOKEN_SECRET);
    this.ttlMs = opts.ttlMs ?? 60_000;
    if (!(this.ttlMs > 0)) throw new Error(`tokenTtlMs must be positive, got ${this.ttlMs}`);
    this.now = opts.now ?? Date.now;
  }

  async issue(sessionId: string, agent: string): Promise<IssuedToken> {
    const nowMs = this.now();
    const expiresAtMs = nowMs + this.ttlMs;
    const jti = randomUUID();
    const token = await new SignJWT({ agent })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(sessionId)
      .setJti(jti)
      .setIssuedAt(Math.floor(nowMs / 1000))
      // JWT expiry has 1 s resolution; `verify` also checks the exact ms below.
      .setExpirationTime(Math.ceil(expiresAtMs / 1000))
      .sign(this.key);
    return { token, sessionId, agent, jti, expiresAtMs };
  }

  /** Checks signature, issuer, audience and expiry; throws TokenError naming what is wrong. */
  async verify(token: string | undefined): Promise<MediaClaims> {
    if (!token) throw new TokenError('token_missing', 'a media token is required');
    const nowMs = this.now();
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        currentDate: new Date(nowMs),
        requiredClaims: ['sub', 'jti', 'exp'],
      }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired)
        throw new TokenError('token_expired', 'the media token has expired');
      throw new TokenError('token_invalid', 'the media token is invalid');
    }
    const { sub, jti, agent, exp } = payload;
    if (
      typeof sub !== 'string' ||
      typeof jti !== 'string' ||
      typeof agent !== 'string' ||
      typeof exp !== 'number'
    ) {
      throw new TokenError('token_invalid', 'the media token is missing its claims');
    }
    return { sessionId: sub, agent, jti, expiresAtMs: exp * 1000 };
  }
}
