import { createHmac } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyServer } from '../../control/server.js';
import { composeCaller } from '../../runtime/caller-audio.js';
import { ScriptedRuntime } from '../../testing/index.js';
import { CarrierSim } from '../../testing/media/twilio-carrier.js';
import { TestServers } from '../../testing/test-servers.js';

const KEY = 'pk_phone_test_key_0123456789abcdef';
const AUTH_TOKEN = 'twilio_test_auth_token_0123456789';
const ACCOUNT = `AC${'0'.repeat(32)}`;
const MS_PER_CHAR = 50;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const servers = new TestServers(
  () => ({
    apiKeys: [KEY],
    runtime: new ScriptedRuntime({
      script: ['where is my order four two one nine', 'hold on'],
      msPerChar: MS_PER_CHAR,
    }),
    phone: { twilioAuthToken: AUTH_TOKEN },
  }),
  'parley-phone-',
);
/** Carriers dialled in this test, stopped before its servers close. */
const carriers: CarrierSim[] = [];

async function until(what: string, cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

afterEach(async () => {
  for (const c of carriers.splice(0)) {
    c.stopClock();
    c.socket.terminate();
  }
  await servers.closeAll();
});

/** Twilio's documented scheme, written out independently of the server's code. */
function sign(url: string, params: Record<string, string>, token = AUTH_TOKEN): string {
  const data =
    url +
    Object.keys(params)
      .sort()
      .map((k) => k + params[k])
      .join('');
  return createHmac('sha1', token).update(data).digest('base64');
}

const CALL_PARAMS = {
  AccountSid: ACCOUNT,
  CallSid: `CA${'1'.repeat(32)}`,
  From: '+15551230000',
  To: '+15559870000',
  CallStatus: 'ringing',
  Direction: 'inbound',
};

async function ring(server: ParleyServer, signature?: string) {
  const url = `${server.url}/v1/phone/twilio/voice`;
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(signature !== undefined ? { 'x-twilio-signature': signature } : {}),
    },
    body: new URLSearchParams(CALL_PARAMS).toString(),
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text(), url };
}

async function answer(
  server: ParleyServer,
): Promise<{ streamUrl: string; token: string; sessionId: string }> {
  const url = `${server.url}/v1/phone/twilio/voice`;
  const res = await ring(server, sign(url, CALL_PARAMS));
  expect(res.status).toBe(200);
  expect(res.type).toMatch(/text\/xml/);
  const streamUrl = /<Connect><Stream url="([^"]+)">/.exec(res.text)?.[1];
  const token = /<Parameter name="token" value="([^"]+)"\/>/.exec(res.text)?.[1];
  const sessionId = /<Parameter name="sessionId" value="([^"]+)"\/>/.exec(res.text)?.[1];
  if (!streamUrl || !token || !sessionId) throw new Error(`unexpected TwiML: ${res.text}`);
  return { streamUrl, token, sessionId };
}

async function dial(streamUrl: string, jitterBufferMs = 200): Promise<CarrierSim> {
  const carrier = new CarrierSim(streamUrl, { jitterBufferMs });
  carriers.push(carrier);
  await carrier.opened();
  return carrier;
}

let orderLine: Int16Array;
let holdOnLine: Int16Array;

beforeAll(async () => {
  orderLine = (
    await composeCaller({ voice: 'kal16', parts: ['where is my order four two one nine', { pauseMs: 200 }] })
  ).samples;
  holdOnLine = (await composeCaller({ voice: 'kal16', parts: ['hold on, wait a moment please'] })).samples;
}, 60_000);

