import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { concat, silence, sine, splitFrames } from '../audio/signals.js';
import { encodeAudioMessage } from '../media/websocket/audio-message.js';
import { GOODBYE_LINE } from './budget.js';
import type { ParleyServer } from './server.js';
import { DrivenRuntime, ScriptedRuntime } from '../testing/index.js';
import { TestServers } from '../testing/test-servers.js';

const KEY = 'pk_live_server_test_key_0123456789';
const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const servers = new TestServers(
  () => ({
    apiKeys: [KEY],
    runtime: new ScriptedRuntime({ script: ['where is my order four two one nine', 'thanks'] }),
  }),
  'parley-live-',
);

afterEach(() => servers.closeAll());

async function post(server: ParleyServer, body: object = {}) {
  const res = await fetch(`${server.url}/v1/sessions`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function connect(
  url: string,
): Promise<{ socket: WebSocket; events: { type: string; reason?: string }[]; closed: Promise<void> }> {
  const socket = new WebSocket(url);
  const events: { type: string; reason?: string }[] = [];
  socket.on('message', (data, isBinary) => {
    if (!isBinary) events.push(JSON.parse(data.toString()));
  });
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket, events, closed }));
    socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    socket.once('error', reject);
  });
}

async function speak(socket: WebSocket, speechMs: number, silenceMs: number): Promise<void> {
  for (const frame of splitFrames(
    concat(sine(300, speechMs, 16_000, 0.3), silence(silenceMs, 16_000)),
    16_000,
  )) {
    if (socket.readyState !== WebSocket.OPEN) return;
    socket.send(encodeAudioMessage(frame.samples));
    await sleep(20);
  }
}

