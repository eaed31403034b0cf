import { request } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { RTCPeerConnection, useOPUS } from 'werift';
import WebSocket from 'ws';
import { SystemClock } from '../clock.js';
import { LoopbackSession } from './loopback-session.js';
import { MediaAuthError, registerMediaPlane } from './plane.js';
import { WELL_FORMED_OFFER } from '../testing/media/offers.js';

const clock = new SystemClock();
let app: FastifyInstance | undefined;

async function startPlane(opts: { resumeGraceMs?: number } = {}) {
  const sessions = new Map<string, LoopbackSession>();
  /** Tokens spent, as the control plane spends them: once, when media connects. */
  const authorized: (string | undefined)[] = [];
  app = Fastify();
  await registerMediaPlane(app, {
    clock,
    ...(opts.resumeGraceMs !== undefined ? { resumeGraceMs: opts.resumeGraceMs } : {}),
    checkToken: async (token) => {
      if (!token) throw new MediaAuthError('missing session token', 401, 'missing_token');
      if (token === 'expired') throw new MediaAuthError('session token expired', 401, 'token_expired');
      const session = sessions.get(token);
      if (!session) throw new MediaAuthError('unknown session token', 401, 'invalid_token');
      const used = () => {
        if (authorized.includes(token)) throw new MediaAuthError('token used', 409, 'token_used');
      };
      used();
      return {
        session,
        spend: () => {
          used();
          authorized.push(token);
        },
      };
    },
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const add = (token: string, echo = true) => {
    const s = new LoopbackSession(`s-${token}`, clock, echo);
    sessions.set(token, s);
    return s;
  };
  return { url, wsUrl: url.replace('http', 'ws'), add, authorized };
}

afterEach(async () => {
  await app?.close();
  app = undefined;
});

interface WsClient {
  ws: WebSocket;
  json: Record<string, unknown>[];
  binary: Buffer[];
  closed: Promise<number>;
}

async function connectWs(url: string): Promise<WsClient> {
  const ws = new WebSocket(url);
  const client: WsClient = {
    ws,
    json: [],
    binary: [],
    closed: new Promise((r) => ws.on('close', (code) => r(code))),
  };
  ws.on('message', (data, isBinary) => {
    if (isBinary) client.binary.push(data as Buffer);
    else client.json.push(JSON.parse(String(data)));
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return client;
}

async function until(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function pcmFrame(value: number, samples = 320): Buffer {
  const buf = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) buf.writeInt16LE(value, i * 2);
  return buf;
}

describe('POST /v1/media/webrtc errors', () => {
  it('refuses a missing or expired token with 401 and a clear error body', async () => {
    const { url } = await startPlane();
    const missing = await fetch(`${url}/v1/media/webrtc`, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp' },
      body: WELL_FORMED_OFFER,
    });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({
      error: { code: 'missing_token', message: 'missing session token' },
    });
    const expired = await fetch(`${url}/v1/media/webrtc`, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp', authorization: 'Bearer expired' },
      body: WELL_FORMED_OFFER,
    });
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as { error: { code: string } }).error.code).toBe('token_expired');
  });

  it('regression: a malformed offer is refused with 400 before the single-use token is spent', async () => {
    const { url, wsUrl, add, authorized } = await startPlane();
    const session = add('t1');
    const res = await fetch(`${url}/v1/media/webrtc`, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp', authorization: 'Bearer t1' },
      body: 'this is not sdp at all',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('invalid_sdp');
    expect(body.error.message).toMatch(/SDP/);
    // The token was never presented, the session lives on, and the caller can still connect with it.
    expect(authorized).toEqual([]);
    expect(session.closeReason).toBeUndefined();
    const client = await connectWs(`${wsUrl}/v1/media/ws?token=t1`);
    await until(() => client.json.some((m) => m.type === 'hello'));
    expect(session.state).not.toBe('ended');
    client.ws.close();
  });

  it('refuses an offer without Opus with unsupported_codec', async () => {
    const { url, add } = await startPlane();
    add('t1');
    const sdp = [
      'v=0',
      'o=- 1 2 IN IP4 127.0.0.1',
      's=-',
      't=0 0',
      'm=audio 9 UDP/TLS/RTP/SAVPF 0',
      'c=IN IP4 0.0.0.0',
      'a=ice-ufrag:abcd',
      'a=ice-pwd:abcdefghijklmnopqrstuvwx',
      'a=fingerprint:sha-256 00:11',
      'a=rtpmap:0 PCMU/8000',
      '',
    ].join('\r\n');
    const res = await fetch(`${url}/v1/media/webrtc`, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp', authorization: 'Bearer t1' },
      body: sdp,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unsupported_codec');
  });
});

describe('GET /v1/media/ws', () => {
  it('refuses the upgrade for an expired token with 401', async () => {
    const { wsUrl } = await startPlane();
    const ws = new WebSocket(`${wsUrl}/v1/media/ws?token=expired`);
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
    });
    expect(status).toBe(401);
  });

  it('carries PCM both ways with continuous media time, and events as JSON', async () => {
    const { wsUrl, add } = await startPlane();
    const session = add('t1');
    const client = await connectWs(`${wsUrl}/v1/media/ws?token=t1`);
    await until(() => client.json.some((m) => m.type === 'hello'));
    expect(session.startCount).toBe(1);
    for (let i = 0; i < 5; i++) client.ws.send(pcmFrame(1000 + i));
    // 30 ms chunks are re-framed into 20 ms frames.
    client.ws.send(pcmFrame(7, 480));
    client.ws.send(pcmFrame(7, 160));
    await until(() => session.callerFrames.length === 7);
    const starts = session.callerFrames.map((f) => f.startMs);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBe(20);
    expect(session.callerFrames.every((f) => f.samples.length === 320)).toBe(true);
    // Echoed back as paced 640-byte frames.
    await until(() => client.binary.length === 7);
    expect(client.binary.every((b) => b.length === 640)).toBe(true);
    expect(client.binary[0]?.readInt16LE(0)).toBe(1000);
    session.emit({ type: 'transcript_partial', turnId: 1, text: 'hello', stableText: '', atMs: 5 });
    await until(() => client.json.some((m) => m.type === 'transcript_partial'));
    client.ws.close();
  });

  it('answers odd-length, oversized and malformed messages with an error and keeps the call', async () => {
    const { wsUrl, add } = await startPlane();
    const session = add('t1');
    const client = await connectWs(`${wsUrl}/v1/media/ws?token=t1`);
    client.ws.send(Buffer.alloc(641));
    client.ws.send(Buffer.alloc(70_000));
    client.ws.send('{not json');
    client.ws.send(JSON.stringify({ type: 'heard', turnId: 'x' }));
    await until(() => client.json.filter((m) => m.type === 'media_error').length === 4);
    expect(client.json.filter((m) => m.type === 'media_error').map((m) => m.code)).toEqual([
      'audio_odd_length',
      'audio_too_large',
      'malformed_json',
      'invalid_message',
    ]);
    client.ws.send(JSON.stringify({ type: 'heard', turnId: 2, atMs: 1234 }));
    client.ws.send(JSON.stringify({ type: 'latency', ms: 250 }));
    client.ws.send(pcmFrame(5));
    await until(() => session.callerFrames.length === 1 && session.heardReports.length === 1);
    expect(session.heardReports).toEqual([{ turnId: 2, atMs: 1234 }]);
    await until(() => session.outputLatencyMs >= 250);
    expect(session.state).not.toBe('ended');
    client.ws.close();
  });

  it('closing the socket closes the session; a second session is unaffected', async () => {
    const { wsUrl, add } = await startPlane();
    const a = add('a');
    const b = add('b');
    const ca = await connectWs(`${wsUrl}/v1/media/ws?token=a`);
    const cb = await connectWs(`${wsUrl}/v1/media/ws?token=b`);
    ca.ws.close();
    await until(() => a.state === 'ended');
    expect(a.closeReason).toBe('disconnected');
    cb.ws.send(pcmFrame(3));
    await until(() => cb.binary.length === 1);
    expect(b.state).not.toBe('ended');
    cb.ws.close();
  });

  it('refuses a second media connection for the same session with 409', async () => {
    const { wsUrl, add } = await startPlane();
    add('a');
    const first = await connectWs(`${wsUrl}/v1/media/ws?token=a`);
    const ws = new WebSocket(`${wsUrl}/v1/media/ws?token=a`);
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
    });
    expect(status).toBe(409);
    first.ws.close();
  });

  it('a hangup message ends the session and closes the socket', async () => {
    const { wsUrl, add } = await startPlane();
    const s = add('a');
    const client = await connectWs(`${wsUrl}/v1/media/ws?token=a`);
    client.ws.send(JSON.stringify({ type: 'hangup' }));
    expect(await client.closed).toBe(1000);
    expect(s.closeReason).toBe('hangup');
    expect(client.json.some((m) => m.type === 'ended')).toBe(true);
  });
});

