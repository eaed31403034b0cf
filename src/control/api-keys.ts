/**
 * API keys: the operator's keys from `PARLEY_API_KEYS` (comma-separated) or one generated at start.
 * Only fingerprints are kept for ownership, so the store never holds a key.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

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

export class ApiKeys {
  private readonly digests: Buffer[];

  constructor(readonly keys: string[]) {
    if (keys.length === 0) throw new Error('at least one API key is required');
    this.digests = keys.map((k) => Buffer.from(fingerprint(k), 'hex'));
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
