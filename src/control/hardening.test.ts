/**
 * Control-plane hardening (issue 15): per-key session caps, secrets kept out of logs, media URLs
 * never taken from the Host header, HTTP timeouts and a connection cap, security headers, no
 * source maps, minimum key length and throttled key guessing.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { DrivenRuntime } from '../testing/index.js';
import { TestServers } from '../testing/test-servers.js';
import { createServer, type ParleyServer, type ServerOptions } from './server.js';

const KEY_A = 'pk_hardening_key_alpha_0123456789';
const KEY_B = 'pk_hardening_key_bravo_0123456789';
const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Harness {
  server: ParleyServer;
  logs: string[];
  /** Moves the server's wall clock forward (throttle windows, token expiry). */
  skew: { ms: number };
}

const servers = new TestServers(
  // greeting: the server default, as these tests always had.
  () => ({ apiKeys: [KEY_A, KEY_B], runtime: new DrivenRuntime(), tokenSecret: SECRET, greeting: true }),
  'parley-hardening-',
);
const sockets: Socket[] = [];

async function start(opts: Partial<ServerOptions> = {}, logLevel?: string): Promise<Harness> {
  const logs: string[] = [];
  const skew = { ms: 0 };
  const server = await servers.start({
    logger: logLevel ? { level: logLevel, stream: { write: (line: string) => logs.push(line) } } : false,
    wallNow: () => Date.now() + skew.ms,
    ...opts,
  });
  return { server, logs, skew };
}

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await servers.closeAll();
});

const auth = (key: string) => ({ authorization: `Bearer ${key}` });

async function create(h: Harness, key = KEY_A, headers: Record<string, string> = {}) {
  const res = await h.server.app.inject({
    method: 'POST',
    url: '/v1/sessions',
    headers: { ...auth(key), ...headers },
    payload: {},
  });
  return { status: res.statusCode, headers: res.headers, body: res.json() };
}

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function rawSocket(h: Harness): Promise<{ socket: Socket; data: () => string; closed: () => boolean }> {
  const port = new URL(h.server.url).port;
  return new Promise((resolve, reject) => {
    let data = '';
    let closed = false;
    const socket = connect(Number(port), '127.0.0.1', () =>
      resolve({ socket, data: () => data, closed: () => closed }),
    );
    sockets.push(socket);
    socket.on('data', (d) => {
      data += String(d);
    });
    socket.on('close', () => {
      closed = true;
    });
    socket.on('error', () => {});
    socket.once('error', reject);
  });
}