/** Status of a WebSocket handshake that does not open. */
function refusedStatus(url: string): Promise<number> {
  const ws = new WebSocket(url);
  return new Promise<number>((resolve) => {
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('error', () => resolve(0));
  });
}

const helloToken = (client: WsClient): string => {
  const hello = client.json.find((m) => m.type === 'hello');
  if (typeof hello?.resumeToken !== 'string') throw new Error('no resume token in hello');
  return hello.resumeToken;
};

describe('finding 1: checking a media token does not spend it', () => {
  it('a plain GET on /v1/media/ws answers 426 upgrade_required and does not spend the token (finding 1)', async () => {
    const { url, wsUrl, add, authorized } = await startPlane();
    const session = add('t1');
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${url}/v1/media/ws?token=t1`);
      expect(res.status).toBe(426);
      expect(await res.json()).toEqual({ error: { code: 'upgrade_required', message: expect.any(String) } });
    }
    expect(authorized).toEqual([]);
    const client = await connectWs(`${wsUrl}/v1/media/ws?token=t1`);
    await until(() => client.json.some((m) => m.type === 'hello'));
    expect(session.startCount).toBe(1);
    client.ws.close();
  });

  it('a failed WebSocket handshake does not spend the token (finding 1)', async () => {
    const { url, wsUrl, add, authorized } = await startPlane();
    add('t1');
    // An upgrade the ws library refuses after our check: no Sec-WebSocket-Key.
    const res = await new Promise<number>((resolve, reject) => {
      const req = request(`${url}/v1/media/ws?token=t1`, {
        headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13' },
      });
      req.on('response', (r) => resolve(r.statusCode ?? 0));
      req.on('error', reject);
      req.end();
    });
    expect(res).toBe(400);
    expect(authorized).toEqual([]);
    const client = await connectWs(`${wsUrl}/v1/media/ws?token=t1`);
    await until(() => client.json.some((m) => m.type === 'hello'));
    expect(authorized).toEqual(['t1']);
    client.ws.close();
  });
});

describe('resume after a dropped connection', () => {
  it('a cut WebSocket resumes the same session with the resume token; the used token is refused 409', async () => {
    const { wsUrl, add } = await startPlane({ resumeGraceMs: 20_000 });
    const session = add('t1');
    const first = await connectWs(`${wsUrl}/v1/media/ws?token=t1`);
    await until(() => first.json.some((m) => m.type === 'hello'));
    const resume1 = helloToken(first);
    first.ws.send(pcmFrame(11));
    await until(() => session.callerFrames.length === 1);
    // Cut without a close frame (the server sees 1006), as a network loss would.
    first.ws.terminate();
    await first.closed;
    await sleep(200);
    expect(session.state).not.toBe('ended');

    const second = await connectWs(`${wsUrl}/v1/media/ws?resume=${resume1}`);
    await until(() => second.json.some((m) => m.type === 'hello'));
    expect(second.json.find((m) => m.type === 'hello')).toMatchObject({ sessionId: session.id });
    const resume2 = helloToken(second);
    expect(resume2).not.toBe(resume1);
    second.ws.send(pcmFrame(12));
    await until(() => session.callerFrames.length === 2);
    await until(() => second.binary.length === 1);
    expect(session.startCount).toBe(1);

    expect(await refusedStatus(`${wsUrl}/v1/media/ws?resume=${resume1}`)).toBe(409);
    // The session token was spent by the first connection.
    expect(await refusedStatus(`${wsUrl}/v1/media/ws?token=t1`)).toBe(409);
    expect(session.state).not.toBe('ended');
    second.ws.close(1000);
    await until(() => session.state === 'ended');
    expect(session.closeReason).toBe('disconnected');
  });

  it('a session nobody resumes ends `disconnected` when the grace period runs out', async () => {
    const { wsUrl, add } = await startPlane({ resumeGraceMs: 400 });
    const session = add('t1');
    const client = await connectWs(`${wsUrl}/v1/media/ws?token=t1`);
    await until(() => client.json.some((m) => m.type === 'hello'));
    const resume = helloToken(client);
    client.ws.terminate();
    await client.closed;
    await until(() => session.state === 'ended', 10_000);
    expect(session.closeReason).toBe('disconnected');
    expect(await refusedStatus(`${wsUrl}/v1/media/ws?resume=${resume}`)).toBe(401);
  });

  it('a client close (1000) ends the session at once, without waiting for a resume', async () => {
    const { wsUrl, add } = await startPlane({ resumeGraceMs: 60_000 });
    const session = add('t1');
    const client = await connectWs(`${wsUrl}/v1/media/ws?token=t1`);
    await until(() => client.json.some((m) => m.type === 'hello'));
    client.ws.close(1000, 'bye');
    await until(() => session.state === 'ended');
    expect(session.closeReason).toBe('disconnected');
  });
});

describe('the WebRTC resource (finding 10: Location)', () => {
  const peers: RTCPeerConnection[] = [];
  afterEach(async () => {
    await Promise.allSettled(peers.splice(0).map((pc) => pc.close()));
  });
  /** A real offer (werift), so the server's answer succeeds; ICE need not connect for these checks. */
  const post = async (url: string, token: string) => {
    const pc = new RTCPeerConnection({ codecs: { audio: [useOPUS()], video: [] }, iceUseIpv6: false });
    peers.push(pc);
    pc.addTransceiver('audio', { direction: 'sendrecv' });
    pc.createDataChannel('events');
    await pc.setLocalDescription(await pc.createOffer());
    return fetch(`${url}/v1/media/webrtc`, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp', authorization: `Bearer ${token}` },
      body: pc.localDescription?.sdp ?? '',
    });
  };

  it('Location names a resource that DELETE hangs up; a resume token attaches a new peer to the same session once', async () => {
    const { url, add } = await startPlane({ resumeGraceMs: 20_000 });
    const session = add('t1');
    const answer = await post(url, 't1');
    expect(answer.status).toBe(201);
    await answer.text();
    const location = answer.headers.get('location');
    expect(location).toBe(`/v1/media/webrtc/${session.id}`);
    const resume1 = answer.headers.get('parley-resume-token') ?? '';
    expect(resume1).toMatch(/^pr_/);

    // A new peer connection with the resume token joins the same session (the old one is dropped).
    const again = await post(url, resume1);
    expect(again.status).toBe(201);
    await again.text();
    expect(again.headers.get('location')).toBe(location);
    const resume2 = again.headers.get('parley-resume-token') ?? '';
    expect(resume2).not.toBe(resume1);
    const replay = await post(url, resume1);
    expect(replay.status).toBe(409);
    expect(((await replay.json()) as { error: { code: string } }).error.code).toBe('token_used');
    expect(session.state).not.toBe('ended');

    const wrong = await fetch(`${url}${location}`, {
      method: 'DELETE',
      headers: { authorization: 'Bearer pr_not-this-one' },
    });
    expect(wrong.status).toBe(401);
    expect(session.state).not.toBe('ended');
    const hangUp = await fetch(`${url}${location}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${resume2}` },
    });
    expect(hangUp.status).toBe(204);
    expect(session.closeReason).toBe('hangup');
    const gone = await fetch(`${url}${location}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${resume2}` },
    });
    expect(gone.status).toBe(404);
    expect(((await gone.json()) as { error: { code: string } }).error.code).toBe('session_not_found');
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
