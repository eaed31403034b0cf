/**
 * API keys: the operator's keys from `PARLEY_API_KEYS` (comma-separated) or one generated at start.
 * Only fingerprints are kept for ownership, so the store never holds a key.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuthThrottle } from './auth-throttle.js';
import { ApiError } from './errors.js';

/** Shorter keys can be guessed; a generated key has 35 characters. */
export const MIN_API_KEY_LENGTH = 16;

export function generateApiKey(): string {
  return `pk_${randomBytes(24).toString('base64url')}`;
}

export function fingerprint(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex');
}

/** Keys from an env-style list; blanks dropped. Undefined when none are configured. */
export function parseApiKeys(list: string | undefined): string[] | undefined {
  const keys = (list ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k.length > 0);
  return keys.length > 0 ? keys : undefined;
}

/** The parts of a request and its reply that `authenticate` uses. */
export interface KeyedRequest {
  ip: string;
}
export interface KeyedReply {
  header(name: string, value: string): unknown;
}

export class ApiKeys {
  private readonly digests: Buffer[];

  /** `throttle` limits wrong-key guesses per client address in `authenticate`. */
  constructor(
    readonly keys: string[],
    private readonly throttle?: AuthThrottle,
  ) {
    if (keys.length === 0) throw new Error('at least one API key is required');
    keys.forEach((k, i) => {
      // The message never repeats the key: it may be a real one that is merely short.
      if (k.length < MIN_API_KEY_LENGTH)
        throw new Error(
          `PARLEY_API_KEYS: key ${i + 1} of ${keys.length} has ${k.length} characters; API keys need at least ${MIN_API_KEY_LENGTH} (generate one with: openssl rand -base64 24)`,
        );
    });
    this.digests = keys.map((k) => Buffer.from(fingerprint(k), 'hex'));
  }

  /**
   * The fingerprint of the request's valid key. A missing or wrong key is ApiError 401 and counts
   * against the client's address; a throttled address gets 429 with `Retry-After`, its key unchecked.
   */
  authenticate(presented: string | undefined, request: KeyedRequest, reply: KeyedReply): string {
    this.refuseIfThrottled(request, reply);
    const owner = this.check(presented);
    if (!owner) {
      this.throttle?.fail(request.ip);
      throw new ApiError(401, 'unauthorized', 'a valid API key is required (Authorization: Bearer <key>)');
    }
    return owner;
  }

  /** Counts a failed authentication that was not a key check (e.g. a bad Realtime client secret). */
  noteFailure(request: KeyedRequest): void {
    this.throttle?.fail(request.ip);
  }

  /** ApiError 429 with `Retry-After` while `request`'s address is throttled. */
  refuseIfThrottled(request: KeyedRequest, reply: KeyedReply): void {
    const retryAfterS = this.throttle?.retryAfterS(request.ip);
    if (retryAfterS === undefined) return;
    reply.header('retry-after', String(retryAfterS));
    throw new ApiError(
      429,
      'too_many_failed_auth',
      `too many requests with a wrong API key from this address; try again in ${retryAfterS} s`,
    );
  }

  /** The fingerprint of a valid key, or undefined. Compares digests in constant time. */
  check(presented: string | undefined): string | undefined {
    if (!presented) return undefined;
    const digest = Buffer.from(fingerprint(presented), 'hex');
    let match = false;
    for (const d of this.digests) match = timingSafeEqual(d, digest) || match;
    return match ? digest.toString('hex') : undefined;
  }
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}
