import { describe, expect, it } from 'vitest';
import { type TokenError, TokenIssuer } from './tokens.js';

const SECRET = 'x'.repeat(32);

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as TokenError).code;
  }
  return 'accepted';
}

describe('TokenIssuer', () => {
  it('round-trips the session, agent and jti, and expires to the millisecond', async () => {
    let now = 1_700_000_000_250;
    const issuer = new TokenIssuer({ secret: SECRET, ttlMs: 60_000, now: () => now });
    const issued = await issuer.issue('s-1', 'package-tracker');
    expect(issued.expiresAtMs).toBe(now + 60_000);
    expect(await issuer.verify(issued.token)).toMatchObject({
      sessionId: 's-1',
      agent: 'package-tracker',
      jti: issued.jti,
    });
    const other = await issuer.issue('s-1', 'package-tracker');
    expect(other.jti).not.toBe(issued.jti);
    now += 61_000;
    expect(await failure(issuer.verify(issued.token))).toBe('token_expired');
  });

  it('refuses a token signed with another secret, an unsigned one, or none', async () => {
    const issuer = new TokenIssuer({ secret: SECRET });
    const stranger = new TokenIssuer({ secret: 'y'.repeat(32) });
    const { token } = await stranger.issue('s-1', 'package-tracker');
    expect(await failure(issuer.verify(token))).toBe('token_invalid');
    const [, payload] = token.split('.');
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
    expect(await failure(issuer.verify(unsigned))).toBe('token_invalid');
    expect(await failure(issuer.verify(undefined))).toBe('token_missing');
    expect(await failure(issuer.verify(''))).toBe('token_missing');
  });

  it('refuses a secret too short to be safe', () => {
    expect(() => new TokenIssuer({ secret: 'short' })).toThrow(/at least 32/);
    expect(() => new TokenIssuer({ secret: SECRET, ttlMs: 0 })).toThrow(/positive/);
  });
});
