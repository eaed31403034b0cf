/**
 * HTTP-level limits: how long a client may take to send a request, how long an idle socket lives,
 * and how many connections the server holds at once. Node's own defaults let a half-sent request
 * sit for five minutes and accept connections without bound.
 */
import type { Server } from 'node:http';

export interface HttpLimits {
  /** A request's headers must arrive within this, ms (answered 408, then closed). Default 10000. */
  headersTimeoutMs: number;
  /** A whole request, body included, must arrive within this, ms (408, then closed). Default 30000. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this, ms. Default 5000. */
  keepAliveTimeoutMs: number;
  /**
   * A socket with no traffic in either direction is closed after this, ms. Upgraded WebSocket
   * connections are not affected (the media plane has its own liveness checks). Default 60000.
   */
  connectionTimeoutMs: number;
  /** Open connections at once (HTTP, WebSocket); more are refused at accept. Default 512. */
  maxConnections: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  connectionTimeoutMs: 60_000,
  maxConnections: 512,
};

const ENV: Record<keyof HttpLimits, string> = {
  headersTimeoutMs: 'PARLEY_HEADERS_TIMEOUT_MS',
  requestTimeoutMs: 'PARLEY_REQUEST_TIMEOUT_MS',
  keepAliveTimeoutMs: 'PARLEY_KEEP_ALIVE_TIMEOUT_MS',
  connectionTimeoutMs: 'PARLEY_CONNECTION_TIMEOUT_MS',
  maxConnections: 'PARLEY_MAX_CONNECTIONS',
};

/** Limits from options over `PARLEY_*` variables over the defaults; a bad value names its variable. */
export function httpLimits(env: NodeJS.ProcessEnv, given: Partial<HttpLimits> = {}): HttpLimits {
  const limits = { ...DEFAULT_HTTP_LIMITS };
  for (const [key, name] of Object.entries(ENV) as [keyof HttpLimits, string][]) {
    const raw = env[name];
    const fromEnv = raw === undefined || raw.trim() === '' ? undefined : Number(raw);
    const value = given[key] ?? fromEnv;
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value <= 0) {
      const source = given[key] !== undefined ? key : name;
      throw new Error(`${source} must be a positive integer, got '${given[key] ?? raw}'`);
    }
    limits[key] = value;
  }
  // Node refuses a request timeout shorter than the headers timeout.
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) limits.headersTimeoutMs = limits.requestTimeoutMs;
  return limits;
}

/** Fastify server options carrying the timeouts. */
export function fastifyTimeoutOptions(limits: HttpLimits) {
  return {
    connectionTimeout: limits.connectionTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // Node enforces both timeouts on this tick (default 30 s, which would stretch them).
      connectionsCheckingInterval: Math.max(
        100,
        Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4)),
      ),
    },
  };
}

/** Caps the server's open connections: beyond it, Node closes new sockets as they are accepted. */
export function capConnections(server: Server, limits: HttpLimits): void {
  server.maxConnections = limits.maxConnections;
}