describe('per-key session caps (finding 2)', () => {
  it('one API key cannot hold every slot: past its cap it gets 429 too_many_sessions while another key still gets sessions', async () => {
    const h = await start({ maxActiveSessions: 3, maxSessionsPerKey: 2 });
    expect((await create(h, KEY_A)).status).toBe(201);
    expect((await create(h, KEY_A)).status).toBe(201);
    const third = await create(h, KEY_A);
    expect(third.status).toBe(429);
    expect(third.body.error).toMatchObject({ code: 'too_many_sessions' });
    expect((await create(h, KEY_B)).status).toBe(201);
    // The server is now full: the other key is told so with 503.
    const full = await create(h, KEY_B);
    expect(full.status).toBe(503);
    expect(full.body.error).toMatchObject({ code: 'at_capacity' });
  });

  it('sessions still being created count against the per-key cap (finding 2)', async () => {
    const h = await start({ maxActiveSessions: 16, maxSessionsPerKey: 2 });
    const results = await Promise.all(Array.from({ length: 6 }, () => create(h, KEY_A)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(2);
    expect(results.filter((r) => r.status === 429)).toHaveLength(4);
  });

  it('a key under its cap again can create sessions after hanging one up (finding 2)', async () => {
    const h = await start({ maxSessionsPerKey: 1 });
    const first = await create(h, KEY_A);
    expect((await create(h, KEY_A)).status).toBe(429);
    await h.server.app.inject({
      method: 'DELETE',
      url: `/v1/sessions/${first.body.sessionId}`,
      headers: auth(KEY_A),
    });
    expect((await create(h, KEY_A)).status).toBe(201);
  });

  it('PARLEY_MAX_SESSIONS and PARLEY_MAX_SESSIONS_PER_KEY set the caps; the per-key default is half the server cap (finding 2)', async () => {
    const { sessionCaps } = await import('./limits.js');
    expect(sessionCaps({})).toEqual({ maxActiveSessions: 16, maxSessionsPerKey: 8 });
    expect(sessionCaps({ PARLEY_MAX_SESSIONS: '5' })).toEqual({ maxActiveSessions: 5, maxSessionsPerKey: 3 });
    expect(sessionCaps({ PARLEY_MAX_SESSIONS: '40', PARLEY_MAX_SESSIONS_PER_KEY: '40' })).toEqual({
      maxActiveSessions: 40,
      maxSessionsPerKey: 40,
    });
    expect(() => sessionCaps({ PARLEY_MAX_SESSIONS_PER_KEY: 'lots' })).toThrow(/PARLEY_MAX_SESSIONS_PER_KEY/);
  });
});

describe('secrets in logs (finding 6)', () => {
  it('a WebSocket connect does not put the media token in the logs (finding 6)', async () => {
    const h = await start({}, 'info');
    const { body } = await create(h);
    const token = body.token as string;
    const ws = new WebSocket(`${h.server.url.replace('http', 'ws')}/v1/media/ws?token=${token}`);
    ws.on('error', () => {});
    await until('the socket to open', () => ws.readyState === WebSocket.OPEN);
    await until('the request to be logged', () => h.logs.some((l) => l.includes('/v1/media/ws')));
    ws.close();
    const logged = h.logs.join('\n');
    expect(logged).toContain('/v1/media/ws?token=[redacted]');
    expect(logged).not.toContain(token);
    // Signatures and payloads alone are secrets too.
    for (const part of token.split('.')) expect(logged).not.toContain(part);
    expect(logged).not.toContain(KEY_A);
  });

  it('redacts resume tokens, keys and client secrets in URLs, leaving other parameters (finding 6)', async () => {
    const { redactUrl } = await import('./log-redaction.js');
    expect(redactUrl('/v1/media/ws?token=abc.def&resume=r123&model=parley')).toBe(
      '/v1/media/ws?token=[redacted]&resume=[redacted]&model=parley',
    );
    expect(redactUrl('/v1/realtime?api_key=k&resumeToken=x')).toBe(
      '/v1/realtime?api_key=[redacted]&resumeToken=[redacted]',
    );
    expect(redactUrl('/v1/sessions?active=true')).toBe('/v1/sessions?active=true');
  });
});

describe('media URLs (finding 8)', () => {
  it('a request with Host: evil.example gets media URLs on the listening address (finding 8)', async () => {
    const h = await start();
    const { body } = await create(h, KEY_A, { host: 'evil.example' });
    const listening = new URL(h.server.url);
    expect(body.media).toEqual({
      webrtc: `http://${listening.host}/v1/media/webrtc`,
      websocket: `ws://${listening.host}/v1/media/ws`,
    });
    expect(JSON.stringify(body)).not.toContain('evil.example');
  });

  it('a configured public URL is used for the media URLs, whatever the Host header says (finding 8)', async () => {
    const h = await start({ publicUrl: 'https://parley.example.com/' });
    const { body } = await create(h, KEY_A, { host: 'evil.example', 'x-forwarded-host': 'evil.example' });
    expect(body.media).toEqual({
      webrtc: 'https://parley.example.com/v1/media/webrtc',
      websocket: 'wss://parley.example.com/v1/media/ws',
    });
  });

  it('refuses a malformed PARLEY_PUBLIC_URL at startup, naming it', async () => {
    const { parsePublicUrl } = await import('./public-url.js');
    expect(() => parsePublicUrl('parley.example.com', 'PARLEY_PUBLIC_URL')).toThrow(/PARLEY_PUBLIC_URL/);
    expect(() => parsePublicUrl('ftp://x', 'PARLEY_PUBLIC_URL')).toThrow(/PARLEY_PUBLIC_URL/);
  });
});

describe('HTTP timeouts and connection cap (finding 9)', () => {
  it('a half-sent request is answered 408 and closed after the request timeout (finding 9)', async () => {
    const h = await start({ http: { requestTimeoutMs: 1000, headersTimeoutMs: 1000 } });
    const body = await rawSocket(h);
    body.socket.write(
      `POST /v1/sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY_A}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`,
    );
    const headers = await rawSocket(h);
    headers.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    // Node's default would keep both open for five minutes.
    await until('the half-sent body to be closed', body.closed, 30_000);
    await until('the half-sent headers to be closed', headers.closed, 30_000);
    expect(body.data()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('connections beyond maxConnections are refused (finding 9)', async () => {
    const h = await start({ http: { maxConnections: 2 } });
    const server = h.server.app.server;
    const count = () => new Promise<number>((r) => server.getConnections((_e, n) => r(n)));
    const a = await rawSocket(h);
    const b = await rawSocket(h);
    await until('two connections', async () => (await count()) === 2);
    const c = await rawSocket(h);
    c.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await until('the third connection to be closed', c.closed);
    expect(c.data()).toBe('');
    // The first two still work.
    a.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await until('an answer on an accepted connection', () => a.data().includes('\r\n\r\n'));
    expect(a.data()).toMatch(/^HTTP\/1\.1 200/);
    expect(b.closed()).toBe(false);
  });
});

describe('web client headers and source maps (finding 11)', () => {
  it('serves the web client with a CSP, nosniff and no framing, and allows its inline handler by hash (finding 11)', async () => {
    const web = mkdtempSync(join(tmpdir(), 'parley-web-'));
    onTestFinished(() => rmSync(web, { recursive: true, force: true }));
    writeFileSync(
      join(web, 'index.html'),
      '<!doctype html><form onsubmit="return false"></form><script type="module" src="app.js"></script>',
    );
    writeFileSync(join(web, 'app.js'), 'console.log(1)');
    const hw = await start({ webRoot: web });
    const page = await hw.server.app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).toMatch(/script-src 'self' blob:/);
    expect(csp).not.toContain("'unsafe-inline'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    const hash = createHash('sha256').update('return false').digest('base64');
    expect(csp).toContain(`'sha256-${hash}'`);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['x-frame-options']).toBe('DENY');
    // API answers carry the headers too.
    const api = await hw.server.app.inject({ url: '/v1/agents', headers: auth(KEY_A) });
    expect(api.headers['x-content-type-options']).toBe('nosniff');
  });

  it('does not serve source maps (finding 11)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-web-'));
    try {
      writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Parley</title>');
      writeFileSync(join(dir, 'app.js'), 'console.log(1)\n//# sourceMappingURL=app.js.map');
      writeFileSync(join(dir, 'app.js.map'), '{"version":3,"sources":["app.ts"]}');
      const h = await start({ webRoot: dir });
      expect((await h.server.app.inject({ url: '/app.js' })).statusCode).toBe(200);
      const map = await h.server.app.inject({ url: '/app.js.map' });
      expect(map.statusCode).toBe(404);
      expect(map.body).not.toContain('sources');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the production web build writes no source map (finding 11)', () => {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-web.mjs')], { stdio: 'ignore' });
    const dist = join(ROOT, 'web', 'dist');
    expect(existsSync(join(dist, 'app.js.map'))).toBe(false);
    expect(readFileSync(join(dist, 'app.js'), 'utf8')).not.toContain('sourceMappingURL');
  });
});

