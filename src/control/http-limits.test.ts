import websocket from '@fastify/websocket';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { fastifyTimeoutOptions, httpLimits } from './http-limits.js';

const apps: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

describe('HTTP limits', () => {
  it('reads PARLEY_* variables under options, and names a bad one', () => {
    expect(httpLimits({})).toMatchObject({ requestTimeoutMs: 30_000, maxConnections: 512 });
    expect(httpLimits({ PARLEY_MAX_CONNECTIONS: '50' }, { requestTimeoutMs: 2000 })).toMatchObject({
      maxConnections: 50,
      requestTimeoutMs: 2000,
      headersTimeoutMs: 2000,
    });
    expect(() => httpLimits({ PARLEY_REQUEST_TIMEOUT_MS: 'soon' })).toThrow(/PARLEY_REQUEST_TIMEOUT_MS/);
  });

  it('an idle WebSocket outlives the HTTP timeouts: they bound requests, not upgraded media sockets', async () => {
    const limits = httpLimits(
      {},
      { requestTimeoutMs: 300, headersTimeoutMs: 300, connectionTimeoutMs: 300, keepAliveTimeoutMs: 300 },
    );
    const app = Fastify({ logger: false, forceCloseConnections: true, ...fastifyTimeoutOptions(limits) });
    apps.push(app);
    await app.register(websocket);
    app.get('/ws', { websocket: true }, () => {});
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`);
    let closedAt: number | undefined;
    ws.on('close', () => {
      closedAt = Date.now();
    });
    await new Promise((r) => ws.once('open', r));
    // Several times every timeout, with no traffic at all.
    await new Promise((r) => setTimeout(r, 2000));
    expect(closedAt).toBeUndefined();
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });
});