describe('a listening server on loopback', () => {
  it('serves health, refuses a second connection with the same token, and ends a call at its turn budget', async () => {
    const server = await servers.start({ budgetGraceMs: 200 });
    const health = await fetch(`${server.url}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok', activeSessions: 0 });

    const created = await post(server, { budget: { maxTurns: 1 } });
    expect(created.status).toBe(201);
    const { sessionId, token, media } = created.body as {
      sessionId: string;
      token: string;
      media: { websocket: string };
    };
    const wsUrl = `${media.websocket}?token=${encodeURIComponent(token)}`;
    const call = await connect(wsUrl);
    await expect(connect(wsUrl)).rejects.toThrow('HTTP 409');

    await speak(call.socket, 800, 1000);
    await Promise.race([call.closed, sleep(15_000)]);
    expect(call.events.at(-1)).toMatchObject({ type: 'ended', reason: 'budget' });

    const transcript = await (
      await fetch(`${server.url}/v1/sessions/${sessionId}/transcript`, { headers })
    ).json();
    expect(transcript).toMatchObject({ active: false, endReason: 'budget' });
    expect(transcript.turns).toHaveLength(1);
    expect(transcript.turns[0].agentText).toContain(GOODBYE_LINE);
    expect(transcript.turns[0].heardText).toContain(GOODBYE_LINE);

    // Replay after hang-up.
    await expect(connect(wsUrl)).rejects.toThrow('HTTP 410');

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/parley_turns_total 1/);
    expect(metrics).toMatch(/parley_sessions_ended_total\{reason="budget"\} 1/);
    expect(metrics).toMatch(/parley_ttfa_ms_count 1/);
    expect(metrics).toMatch(/parley_tool_calls_total\{tool="get_order_status",outcome="executed"\} 1/);
    expect(metrics).toMatch(/parley_stt_audio_seconds_total (0\.\d*[1-9]|[1-9])/);
  });

  it('ends a call that runs past its duration budget', async () => {
    const server = await servers.start();
    const created = await post(server, { budget: { maxDurationMs: 600 } });
    const { sessionId, token, media } = created.body as {
      sessionId: string;
      token: string;
      media: { websocket: string };
    };
    const call = await connect(`${media.websocket}?token=${encodeURIComponent(token)}`);
    await Promise.race([call.closed, sleep(5_000)]);
    expect(call.events.at(-1)).toMatchObject({ type: 'ended', reason: 'budget' });
    const record = await (await fetch(`${server.url}/v1/sessions/${sessionId}`, { headers })).json();
    expect(record).toMatchObject({ active: false, endReason: 'budget' });
  });
});

describe('cost', () => {
  it('prices usage with the configured table, reports it, and ends the call at the cost budget', async () => {
    const runtime = new DrivenRuntime();
    const server = await servers.start({
      runtime,
      budgetGraceMs: 0,
      prices: {
        sttUsdPerMinute: 0.006 * 1000,
        inputUsdPerMillionTokens: 0,
        outputUsdPerMillionTokens: 100_000,
        ttsUsdPerMillionChars: 0,
        toolCallUsd: 0,
      },
    });
    const created = await post(server, { budget: { maxCostUsd: 1 } });
    const { sessionId } = created.body as { sessionId: string };
    const session = runtime.find(sessionId);
    // 1 s of audio at 6 USD/min = 0.1; 4 output tokens at 0.1 USD each = 0.4.
    await session.userTurn('hello', { inputTokens: 10, outputTokens: 4 });
    let record = await (await fetch(`${server.url}/v1/sessions/${sessionId}`, { headers })).json();
    expect(record.costUsd).toBeCloseTo(0.5, 6);
    expect(record.active).toBe(true);
    await session.userTurn('and again', { inputTokens: 10, outputTokens: 4 });
    await sleep(50);
    record = await (await fetch(`${server.url}/v1/sessions/${sessionId}/transcript`, { headers })).json();
    expect(record).toMatchObject({ active: false, endReason: 'budget' });
    expect(record.cost.totalUsd).toBeCloseTo(1.0, 6);
    expect(record.cost.usage).toMatchObject({ inputTokens: 20, outputTokens: 8, sttAudioMs: 2000 });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/parley_cost_usd_total 1(\.0+)?\n/);
    expect(metrics).toMatch(/parley_brain_tokens_total\{direction="output"\} 8/);
  });
});

describe('finding 1: a media token is spent only by a completed upgrade', () => {
  const KEY_B = 'pk_live_server_test_key_other_9876543210';

  it('16 plain GETs on /v1/media/ws from one key spend nothing and do not fill the server (finding 1)', async () => {
    const server = await servers.start({ apiKeys: [KEY, KEY_B], maxActiveSessions: 2, tokenTtlMs: 1500 });
    const created = await post(server);
    const { sessionId, token, media } = created.body as {
      sessionId: string;
      token: string;
      media: { websocket: string };
    };
    const plainUrl = `${media.websocket.replace(/^ws/, 'http')}?token=${encodeURIComponent(token)}`;
    for (let i = 0; i < 16; i++) {
      const res = await fetch(plainUrl);
      expect(res.status).toBe(426);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('upgrade_required');
    }
    // Not counted as connected: nobody connecting in time frees the slot (the token's life, not 30 minutes).
    const until = Date.now() + 15_000;
    while (server.sessions.isLive(sessionId) && Date.now() < until) await sleep(100);
    expect(server.sessions.isLive(sessionId)).toBe(false);
    const record = await (await fetch(`${server.url}/v1/sessions/${sessionId}`, { headers })).json();
    expect(record).toMatchObject({ active: false, endReason: 'never_connected' });

    // Another key still creates a session and connects.
    const other = await fetch(`${server.url}/v1/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY_B}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(other.status).toBe(201);
    const b = (await other.json()) as { token: string; media: { websocket: string } };
    const call = await connect(`${b.media.websocket}?token=${encodeURIComponent(b.token)}`);
    call.socket.close(1000);
    await call.closed;
  });

  it('a plain GET or a failed handshake leaves the token usable; it connects once afterwards (finding 1)', async () => {
    const server = await servers.start();
    const created = await post(server);
    const { token, media } = created.body as { token: string; media: { websocket: string } };
    const wsUrl = `${media.websocket}?token=${encodeURIComponent(token)}`;
    expect((await fetch(wsUrl.replace(/^ws/, 'http'))).status).toBe(426);
    // A handshake the server cannot complete (no Sec-WebSocket-Key): refused after the token check.
    const failed = await new Promise<number>((resolve, reject) => {
      const req = request(wsUrl.replace(/^ws/, 'http'), {
        headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13' },
      });
      req.on('response', (res) => resolve(res.statusCode ?? 0));
      req.on('error', reject);
      req.end();
    });
    expect(failed).toBe(400);
    const call = await connect(wsUrl);
    await expect(connect(wsUrl)).rejects.toThrow('HTTP 409');
    call.socket.close(1000);
    await call.closed;
  });
});

