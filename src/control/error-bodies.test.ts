/**
 * Finding 10 of issue 15, through a listening server: every error body is the documented
 * `{error: {code, message}}`, and bad WebSocket messages (bad UTF-8, oversized) get an error message
 * while the call goes on.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MAX_CONTROL_BYTES } from '../media/control-messages.js';
import { MAX_WS_PAYLOAD_BYTES } from '../media/websocket/socket-limits.js';
import { WELL_FORMED_OFFER } from '../testing/media/offers.js';
import { ScriptedRuntime } from '../testing/index.js';
import { TestServers } from '../testing/test-servers.js';
import type { ParleyServer } from './server.js';

const KEY = 'pk_error_bodies_test_key_0123456789';
const auth = { authorization: `Bearer ${KEY}` };
/** A small web client, so static-file errors can be checked. */
let web: string;

beforeAll(() => {
  web = mkdtempSync(join(tmpdir(), 'parley-errors-web-'));
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>Parley</title>');
  writeFileSync(join(web, 'style.css'), 'body { margin: 0 }');
});

afterAll(() => rmSync(web, { recursive: true, force: true }));

const servers = new TestServers(
  () => ({
    apiKeys: [KEY],
    webRoot: web,
    runtime: new ScriptedRuntime({ script: ['where is my order four two one nine'] }),
  }),
  'parley-errors-',
);

afterEach(() => servers.closeAll());

async function createSession(server: ParleyServer) {
  const res = await fetch(`${server.url}/v1/sessions`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: '{}',
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { sessionId: string; token: string; media: { websocket: string } };
}

/** Any documented error body: a snake_case code and a message. */
function expectErrorBody(body: unknown, code?: string): void {
  expect(body).toEqual({
    error: { code: code ?? expect.stringMatching(/^[a-z_]+$/), message: expect.any(String) },
  });
}

async function postOffer(
  server: ParleyServer,
  token: string,
  headers: Record<string, string>,
  body?: string,
) {
  const res = await fetch(`${server.url}/v1/media/webrtc`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, ...headers },
    ...(body !== undefined ? { body } : {}),
  });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
}

/** A raw HTTP request, so paths such as `/%` reach the server unparsed. */
function rawGet(server: ParleyServer, path: string): Promise<{ status: number; type: string; body: string }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

interface Call {
  socket: WebSocket;
  messages: Record<string, unknown>[];
  closed: Promise<number>;
}

function connect(url: string, protocols?: string[]): Promise<Call> {
  const socket = new WebSocket(url, protocols);
  const messages: Record<string, unknown>[] = [];
  socket.on('message', (data, isBinary) => {
    if (!isBinary) messages.push(JSON.parse(String(data)));
  });
  const closed = new Promise<number>((r) => socket.once('close', (code) => r(code)));
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket, messages, closed }));
    socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    socket.once('error', reject);
  });
}

async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The call answers a ping after the bad message, and its session is still active. */
async function expectCallGoesOn(server: ParleyServer, call: Call, sessionId: string, id: number) {
  call.socket.send(JSON.stringify({ type: 'ping', id }));
  await until(() => call.messages.some((m) => m.type === 'pong' && m.id === id));
  expect(call.socket.readyState).toBe(WebSocket.OPEN);
  const record = await (await fetch(`${server.url}/v1/sessions/${sessionId}`, { headers: auth })).json();
  expect(record.active).toBe(true);
}

