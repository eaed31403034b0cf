import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { rms } from '../../audio/level.js';
import { sine } from '../../audio/signals.js';
import { SystemClock } from '../../clock.js';
import { LoopbackSession } from '../loopback-session.js';
import { MediaAuthError, registerMediaPlane } from '../plane.js';
import { callWithWerift, type WeriftCaller } from '../../testing/media/werift-peer.js';

const clock = new SystemClock();
let app: FastifyInstance | undefined;

/** What the plane logged about each session's media ending (the drop reason). */
const closedReasons = new Map<string, string>();

async function startPlane(connectTimeoutMs = 15_000, peerTimeoutMs?: number) {
  const sessions = new Map<string, LoopbackSession>();
  app = Fastify();
  await registerMediaPlane(app, {
    clock,
    webrtc: { connectTimeoutMs, ...(peerTimeoutMs !== undefined ? { peerTimeoutMs } : {}) },
    resumeGraceMs: 0,
    log: {
      info: (obj: { sessionId?: string; reason?: string }, msg?: string) => {
        if (msg === 'webrtc media closed' && obj.sessionId && obj.reason)
          closedReasons.set(obj.sessionId, obj.reason);
      },
      warn: () => undefined,
    },
    authorize: async (token) => {
      const session = token ? sessions.get(token) : undefined;
      if (!session) throw new MediaAuthError('unknown session token', 401, 'invalid_token');
      return session;
    },
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const add = (token: string) => {
    const s = new LoopbackSession(`s-${token}`, clock);
    sessions.set(token, s);
    return s;
  };
  return { url: `${url}/v1/media/webrtc`, add };
}

afterEach(async () => {
  await app?.close();
  app = undefined;
  closedReasons.clear();
});

/** The peer's network disappears: its UDP sockets close, with no DTLS alert, SCTP abort or BYE. */
async function vanish(caller: WeriftCaller): Promise<void> {
  for (const ice of caller.pc.iceTransports) {
    const protocols = (
      ice.connection as unknown as { protocols: { transport?: { close(): Promise<void> } }[] }
    ).protocols;
    for (const p of protocols) await p.transport?.close().catch(() => undefined);
  }
}

/** Sends 20 ms Opus packets in real time until stopped (a browser never stops sending). */
function keepTalking(caller: WeriftCaller): () => void {
  const tone = sine(440, 20, 48_000, 0.1);
  let seq = 0;
  const timer = setInterval(() => caller.sendPcm(tone, seq++), 20);
  return () => clearInterval(timer);
}

async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('WebRTC transport', () => {
  it('decodes caller Opus into 20 ms 16 kHz frames, conceals a lost packet and echoes audio back', async () => {
    const { url, add } = await startPlane();
    const session = add('t1');
    const { caller, status } = await callWithWerift(url, 't1');
    expect(status).toBe(201);
    if (!caller) throw new Error('no caller');
    await caller.waitConnected();
    await until(() => session.startCount === 1);
    const tone = sine(440, 20, 48_000, 0.3);
    for (let seq = 0; seq < 25; seq++) {
      if (seq === 10) continue; // lost on the way
      caller.sendPcm(tone, seq);
      await new Promise((r) => setTimeout(r, 20));
    }
    // 25 slots of 20 ms: the lost one is concealed, not skipped (up to 3 may still wait in the reorder buffer).
    await until(() => session.callerFrames.length >= 22);
    const starts = session.callerFrames.map((f) => f.startMs);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBe(20);
    expect(session.callerFrames.every((f) => f.sampleRate === 16_000 && f.samples.length === 320)).toBe(true);
    const loud = session.callerFrames.slice(2, 8).map((f) => rms(f.samples));
    expect(Math.min(...loud)).toBeGreaterThan(0.1); // a 0.3-amplitude sine has RMS 0.21
    // Echoed agent audio arrives as Opus RTP with consecutive sequence numbers and timestamps in step.
    await until(() => caller.received.length >= 15);
    const got = caller.received.slice(0, 15);
    for (let i = 1; i < got.length; i++) {
      expect((got[i]!.seq - got[i - 1]!.seq) & 0xffff).toBe(1);
      const step = (got[i]!.timestamp - got[i - 1]!.timestamp) >>> 0;
      // 960 per packet; a pause in the echo shows as a larger jump, flagged by the marker bit.
      if (step !== 960) expect(step > 960 && got[i]!.marker).toBe(true);
    }
    expect(got[0]?.marker).toBe(true);
    expect(Math.max(...got.map((p) => rms(p.pcm)))).toBeGreaterThan(0.1);
    // Session events arrive on the data channel, the hello first.
    await until(() => caller.messages.some((m) => m.type === 'state'));
    expect(caller.messages[0]?.type).toBe('hello');
    caller.events.send(JSON.stringify({ type: 'heard', turnId: 1, atMs: 42 }));
    await until(() => session.heardReports.length === 1);
    caller.events.send(JSON.stringify({ type: 'hangup' }));
    await until(() => session.state === 'ended');
    expect(session.closeReason).toBe('hangup');
    await until(() => caller.messages.some((m) => m.type === 'ended'));
    await caller.close();
  });

  it('flushes queued agent audio at once on an interruption', async () => {
    const { url, add } = await startPlane();
    const session = add('t1');
    const { caller } = await callWithWerift(url, 't1', { decode: false });
    if (!caller) throw new Error('no caller');
    await caller.waitConnected();
    // A burst of 1 s of agent audio is queued; the barge-in comes 100 ms later.
    const frame = sine(300, 20, 16_000, 0.3);
    for (let i = 0; i < 50; i++) session.playAgentFrame(frame);
    await new Promise((r) => setTimeout(r, 100));
    session.emit({ type: 'interrupted', turnId: 1, heardText: 'a', discardedText: 'b', atMs: clock.now() });
    const atInterrupt = caller.received.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(caller.received.length - atInterrupt).toBeLessThanOrEqual(2);
    expect(caller.received.length).toBeLessThan(20);
    await caller.close();
  });

  it('closes the session of a peer that hangs up its peer connection mid-call', async () => {
    const { url, add } = await startPlane();
    const session = add('t1');
    const { caller } = await callWithWerift(url, 't1', { decode: false });
    if (!caller) throw new Error('no caller');
    await caller.waitConnected();
    for (let seq = 0; seq < 5; seq++) caller.sendPcm(sine(440, 20, 48_000, 0.3), seq);
    await until(() => session.callerFrames.length > 0);
    await caller.close();
    await until(() => session.state === 'ended');
    expect(session.closeReason).toBe('disconnected');
  });

  it('a WebRTC peer that vanishes without goodbye is dropped as peer_gone; a live one stays (finding 3)', async () => {
    // Detection is driven by the configured silence (here 500 ms; the default is 2000 ms, which
    // peer-liveness.test.ts pins on a virtual clock), so load can only delay it, never fake it.
    const { url, add } = await startPlane(15_000, 500);
    const gone = add('gone');
    const live = add('live');
    const { caller: ghost } = await callWithWerift(url, 'gone', { decode: false });
    const { caller: talker } = await callWithWerift(url, 'live', { decode: false });
    if (!ghost || !talker) throw new Error('no caller');
    await ghost.waitConnected();
    await talker.waitConnected();
    const stopGhost = keepTalking(ghost);
    const stopTalker = keepTalking(talker);
    try {
      await until(() => gone.callerFrames.length > 5 && live.callerFrames.length > 5);
      const vanishedAt = performance.now();
      await vanish(ghost); // it keeps "sending" into a closed socket: nothing reaches the server
      await until(() => closedReasons.has(gone.id), 15_000);
      const noticedMs = performance.now() - vanishedAt;
      expect(closedReasons.get(gone.id)).toBe('peer_gone');
      // Ended by the resume book once the (here zero) grace ran out.
      await until(() => gone.state === 'ended');
      // The live caller, on the same server and timers, is untouched for many more timeouts.
      const framesBefore = live.callerFrames.length;
      await new Promise((r) => setTimeout(r, 2000));
      expect(closedReasons.has(live.id)).toBe(false);
      expect(live.state).not.toBe('ended');
      expect(live.callerFrames.length).toBeGreaterThan(framesBefore);
      console.info(`peer_gone noticed ${Math.round(noticedMs)} ms after the peer vanished (timeout 500 ms)`);
    } finally {
      stopGhost();
      stopTalker();
      await ghost.close();
      await talker.close();
    }
  });

  it('drops a peer that never connects and closes its session; others carry on', async () => {
    const { url, add } = await startPlane(500);
    const ghost = add('ghost');
    const live = add('live');
    const { caller } = await callWithWerift(url, 'live');
    if (!caller) throw new Error('no caller');
    await caller.waitConnected();
    // An offer whose peer goes away before ICE: post it, then never answer the checks.
    const { caller: vanishing } = await callWithWerift(url, 'ghost');
    await vanishing?.close();
    await until(() => ghost.state === 'ended', 5000);
    expect(['connect_timeout', 'disconnected']).toContain(ghost.closeReason);
    expect(live.state).not.toBe('ended');
    await caller.close();
  });
});
