import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { SystemClock } from '../../clock.js';
import { LoopbackSession } from '../loopback-session.js';
import { MAX_AUDIO_MESSAGE_BYTES } from './audio-message.js';
import { WebSocketTransport, type WebSocketTransportOptions } from './ws-transport.js';

const clock = new SystemClock();
let server: Server | undefined;
let wss: WebSocketServer | undefined;
const clients: WebSocket[] = [];

interface Served {
  session: LoopbackSession;
  socket: WebSocket;
  transport: WebSocketTransport;
  /** Server clock when the transport was made. */
  startedMs: number;
}

/** A bare ws server: each connection gets a loopback session and a transport with `opts`. */
async function serve(
  opts: Omit<WebSocketTransportOptions, 'clock'>,
): Promise<{ url: string; served: Served[] }> {
  const served: Served[] = [];
  server = createServer();
  wss = new WebSocketServer({ server, maxPayload: 4 * MAX_AUDIO_MESSAGE_BYTES });
  wss.on('connection', (socket) => {
    const session = new LoopbackSession(`s${served.length + 1}`, clock);
    const startedMs = clock.now();
    served.push({
      session,
      socket,
      transport: new WebSocketTransport(socket, session, { clock, ...opts }),
      startedMs,
    });
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, served };
}

interface Client {
  ws: WebSocket;
  json: { type?: string; code?: string; id?: number }[];
  binaryBytes: number;
  close?: { code: number; reason: string };
}

async function connect(url: string): Promise<Client> {
  const ws = new WebSocket(url);
  clients.push(ws);
  const client: Client = { ws, json: [], binaryBytes: 0 };
  ws.on('message', (data, isBinary) => {
    if (isBinary) client.binaryBytes += (data as Buffer).length;
    else client.json.push(JSON.parse(String(data)));
  });
  ws.on('close', (code, reason) => {
    client.close = { code, reason: reason.toString() };
  });
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return client;
}

afterEach(async () => {
  for (const ws of clients.splice(0)) ws.terminate();
  for (const s of wss?.clients ?? []) s.terminate();
  await new Promise<void>((r) => (wss ? wss.close(() => r()) : r()));
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  wss = undefined;
  server = undefined;
});

async function until(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what} not met in time`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FRAME_BYTES = 640; // 20 ms of 16 kHz PCM
const quietFrame = () => Buffer.alloc(FRAME_BYTES, 1);

/** Sends a 20 ms frame every 20 ms until stopped (a microphone). */
function talk(client: Client): () => void {
  const timer = setInterval(
    () => client.ws.readyState === WebSocket.OPEN && client.ws.send(quietFrame()),
    20,
  );
  return () => clearInterval(timer);
}

/** Waits until the server has handled everything sent so far: control messages are answered in order. */
async function roundTrip(client: Client, id: number): Promise<void> {
  client.ws.send(JSON.stringify({ type: 'ping', id }));
  await until(() => client.json.some((m) => m.type === 'pong' && m.id === id), 30_000, `pong ${id}`);
}

describe('WebSocket transport: dead clients (finding 3)', () => {
  it('a frozen WebSocket client is closed after missed heartbeats; a live one is not', async () => {
    const { url, served } = await serve({ liveness: { heartbeatMs: 200, noAudioTimeoutMs: 0 } });
    const frozen = await connect(url);
    const live = await connect(url);
    await until(() => served.length === 2);
    const [frozenSide, liveSide] = served as [Served, Served];
    const stopLive = talk(live);
    const stopFrozen = talk(frozen);
    try {
      // Frozen: it still has audio in flight but reads nothing, so it never answers a ping.
      frozen.ws.pause();
      stopFrozen();
      await until(() => frozenSide.session.state === 'ended', 15_000, 'frozen client closed');
      expect(frozenSide.session.closeReason).toBe('heartbeat_timeout');
      await until(() => frozenSide.socket.readyState === WebSocket.CLOSED, 5000, 'socket freed');
      // The live client answered every ping meanwhile, and keeps doing so.
      await sleep(1500);
      expect(liveSide.session.state).not.toBe('ended');
      expect(live.ws.readyState).toBe(WebSocket.OPEN);
    } finally {
      stopLive();
    }
  });

  it('a client that sends no audio is closed after noAudioTimeoutMs, with the reason', async () => {
    const { url, served } = await serve({ liveness: { noAudioTimeoutMs: 600, heartbeatMs: 0 } });
    const silent = await connect(url);
    const talking = await connect(url);
    await until(() => served.length === 2);
    const [silentSide, talkingSide] = served as [Served, Served];
    const stop = talk(talking);
    try {
      await until(() => silentSide.session.state === 'ended', 15_000, 'silent client closed');
      expect(silentSide.session.closeReason).toBe('no_audio');
      await until(() => silent.close !== undefined, 5000, 'client sees the close');
      expect(silent.json.find((m) => m.type === 'media_error')?.code).toBe('no_audio');
      expect(silent.close?.reason).toBe('no_audio');
      await sleep(1500);
      expect(talkingSide.session.state).not.toBe('ended');
    } finally {
      stop();
    }
  });

  it('a client that stops reading gets no more agent audio and is closed; server memory stays bounded', async () => {
    const audioBufferBytes = 64 * 1024;
    const maxSendBufferBytes = 512 * 1024;
    const { url, served } = await serve({
      liveness: {
        heartbeatMs: 0,
        noAudioTimeoutMs: 0,
        audioBufferBytes,
        maxSendBufferBytes,
        sendBufferTimeoutMs: 1500,
      },
    });
    const reader = await connect(url);
    await until(() => served.length === 1);
    const [side] = served as [Served];
    reader.ws.pause(); // stops reading: the kernel buffers fill, then ws's own queue grows
    let maxBuffered = 0;
    const sample = () => {
      maxBuffered = Math.max(maxBuffered, side.socket.bufferedAmount);
    };
    // Session events (not droppable) until the server's own queue passes the audio bound.
    const text = 'x'.repeat(8000);
    for (let i = 0; i < 5000 && side.socket.bufferedAmount <= audioBufferBytes; i++) {
      side.session.emit({ type: 'error', message: text, atMs: clock.now() });
      sample();
      if (i % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(side.socket.bufferedAmount).toBeGreaterThan(audioBufferBytes);
    // Agent audio now is dropped rather than queued.
    const before = side.socket.bufferedAmount;
    for (let i = 0; i < 25 && side.session.state !== 'ended'; i++) {
      side.session.playAgentFrame(new Int16Array(320).fill(500));
      await sleep(20);
      sample();
    }
    if (side.session.state !== 'ended') expect(side.socket.bufferedAmount).toBeLessThanOrEqual(before);
    // Staying over the bound closes the connection.
    await until(() => side.session.state === 'ended', 15_000, 'non-reading client closed');
    expect(side.session.closeReason).toBe('send_buffer_full');
    await until(() => side.socket.readyState === WebSocket.CLOSED, 5000, 'socket freed');
    expect(maxBuffered).toBeLessThanOrEqual(maxSendBufferBytes);
  });

  it('a burst of events to a client that stops reading closes it at the memory bound', async () => {
    const maxSendBufferBytes = 256 * 1024;
    const { url, served } = await serve({
      liveness: { heartbeatMs: 0, noAudioTimeoutMs: 0, maxSendBufferBytes },
    });
    const reader = await connect(url);
    await until(() => served.length === 1);
    const [side] = served as [Served];
    reader.ws.pause();
    let maxBuffered = 0;
    const text = 'y'.repeat(16_000);
    // About 16 MB offered: far beyond what the kernel and the bound hold.
    for (let i = 0; i < 1000 && side.session.state !== 'ended'; i++) {
      side.session.emit({ type: 'error', message: text, atMs: clock.now() });
      maxBuffered = Math.max(maxBuffered, side.socket.bufferedAmount);
      if (i % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    await until(() => side.session.state === 'ended', 15_000, 'closed at the bound');
    expect(side.session.closeReason).toBe('send_buffer_full');
    expect(maxBuffered).toBeLessThanOrEqual(maxSendBufferBytes);
  });
});

describe('WebSocket transport: faster-than-real-time audio (finding 7)', () => {
  it('a client sending 300 s of audio at once gets audio_too_fast once and at most real time + allowance is processed', async () => {
    const { url, served } = await serve({ liveness: { heartbeatMs: 0, noAudioTimeoutMs: 0 } });
    const flood = await connect(url);
    const other = await connect(url);
    await until(() => served.length === 2);
    const [floodSide, otherSide] = served as [Served, Served];

    // The other call talks in real time throughout.
    let otherSent = 0;
    const otherTimer = setInterval(() => {
      if (other.ws.readyState !== WebSocket.OPEN) return;
      other.ws.send(quietFrame());
      otherSent++;
    }, 20);
    try {
      // 300 s of audio in 2 s messages, all at once.
      const chunk = Buffer.alloc(64_000, 2);
      for (let i = 0; i < 150; i++) flood.ws.send(chunk);
      await roundTrip(flood, 1);
      const elapsedMs = clock.now() - floodSide.startedMs;

      const processedMs = floodSide.session.callerFrames.length * 20;
      expect(processedMs).toBeLessThanOrEqual(elapsedMs + 2000 + 20);
      expect(processedMs).toBeLessThan(300_000 / 10);
      const errors = flood.json.filter((m) => m.type === 'media_error');
      expect(errors.map((m) => m.code)).toEqual(['audio_too_fast']);
      // The session survives and takes real-time audio again once the client slows down.
      expect(floodSide.session.state).not.toBe('ended');
      await sleep(200);
      const framesNow = floodSide.session.callerFrames.length;
      flood.ws.send(quietFrame());
      await roundTrip(flood, 2);
      expect(floodSide.session.callerFrames.length).toBe(framesNow + 1);

      // The other call was processed in full and answered (its echo came back).
      clearInterval(otherTimer);
      await roundTrip(other, 3);
      expect(otherSide.session.callerFrames.length).toBe(otherSent);
      await until(() => other.binaryBytes >= otherSent * FRAME_BYTES * 0.5, 10_000, 'other call echoed');
      expect(other.json.some((m) => m.type === 'media_error')).toBe(false);
    } finally {
      clearInterval(otherTimer);
    }
  });
});