describe('error bodies (finding 10)', () => {
  it('the WebRTC route answers a wrong content type, an oversized and a missing body with documented codes, not FST_ERR_* (finding 10)', async () => {
    const server = await servers.start();
    const { token } = await createSession(server);
    const plain = await postOffer(server, token, { 'content-type': 'text/plain' }, WELL_FORMED_OFFER);
    expect(plain.status).toBe(415);
    expectErrorBody(plain.body, 'unsupported_media_type');
    const json = await postOffer(server, token, { 'content-type': 'application/json' }, '');
    expect(json.status).toBe(415);
    expectErrorBody(json.body, 'unsupported_media_type');
    const other = await postOffer(server, token, { 'content-type': 'application/x-foo' }, 'abc');
    expect(other.status).toBe(415);
    expectErrorBody(other.body, 'unsupported_media_type');
    const large = await postOffer(server, token, { 'content-type': 'application/sdp' }, 'x'.repeat(70_000));
    expect(large.status).toBe(413);
    expectErrorBody(large.body, 'body_too_large');
    const missing = await postOffer(server, token, { 'content-type': 'application/sdp' });
    expect(missing.status).toBe(400);
    expectErrorBody(missing.body, 'invalid_sdp');
    const none = await postOffer(server, token, {});
    expect(none.status).toBe(400);
    expectErrorBody(none.body, 'invalid_sdp');
  });

  it('unknown routes keep a JSON 404 not_found while the web client still serves its files', async () => {
    const server = await servers.start();
    for (const path of ['/nope', '/v1/nope', '/app.js.map', '/v1/media/webrtc/abc']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      expectErrorBody(await res.json(), 'not_found');
    }
    const index = await fetch(`${server.url}/`);
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('<title>Parley</title>');
    const css = await fetch(`${server.url}/style.css`);
    expect(css.status).toBe(200);
    expect(await css.text()).toContain('margin');
  });

  it('a plain GET on a WebSocket route gets a JSON error body, never an empty 404 (finding 10)', async () => {
    const server = await servers.start();
    const { token } = await createSession(server);
    for (const path of [`/v1/media/ws?token=${encodeURIComponent(token)}`, '/v1/realtime']) {
      const res = await fetch(`${server.url}${path}`, { headers: auth });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      const text = await res.text();
      expect(text).not.toBe('');
      expectErrorBody(JSON.parse(text));
      expect(text).not.toContain(token);
    }
  });

  it('a malformed URL gets the documented body, not Fastify’s FST_ERR_BAD_URL (finding 10)', async () => {
    const server = await servers.start();
    const res = await rawGet(server, '/%');
    expect(res.status).toBe(400);
    expect(res.type).toMatch(/application\/json/);
    expectErrorBody(JSON.parse(res.body), 'invalid_url');
  });
});

describe('bad WebSocket messages never end the call (finding 10)', () => {
  it('invalid UTF-8 in a text frame gets an invalid_utf8 error and the call goes on (finding 10)', async () => {
    const server = await servers.start();
    const { sessionId, token, media } = await createSession(server);
    const call = await connect(`${media.websocket}?token=${encodeURIComponent(token)}`);
    await until(() => call.messages.some((m) => m.type === 'hello'));
    call.socket.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    await until(() => call.messages.some((m) => m.type === 'media_error'));
    expect(call.messages.find((m) => m.type === 'media_error')).toMatchObject({ code: 'invalid_utf8' });
    await expectCallGoesOn(server, call, sessionId, 1);
    call.socket.close();
  });

  it('a 1 MiB control frame gets message_too_large and the call goes on (finding 10)', async () => {
    const server = await servers.start();
    const { sessionId, token, media } = await createSession(server);
    const call = await connect(`${media.websocket}?token=${encodeURIComponent(token)}`);
    await until(() => call.messages.some((m) => m.type === 'hello'));
    call.socket.send(JSON.stringify({ type: 'ping', id: 0, pad: 'x'.repeat(1024 * 1024) }));
    await until(() => call.messages.some((m) => m.type === 'media_error'));
    expect(call.messages.find((m) => m.type === 'media_error')).toMatchObject({ code: 'message_too_large' });
    expect(String(call.messages.find((m) => m.type === 'media_error')?.message)).toContain(
      String(MAX_CONTROL_BYTES),
    );
    await expectCallGoesOn(server, call, sessionId, 2);
    call.socket.close();
  });

  it(`a message above the ${MAX_WS_PAYLOAD_BYTES}-byte WebSocket cap closes the socket with 1009 (finding 10)`, async () => {
    const server = await servers.start();
    const { token, media } = await createSession(server);
    const call = await connect(`${media.websocket}?token=${encodeURIComponent(token)}`);
    await until(() => call.messages.some((m) => m.type === 'hello'));
    call.socket.send(Buffer.alloc(MAX_WS_PAYLOAD_BYTES + 1));
    expect(await call.closed).toBe(1009);
  });

  it('invalid UTF-8 on the Realtime endpoint gets an error event and the connection goes on (finding 10)', async () => {
    const server = await servers.start();
    const url = `${server.url.replace('http', 'ws')}/v1/realtime`;
    const call = await connect(url, ['realtime', `openai-insecure-api-key.${KEY}`]);
    await until(() => call.messages.some((m) => m.type === 'session.created'));
    call.socket.send(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), { binary: false });
    await until(() => call.messages.some((m) => m.type === 'error'));
    expect(call.messages.find((m) => m.type === 'error')).toMatchObject({
      error: { code: 'invalid_json' },
    });
    call.socket.send(JSON.stringify({ type: 'session.update', session: {} }));
    await until(() => call.messages.some((m) => m.type === 'session.updated'));
    expect(call.socket.readyState).toBe(WebSocket.OPEN);
    call.socket.close();
  });
});
