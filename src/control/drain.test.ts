import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { concat, silence, sine, splitFrames } from '../audio/signals.js';
import { encodeAudioMessage } from '../media/websocket/audio-message.js';
import { CallStore } from '../store/call-store.js';
import { openDatabase } from '../store/database.js';
import type { Brain } from '../engines/types.js';
import { ScriptedRuntime } from '../testing/index.js';
import { TestServers } from '../testing/test-servers.js';
import { drainGraceFromEnv } from './drain.js';
import type { ParleyServer } from './server.js';

const KEY = 'pk_drain_test_key_0123456789abcdef';
const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Several clauses: at 30 ms of agent audio a character it takes about six seconds to play. */
const ANSWER =
  'Your parcel left the depot this morning and it is on the van now. It should reach you this afternoon, between two and four. You will get a text when the driver is one stop away.';
/** A brain that gives the same long answer to anything (the agent's own answers may change). */
const longAnswer: Brain = {
  name: 'long-answer',
  async *respond() {
    yield { type: 'text', text: ANSWER };
  },
};

const servers = new TestServers(
  () => ({
    apiKeys: [KEY],
    runtime: new ScriptedRuntime({ script: ['where is my order four two one nine'], msPerChar: 30 }),
    brainFor: () => longAnswer,
  }),
  'parley-drain-',
);

afterEach(() => servers.closeAll());

interface WireEvent {
  type: string;
  text?: string;
  interrupted?: boolean;
  reason?: string;
  trace?: { agentText: string; heardText: string };
}

/** A caller on the WebSocket route who has asked a question and is hearing the answer. */
async function callInReply(server: ParleyServer) {
  const res = await fetch(`${server.url}/v1/sessions`, { method: 'POST', headers, body: '{}' });
  expect(res.status).toBe(201);
  const { sessionId, token, media } = (await res.json()) as {
    sessionId: string;
    token: string;
    media: { websocket: string };
  };
  const socket = new WebSocket(`${media.websocket}?token=${encodeURIComponent(token)}`);
  const events: WireEvent[] = [];
  let agentAudioMs = 0;
  socket.on('message', (data, isBinary) => {
    if (isBinary) agentAudioMs += 20;
    else events.push(JSON.parse(data.toString()));
  });
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const send = async (audio: Int16Array) => {
    for (const frame of splitFrames(audio, 16_000)) {
      if (socket.readyState !== WebSocket.OPEN) return;
      socket.send(encodeAudioMessage(frame.samples));
      await sleep(20);
    }
  };
  const waitFor = async (type: string, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!events.some((e) => e.type === type)) {
      if (Date.now() > deadline) throw new Error(`no ${type}; got ${events.map((e) => e.type).join(',')}`);
      await sleep(20);
    }
    return events.find((e) => e.type === type) as WireEvent;
  };
  // The caller keeps the microphone open (silence) while the agent answers, as a real client does.
  let micOpen = true;
  const mic = (async () => {
    await send(concat(sine(300, 800, 16_000, 0.3), silence(100, 16_000)));
    while (micOpen && socket.readyState === WebSocket.OPEN) await send(silence(200, 16_000));
  })();
  await waitFor('agent_audio_started');
  return {
    sessionId,
    socket,
    events,
    closed,
    waitFor,
    send,
    /** Waits until the client has received `ms` of the agent's audio (it has heard some words). */
    heard: async (ms: number) => {
      const deadline = Date.now() + 30_000;
      while (agentAudioMs < ms && Date.now() < deadline) await sleep(20);
    },
    stopMic: async () => {
      micOpen = false;
      await mic;
    },
  };
}

function recordOf(dir: string, sessionId: string) {
  const db = openDatabase(join(dir, 'parley.db'));
  try {
    const store = new CallStore(db);
    return { session: store.getSession(sessionId), turns: store.turns(sessionId) };
  } finally {
    db.close();
  }
}