describe('API keys (finding 11)', () => {
  it('a 2-character API key is refused at startup with an error naming PARLEY_API_KEYS (finding 11)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-hardening-'));
    try {
      const attempt = createServer({
        dataDir: dir,
        apiKeys: [KEY_A, 'zq'],
        port: 0,
        runtime: new DrivenRuntime(),
        logger: false,
      });
      await expect(attempt).rejects.toThrow(/PARLEY_API_KEYS: key 2 of 2 has 2 characters.*at least 16/);
      await attempt.catch((err: Error) => expect(err.message).not.toContain('zq'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('wrong-key guesses are throttled per address: 429 with Retry-After, even for the right key, until the window ends (finding 11)', async () => {
    const h = await start({ authThrottle: { maxFailures: 3, windowMs: 60_000 } });
    const from = (ip: string, key: string) =>
      h.server.app.inject({ url: '/v1/agents', headers: auth(key), remoteAddress: ip });
    // Successes never count.
    for (let i = 0; i < 5; i++) expect((await from('10.0.0.1', KEY_A)).statusCode).toBe(200);
    for (let i = 0; i < 3; i++)
      expect((await from('10.0.0.1', `pk_guess_${i}_0123456789abcdef`)).statusCode).toBe(401);
    const throttled = await from('10.0.0.1', 'pk_guess_3_0123456789abcdef');
    expect(throttled.statusCode).toBe(429);
    expect(throttled.json().error.code).toBe('too_many_failed_auth');
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    // A throttled address cannot learn that a guess was right.
    expect((await from('10.0.0.1', KEY_A)).statusCode).toBe(429);
    // Other addresses are not affected.
    expect((await from('10.0.0.2', KEY_A)).statusCode).toBe(200);
    // The Realtime endpoint shares the throttle.
    const secrets = await h.server.app.inject({
      method: 'POST',
      url: '/v1/realtime/client_secrets',
      headers: auth(KEY_A),
      payload: {},
      remoteAddress: '10.0.0.1',
    });
    expect(secrets.statusCode).toBe(429);
    h.skew.ms += 61_000;
    expect((await from('10.0.0.1', KEY_A)).statusCode).toBe(200);
  });
});