describe('the Twilio voice webhook', () => {
  it('answers a signed call with <Connect><Stream> and a token, and refuses bad signatures with 403 and no session', async () => {
    const server = await servers.start();
    const url = `${server.url}/v1/phone/twilio/voice`;

    for (const signature of [
      undefined,
      'bm90IGEgc2lnbmF0dXJl',
      sign(url, CALL_PARAMS, 'another_token'),
      sign(`${url}?x=1`, CALL_PARAMS),
    ]) {
      const res = await ring(server, signature);
      expect(res.status).toBe(403);
      expect(JSON.parse(res.text)).toMatchObject({ error: { code: 'invalid_signature' } });
    }
    expect(server.sessions.activeCount).toBe(0);
    expect(server.store.listSessions(`phone:${ACCOUNT}`)).toHaveLength(0);

    const { streamUrl, token } = await answer(server);
    expect(streamUrl).toBe(`${server.url.replace(/^http/, 'ws')}/v1/phone/twilio/media`);
    expect(token.length).toBeGreaterThan(20);
    expect(server.sessions.activeCount).toBe(1);
    expect(server.store.listSessions(`phone:${ACCOUNT}`)).toHaveLength(1);
  });

  it('checks the signature against the configured public URL and answers with its wss stream URL', async () => {
    const server = await servers.start({
      phone: { twilioAuthToken: AUTH_TOKEN, publicUrl: 'https://parley.example.com/' },
    });
    const local = await ring(server, sign(`${server.url}/v1/phone/twilio/voice`, CALL_PARAMS));
    expect(local.status).toBe(403);
    const res = await ring(server, sign('https://parley.example.com/v1/phone/twilio/voice', CALL_PARAMS));
    expect(res.status).toBe(200);
    expect(res.text).toContain('<Stream url="wss://parley.example.com/v1/phone/twilio/media">');
  });

  it('answers 503 when Twilio is not configured', async () => {
    const server = await servers.start({ phone: {} });
    const res = await ring(server, 'x');
    expect(res.status).toBe(503);
    expect(JSON.parse(res.text)).toMatchObject({ error: { code: 'phone_not_configured' } });
    await expect(dial(`${server.url.replace(/^http/, 'ws')}/v1/phone/twilio/media`)).rejects.toThrow(
      'HTTP 503',
    );
  });
});