describe('drain (finding 4)', () => {
  it('a drain during an agent reply over a real call lets the reply finish and the record holds the full reply text (finding 4)', async () => {
    const { server, dir } = await servers.startIn();
    const call = await callInReply(server);
    const draining = server.drain({ graceMs: 120_000 });

    // Nothing new is taken while the call finishes: sessions, Realtime, readiness.
    const refused = await fetch(`${server.url}/v1/sessions`, { method: 'POST', headers, body: '{}' });
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({
      error: { code: 'draining', message: expect.stringMatching(/shutting down/) },
    });
    const secret = await fetch(`${server.url}/v1/realtime/client_secrets`, {
      method: 'POST',
      headers,
      body: '{}',
    });
    expect(secret.status).toBe(503);
    expect(((await secret.json()) as { error: { code: string } }).error.code).toBe('draining');
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { error: { code: string } }).error.code).toBe('draining');
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'draining', activeSessions: 1 });

    const result = await draining;
    expect(result).toEqual({ atBoundary: 1, cutAtGrace: 0 });
    await call.closed;
    await call.stopMic();
    const done = call.events.find((e) => e.type === 'reply_done');
    expect(done).toMatchObject({ interrupted: false });
    expect(done?.text).toBe(ANSWER);
    expect(call.events.at(-1)).toMatchObject({ type: 'ended', reason: 'server_shutdown' });

    const record = recordOf(dir, call.sessionId);
    expect(record.session?.endReason).toBe('server_shutdown');
    expect(record.turns).toHaveLength(1);
    expect(record.turns[0]).toMatchObject({
      userText: 'where is my order four two one nine',
      agentText: ANSWER,
      heardText: ANSWER,
      interrupted: false,
      complete: true,
    });
  }, 90_000);

  it('the drain ends after the grace period even if a call never reaches a boundary, recording the cut reply as heard (finding 4)', async () => {
    const { server, dir } = await servers.startIn();
    const call = await callInReply(server);
    await call.heard(1200);
    const startedAt = Date.now();
    const result = await server.drain({ graceMs: 500 });
    const tookMs = Date.now() - startedAt;
    await call.stopMic();
    expect(result).toEqual({ atBoundary: 0, cutAtGrace: 1 });
    // The answer takes seconds to play: the grace period, not the reply, ended the call.
    expect(tookMs).toBeLessThan(20_000);

    const record = recordOf(dir, call.sessionId);
    expect(record.session?.endReason).toBe('server_shutdown');
    const turn = record.turns[0];
    expect(turn).toMatchObject({ interrupted: true, complete: true });
    expect(turn?.agentText).toBe(ANSWER);
    expect(turn?.heardText).toMatch(/\S/);
    expect(turn?.agentText.startsWith(turn?.heardText ?? '')).toBe(true);
    expect(turn?.heardText.length).toBeLessThan(turn?.agentText.length ?? 0);
  }, 90_000);

  it('a call hung up mid-reply keeps agentText and the heardText prefix in its record (finding 4)', async () => {
    const { server, dir } = await servers.startIn();
    const call = await callInReply(server);
    await call.heard(1200);
    const res = await fetch(`${server.url}/v1/sessions/${call.sessionId}`, {
      method: 'DELETE',
      headers: { authorization: headers.authorization },
    });
    expect(res.status).toBe(200);
    await call.stopMic();
    const turn = server.store.turns(call.sessionId)[0];
    expect(turn).toMatchObject({ interrupted: true, complete: true });
    expect(turn?.agentText).toBe(ANSWER);
    expect(turn?.heardText).toMatch(/\S/);
    expect(turn?.agentText.startsWith(turn?.heardText ?? '')).toBe(true);
    expect(recordOf(dir, call.sessionId).session?.endReason).toBe('hangup');
  }, 90_000);

  it('a server with no calls drains at once; idle calls are hung up without waiting for the grace period (finding 4)', async () => {
    const server = await servers.start();
    const res = await fetch(`${server.url}/v1/sessions`, { method: 'POST', headers, body: '{}' });
    expect(res.status).toBe(201);
    const startedAt = Date.now();
    expect(await server.drain({ graceMs: 120_000 })).toEqual({ atBoundary: 1, cutAtGrace: 0 });
    expect(Date.now() - startedAt).toBeLessThan(30_000);
  }, 60_000);

  it('new Realtime connections and phone calls during a drain get 503 draining (finding 4)', async () => {
    const authToken = 'twilio_auth_token_for_drain_test';
    const server = await servers.start({ phone: { twilioAuthToken: authToken } });
    // One live call keeps the drain going while the routes are tried.
    const call = await callInReply(server);
    const draining = server.drain({ graceMs: 120_000 });

    const upgrade = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/v1/realtime?model=parley`, {
        headers: { authorization: `Bearer ${KEY}` },
      });
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d: Buffer) => {
          body += String(d);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      ws.once('open', () => reject(new Error('the Realtime upgrade was accepted while draining')));
      ws.once('error', () => {});
    });
    expect(upgrade.status).toBe(503);
    expect(JSON.parse(upgrade.body)).toMatchObject({ error: { code: 'draining' } });

    const webhook = `${server.url}/v1/phone/twilio/voice`;
    const params = { AccountSid: `AC${'0'.repeat(32)}`, CallSid: `CA${'1'.repeat(32)}` };
    const data =
      webhook +
      Object.keys(params)
        .sort()
        .map((k) => k + params[k as keyof typeof params])
        .join('');
    const rung = await fetch(webhook, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': createHmac('sha1', authToken).update(data).digest('base64'),
      },
      body: new URLSearchParams(params).toString(),
    });
    expect(rung.status).toBe(503);
    expect(await rung.json()).toMatchObject({ error: { code: 'draining' } });

    expect(await draining).toEqual({ atBoundary: 1, cutAtGrace: 0 });
    await call.stopMic();
  }, 90_000);

  it('reads PARLEY_DRAIN_GRACE_MS and refuses a malformed value', () => {
    expect(drainGraceFromEnv({})).toBeUndefined();
    expect(drainGraceFromEnv({ PARLEY_DRAIN_GRACE_MS: '1500' })).toBe(1500);
    expect(() => drainGraceFromEnv({ PARLEY_DRAIN_GRACE_MS: 'soon' })).toThrow(/PARLEY_DRAIN_GRACE_MS/);
    expect(() => drainGraceFromEnv({ PARLEY_DRAIN_GRACE_MS: '-1' })).toThrow(/PARLEY_DRAIN_GRACE_MS/);
  });
});