describe('reconnects', () => {
  it('a WebSocket cut mid-call resumes the same session with its history: turns before and after the drop', async () => {
    // Spare lines: under load the tone may be heard as two turns, and each takes a line.
    const server = await servers.start({
      resumeGraceMs: 20_000,
      runtime: new ScriptedRuntime({
        script: ['where is my order four two one nine', 'thanks', 'thanks', 'thanks', 'thanks'],
      }),
    });
    const created = await post(server);
    const { sessionId, token, media } = created.body as {
      sessionId: string;
      token: string;
      media: { websocket: string };
    };
    const first = await connect(`${media.websocket}?token=${encodeURIComponent(token)}`);
    await speak(first.socket, 800, 1000);
    const replied = (events: { type: string }[]) => events.some((e) => e.type === 'reply_done');
    for (let i = 0; i < 400 && !replied(first.events); i++) await sleep(100);
    expect(replied(first.events)).toBe(true);
    const hello = first.events.find((e) => e.type === 'hello') as { resumeToken?: string } | undefined;
    expect(hello?.resumeToken).toMatch(/^pr_/);
    first.socket.terminate();
    await first.closed;
    await sleep(500);
    expect(server.sessions.isLive(sessionId)).toBe(true);

    const second = await connect(`${media.websocket}?resume=${encodeURIComponent(hello?.resumeToken ?? '')}`);
    expect(second.events.find((e) => e.type === 'hello') ?? (await waitHello(second.events))).toMatchObject({
      sessionId,
    });
    await speak(second.socket, 800, 1000);
    for (let i = 0; i < 400 && !replied(second.events); i++) await sleep(100);
    expect(replied(second.events)).toBe(true);
    second.socket.send(JSON.stringify({ type: 'hangup' }));
    await second.closed;

    const transcript = await (
      await fetch(`${server.url}/v1/sessions/${sessionId}/transcript`, { headers })
    ).json();
    expect(transcript).toMatchObject({ active: false, endReason: 'hangup' });
    // A turn answered before the drop and one answered after it, both in the one record.
    const turnIds = (events: { type: string; turnId?: number }[]) =>
      events.filter((e) => e.type === 'reply_done').map((e) => e.turnId);
    const before = turnIds(first.events);
    const after = turnIds(second.events);
    const recorded = transcript.turns.map((t: { turnId: number }) => t.turnId);
    expect(recorded).toEqual(expect.arrayContaining([...before, ...after]));
    expect(transcript.turns[0].userText).toBe('where is my order four two one nine');
    expect(transcript.turns[0].heardText).toMatch(/4219|four two one nine|in transit/i);
    expect(transcript.turns.at(-1).userText).toBe('thanks');
  }, 120_000);

  it('a reused resume token is refused 409, and an unresumed session ends `disconnected`', async () => {
    const server = await servers.start({ resumeGraceMs: 500 });
    const created = await post(server);
    const { sessionId, token, media } = created.body as {
      sessionId: string;
      token: string;
      media: { websocket: string };
    };
    const first = await connect(`${media.websocket}?token=${encodeURIComponent(token)}`);
    const hello = await waitHello(first.events);
    first.socket.terminate();
    await first.closed;
    const resumeUrl = `${media.websocket}?resume=${encodeURIComponent(hello.resumeToken ?? '')}`;
    const second = await connect(resumeUrl);
    await expect(connect(resumeUrl)).rejects.toThrow('HTTP 409');
    second.socket.terminate();
    await second.closed;
    const until = Date.now() + 15_000;
    while (server.sessions.isLive(sessionId) && Date.now() < until) await sleep(100);
    const record = await (await fetch(`${server.url}/v1/sessions/${sessionId}`, { headers })).json();
    expect(record).toMatchObject({ active: false, endReason: 'disconnected' });
  });
});

async function waitHello(events: { type: string }[]): Promise<{ type: string; resumeToken?: string }> {
  for (let i = 0; i < 100; i++) {
    const hello = events.find((e) => e.type === 'hello');
    if (hello) return hello as { type: string; resumeToken?: string };
    await sleep(50);
  }
  throw new Error('no hello');
}