describe('a phone call over Twilio Media Streams', () => {
  it('tracks the order, clears on barge-in, keeps the heard prefix the marks report, takes keyed digits and ends on stop', async () => {
    const server = await servers.start();
    const { streamUrl, token, sessionId } = await answer(server);
    const carrier = await dial(streamUrl, 300);
    carrier.start({ token, sessionId });

    // 1. The caller asks; the agent's μ-law answer comes back and plays.
    carrier.say(orderLine);
    await until('agent audio', () => carrier.playedMs >= 1200, 30_000);
    expect(carrier.received.some((m) => m.event === 'mark')).toBe(true);

    // 2. The caller talks over the answer: the carrier is told to drop its buffered audio.
    carrier.say(holdOnLine);
    await until('clear', () => carrier.clears >= 1, 20_000);
    const clearIndex = carrier.received.findIndex((m) => m.event === 'clear');
    expect(carrier.received[clearIndex]).toEqual({ event: 'clear', streamSid: carrier.streamSid });

    // 3. Once the agent has answered the interruption, the caller keys the order number.
    await until('caller done', () => carrier.speakingMs === 0, 20_000);
    await until('agent quiet', () => performance.now() - carrier.lastMediaAtMs > 1500, 30_000);
    const mediaBeforeDigits = carrier.mediaReceived;
    for (const digit of '4219#') {
      carrier.dtmf(digit);
      await sleep(80);
    }
    await until(
      'keyed turn',
      () => server.store.turns(sessionId).some((t) => t.userText === '4219' && t.complete),
      30_000,
    );
    await until('agent answers the digits', () => carrier.mediaReceived > mediaBeforeDigits + 10, 20_000);

    // 4. The caller hangs up.
    carrier.stop();
    await Promise.race([carrier.closed, sleep(10_000)]);
    expect(carrier.closeCode).toBe(1000);
    await until('session ended', () => !server.sessions.isLive(sessionId), 10_000);

    const record = server.store.getSession(sessionId);
    expect(record).toMatchObject({ endReason: 'hangup', ownerKey: `phone:${ACCOUNT}` });
    const turns = server.store.turns(sessionId);
    const order = turns.find((t) => t.userText === 'where is my order four two one nine');
    expect(order).toBeDefined();
    if (!order) return;
    expect(order.tools).toEqual([
      expect.objectContaining({
        name: 'get_order_status',
        status: 'executed',
        args: { order_number: '4219' },
      }),
    ]);
    expect(order.interrupted).toBe(true);
    // What the history keeps is what the carrier played before the clear, to within a word or two.
    expect(order.agentText.startsWith(order.heardText)).toBe(true);
    expect(order.heardText.length).toBeGreaterThan(0);
    expect(order.heardText.length).toBeLessThan(order.agentText.length);
    const playedMs = carrier.playedMsByTurn.get(order.turnId) ?? 0;
    const playedChars = playedMs / MS_PER_CHAR;
    const heardChars = order.heardText.length;
    expect(Math.abs(heardChars - playedChars)).toBeLessThan(16);

    const keyed = turns.find((t) => t.userText === '4219');
    expect(keyed?.tools).toEqual([expect.objectContaining({ name: 'get_order_status', status: 'executed' })]);

    // The transcript is stored (and readable once the call is over).
    const transcriptTurns = server.store.turns(sessionId).map((t) => t.userText);
    expect(transcriptTurns).toContain('4219');
  }, 120_000);

  it('logs and skips malformed messages, refuses oversized ones, and ends a stream that vanishes without stop within 5 s', async () => {
    const server = await servers.start();
    const { streamUrl, token, sessionId } = await answer(server);
    const carrier = await dial(streamUrl);
    carrier.start({ token, sessionId });
    await sleep(200);
    carrier.sendRaw('{not json');
    carrier.sendRaw(
      JSON.stringify({
        event: 'media',
        streamSid: carrier.streamSid,
        media: { payload: '!!!not base64!!!' },
      }),
    );
    carrier.sendRaw(
      JSON.stringify({
        event: 'media',
        streamSid: carrier.streamSid,
        media: { payload: 'A'.repeat(20_000) },
      }),
    );
    carrier.sendRaw(
      JSON.stringify({
        event: 'media',
        streamSid: carrier.streamSid,
        media: { payload: 'x'.repeat(100_000) },
      }),
    );
    carrier.sendRaw(JSON.stringify({ event: 'dtmf', dtmf: { digit: 'ZZ' } }));
    carrier.sendRaw(JSON.stringify({ event: 'wat' }));
    await sleep(300);
    expect(server.sessions.isLive(sessionId)).toBe(true);
    expect(carrier.closeCode).toBeUndefined();

    const silentAt = Date.now();
    carrier.goSilent();
    await until('session ended', () => !server.sessions.isLive(sessionId), 10_000);
    expect(Date.now() - silentAt).toBeLessThan(5_000);
    expect(server.store.getSession(sessionId)).toMatchObject({ endReason: 'media_timeout' });
  }, 60_000);

  it('closes a stream whose start carries a bad or spent token, with the reason', async () => {
    const server = await servers.start();
    const { streamUrl, token, sessionId } = await answer(server);
    const forged = await dial(streamUrl);
    forged.start({ token: `${token.slice(0, -4)}AAAA` });
    await Promise.race([forged.closed, sleep(10_000)]);
    expect(forged.closeCode).toBe(1008);
    expect(forged.closeReason).toMatch(/not authorized/);

    const real = await dial(streamUrl);
    real.start({ token, sessionId });
    await sleep(300);
    const replay = await dial(streamUrl);
    replay.start({ token, sessionId });
    await Promise.race([replay.closed, sleep(10_000)]);
    expect(replay.closeCode).toBe(1008);
    expect(replay.closeReason).toMatch(/token_used/);
    expect(server.sessions.isLive(sessionId)).toBe(true);
    real.stop();
    await Promise.race([real.closed, sleep(10_000)]);
    expect(server.store.getSession(sessionId)).toMatchObject({ endReason: 'hangup' });
  }, 60_000);
});
