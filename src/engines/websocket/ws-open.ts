/**
 * Opening a provider's WebSocket with the key in a header, turning every way the handshake can
 * fail (refused key, rate limit, unreachable host, timeout, abort) into an EngineError that
 * names the setting to fix and never carries the key. Shared by the ElevenLabs and Cartesia
 * adapters (both speak JSON over one socket).
 */
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { EngineError } from '../types.js';

export interface WsOpenOptions {
  /** Engine name for errors ('elevenlabs'). */
  engine: string;
  url: string;
  headers: Record<string, string>;
  /** The secret to scrub from anything quoted back from the server. */
  secret?: string;
  /** Environment variable holding the key, named in the fix of a refused key. */
  keyVariable: string;
  /** Environment variable holding the URL, named in the fix of an unreachable server. */
  urlVariable: string;
  /** Handshake deadline. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** `text` with every occurrence of `secret` replaced, cut to a readable length. */
export function scrub(text: string, secret: string | undefined, max = 200): string {
  const clean = secret ? text.split(secret).join('[key]') : text;
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** Where the URL points, without path or query (for messages). */
function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the configured URL';
  }
}

function readBody(res: IncomingMessage, limit = 2000): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      if (body.length < limit) body += chunk;
    });
    res.on('end', () => resolve(body));
    res.on('error', () => resolve(body));
  });
}

/** The HTTP status a server answered the upgrade with, as the EngineError a user can act on. */
export function handshakeError(opts: WsOpenOptions, status: number, body: string): EngineError {
  const detail = body.trim() ? `: ${scrub(body.trim(), opts.secret)}` : '';
  if (status === 401 || status === 403) {
    return new EngineError(
      opts.engine,
      `the API key was refused (HTTP ${status}${detail})`,
      `check ${opts.keyVariable}`,
    );
  }
  if (status === 429) {
    return new EngineError(
      opts.engine,
      `too many requests or concurrent streams (HTTP 429${detail})`,
      "wait and try again, or raise the plan's concurrency limit",
    );
  }
  return new EngineError(
    opts.engine,
    `the server refused the connection (HTTP ${status}${detail})`,
    `check ${opts.urlVariable}`,
  );
}

/** An open socket, or an EngineError; an abort rejects with the signal's reason. */
export function openWebSocket(opts: WsOpenOptions): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(opts.signal.reason);
      return;
    }
    const ws = new WebSocket(opts.url, { headers: opts.headers, handshakeTimeout: opts.timeoutMs });
    let settled = false;
    const settle = (error: unknown, socket?: WebSocket) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      if (socket) resolve(socket);
      else reject(error);
    };
    const onAbort = () => {
      ws.terminate();
      settle(opts.signal?.reason);
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    ws.once('open', () => settle(undefined, ws));
    ws.once('unexpected-response', (_req, res) => {
      void readBody(res).then((body) => {
        settle(handshakeError(opts, res.statusCode ?? 0, body));
        ws.terminate();
      });
    });
    ws.on('error', (err) => {
      settle(
        new EngineError(
          opts.engine,
          `cannot reach ${origin(opts.url)} (${scrub(err.message, opts.secret)})`,
          `check ${opts.urlVariable} and the network`,
          { cause: err },
        ),
      );
    });
  });
}
