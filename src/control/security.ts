/**
 * Security headers on every response (`@fastify/helmet`): a Content-Security-Policy that lets the
 * web client do exactly what it does (its own script and styles, an AudioWorklet loaded from a blob:
 * URL, fetch and WebSocket to this server, WebRTC), nosniff, no framing, no referrer. HSTS is left
 * to the TLS-terminating proxy: this server speaks plain HTTP.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/** CSP hashes of the page's inline event handlers (`onsubmit="return false"`), allowed one by one. */
export function inlineHandlerHashes(html: string): string[] {
  const hashes = new Set<string>();
  for (const m of html.matchAll(/\son[a-z]+\s*=\s*"([^"]*)"/gi)) {
    const source = (m[1] ?? '').replaceAll('&quot;', '"').replaceAll('&amp;', '&');
    hashes.add(`'sha256-${createHash('sha256').update(source).digest('base64')}'`);
  }
  return [...hashes];
}

export interface SecurityOptions {
  /** The web client's folder: its index.html's inline handlers are allowed by hash. */
  webRoot: string;
  /** The public base URL (media URLs point there); the page may connect to it over HTTP and WebSocket. */
  publicBase: () => string;
}

export async function registerSecurityHeaders(app: FastifyInstance, opts: SecurityOptions): Promise<void> {
  const indexPath = join(opts.webRoot, 'index.html');
  const handlers = existsSync(indexPath) ? inlineHandlerHashes(readFileSync(indexPath, 'utf8')) : [];
  const origin = () => new URL(opts.publicBase()).origin;
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        // blob: is the capture AudioWorklet (web/src/ws-call.ts); inline handlers only by hash.
        scriptSrc: ["'self'", 'blob:', ...(handlers.length > 0 ? ["'unsafe-hashes'", ...handlers] : [])],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        mediaSrc: ["'self'", 'blob:'],
        // 'self' covers same-origin WebSocket in current browsers; the public origin is named for the rest.
        connectSrc: ["'self'", () => origin(), () => origin().replace(/^http/, 'ws')],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    hsts: false,
    referrerPolicy: { policy: 'no-referrer' },
  });
}

/** Static files never served: source maps would hand out the client's sources. */
export function servableWebPath(path: string): boolean {
  return !path.endsWith('.map');
}
