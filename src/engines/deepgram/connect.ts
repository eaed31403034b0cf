/**
 * Opens one live stream. A failed handshake is an HTTP status with a `dg-error` header
 * (https://developers.deepgram.com/docs/stt-troubleshooting-websocket-data-and-net-errors);
 * each known failure becomes an EngineError that says what to fix, and never shows the key.
 */
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { EngineError } from '../types.js';
import { type DeepgramOptions, redact, streamUrl } from './config.js';

/** Where the stream goes, as shown in messages: the endpoint without the query. */
export function endpointOf(opts: DeepgramOptions): string {
  const url = new URL(opts.url);
  return `${url.protocol}//${url.host}${url.pathname}`;
}

function handshakeError(opts: DeepgramOptions, res: IncomingMessage): EngineError {
  const status = res.statusCode ?? 0;
  const detailHeader = res.headers['dg-error'];
  const detail = redact(
    String(Array.isArray(detailHeader) ? detailHeader[0] : (detailHeader ?? '')),
    opts.apiKey,
  )
    .slice(0, 200)
    .trim();
  const said = detail ? `: ${detail}` : '';
  switch (status) {
    case 401:
      return new EngineError(
        'deepgram',
        `the server refused the API key (HTTP 401${said})`,
        'check DEEPGRAM_API_KEY (a key of your Deepgram project, sent as "Authorization: Token <key>")',
      );
    case 402:
      return new EngineError(
        'deepgram',
        `the project has no funds left (HTTP 402${said})`,
        "add credit to the key's Deepgram project",
      );
    case 403:
      return new EngineError(
        'deepgram',
        `the API key may not use this model or feature (HTTP 403${said})`,
        "check the key's permissions, or choose another model (deepgram:model=...)",
      );
    case 429:
      return new EngineError(
        'deepgram',
        `too many requests or concurrent streams for this key (HTTP 429${said})`,
        'lower the number of simultaneous calls, or raise the project’s concurrency limit',
      );
    case 400:
      return new EngineError(
        'deepgram',
        `the server refused the stream's settings (HTTP 400${said})`,
        'check the model and language parameters (deepgram:model=nova-3,language=en)',
      );
    default:
      return new EngineError(
        'deepgram',
        `the handshake with ${endpointOf(opts)} failed (HTTP ${status}${said})`,
        status >= 500 ? 'Deepgram is having trouble; try again later' : 'check PARLEY_DEEPGRAM_URL',
      );
  }
}

function networkError(opts: DeepgramOptions, err: Error & { code?: string }): EngineError {
  const where = endpointOf(opts);
  const reason = redact(err.code ?? err.message, opts.apiKey);
  return new EngineError(
    'deepgram',
    `cannot reach ${where} (${reason})`,
    'check the network, and PARLEY_DEEPGRAM_URL if you set it',
    { cause: err },
  );
}

/** Resolves with the open socket, or rejects with an EngineError (wrong key, rate limit, unreachable, timeout). */
export function openStream(opts: DeepgramOptions): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = opts.apiKey ? { Authorization: `Token ${opts.apiKey}` } : {};
    const ws = new WebSocket(streamUrl(opts), { headers, perMessageDeflate: false });
    let settled = false;
    const settle = (err: EngineError | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.removeAllListeners('unexpected-response');
      ws.removeAllListeners('open');
      if (err) {
        ws.removeAllListeners('error');
        // A late error from the abandoned socket must not become an unhandled 'error' event.
        ws.on('error', () => {});
        ws.terminate();
        reject(err);
      } else {
        ws.removeAllListeners('error');
        resolve(ws);
      }
    };
    const timer = setTimeout(
      () =>
        settle(
          new EngineError(
            'deepgram',
            `no answer from ${endpointOf(opts)} within ${opts.connectTimeoutMs} ms`,
            'check the network, and PARLEY_DEEPGRAM_URL if you set it',
          ),
        ),
      opts.connectTimeoutMs,
    );
    ws.once('open', () => settle(undefined));
    ws.once('unexpected-response', (_req, res) => {
      settle(handshakeError(opts, res));
      res.resume();
    });
    ws.once('error', (err: Error & { code?: string }) => settle(networkError(opts, err)));
  });
}
