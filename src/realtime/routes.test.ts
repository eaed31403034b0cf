import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ScriptedRuntime } from '../testing/index.js';
import { TestServers } from '../testing/test-servers.js';

const KEY = 'pk_realtime_routes_test_key_0123456789';
const servers = new TestServers(
  () => ({
    apiKeys: [KEY],
    maxActiveSessions: 4, // two per key
    runtime: new ScriptedRuntime({ script: [] }),
  }),
  'parley-rt-routes-',
);

afterEach(() => servers.closeAll());

function firstEvent(ws: WebSocket): Promise<{ type: string; error?: { code: string } }> {
  return new Promise((resolve, reject) => {
    ws.once('message', (data) => resolve(JSON.parse(String(data))));
    ws.once('error', reject);
  });
}

describe('GET /v1/realtime with an API key', () => {
  it('a plain GET or a failed handshake creates no session and holds no slot (finding 1, Realtime)', async () => {
    const server = await servers.start();
    const url = `${server.url}/v1/realtime?model=parley`;
    for (let i = 0; i < 4; i++) {
      const res = await fetch(url, { headers: { authorization: `Bearer ${KEY}` } });
      expect(res.status).toBe(426);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('upgrade_required');
    }
    // An upgrade the server cannot complete (no Sec-WebSocket-Key).
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(url, {
        headers: {
          authorization: `Bearer ${KEY}`,
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
        },
      });
      req.on('response', (res) => resolve(res.statusCode ?? 0));
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(400);
    expect(server.sessions.activeCount).toBe(0);

    // Both slots are still free: two clients connect and get their session.
    const clients = [0, 1].map(
      () => new WebSocket(url.replace(/^http/, 'ws'), { headers: { authorization: `Bearer ${KEY}` } }),
    );
    const events = await Promise.all(clients.map(firstEvent));
    expect(events.map((e) => e.type)).toEqual(['session.created', 'session.created']);
    expect(server.sessions.activeCount).toBe(2);

    // A third is over the key's cap: refused with the status, before any upgrade.
    const third = new WebSocket(url.replace(/^http/, 'ws'), { headers: { authorization: `Bearer ${KEY}` } });
    const refusal = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      third.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      third.once('open', () => reject(new Error('the upgrade was accepted over the cap')));
    });
    expect(refusal.status).toBe(429);
    expect(JSON.parse(refusal.body)).toMatchObject({ error: { code: 'too_many_sessions' } });
    for (const c of clients) c.close(1000);
  });
});
