/**
 * bench:media — the media plane's cost and delay on loopback. A server child process runs the
 * real WebRTC and WebSocket transports with echo sessions (caller audio played straight back);
 * this process drives N bidirectional 20 ms streams and reads the server's CPU over a fixed
 * window, then times audio round trips (a tone burst in → its echo out). Bounded in time.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import WebSocket from 'ws';
import { rms } from '../src/audio/level.js';
import { sine, silence } from '../src/audio/signals.js';
import { SystemClock } from '../src/clock.js';
import { LoopbackSession } from '../src/media/loopback-session.js';
import { registerMediaPlane } from '../src/media/plane.js';
import { callWithWerift, type WeriftCaller } from '../src/testing/media/werift-peer.js';

const STREAM_COUNTS = [1, 4];
const WARMUP_MS = 1500;
const WINDOW_MS = 5000;
const ROUND_TRIPS = 15;
const LOUD = 0.05;

type Transport = 'webrtc' | 'websocket';

// ---------- server child ----------

async function runServer(): Promise<void> {
  const clock = new SystemClock();
  const app = Fastify();
  let n = 0;
  await registerMediaPlane(app, {
    clock,
    authorize: async (token) => new LoopbackSession(`${token ?? 'anon'}-${n++}`, clock),
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  process.on('message', (m: { type: string }) => {
    if (m.type === 'cpu') process.send?.({ type: 'cpu', usage: process.cpuUsage(), atMs: performance.now() });
    if (m.type === 'stop') void app.close().then(() => process.exit(0));
  });
  process.send?.({ type: 'ready', url });
}

// ---------- driver ----------

interface Stream {
  sendFrame(loud: boolean): void;
  /** Arrival times (performance.now()) of echoed frames louder than LOUD. */
  loudArrivals: number[];
  close(): Promise<void>;
}

const QUIET_16K = silence(20, 16_000);
const TONE_16K = sine(700, 20, 16_000, 0.4);
const QUIET_48K = silence(20, 48_000);
const TONE_48K = sine(700, 20, 48_000, 0.4);

async function openWs(base: string): Promise<Stream> {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/v1/media/ws?token=bench`);
  ws.binaryType = 'nodebuffer';
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const loudArrivals: number[] = [];
  ws.on('message', (data, isBinary) => {
    if (!isBinary) return;
    const buf = data as Buffer;
    const pcm = new Int16Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    if (rms(pcm) > LOUD) loudArrivals.push(performance.now());
  });
  return {
    sendFrame: (loud) => {
      const pcm = loud ? TONE_16K : QUIET_16K;
      ws.send(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
    },
    loudArrivals,
    close: async () => {
      ws.close();
    },
  };
}

async function openWebRtc(base: string): Promise<Stream> {
  const { caller, status, body } = await callWithWerift(`${base}/v1/media/webrtc`, 'bench');
  if (!caller) throw new Error(`WebRTC offer refused: ${status} ${body}`);
  await caller.waitConnected();
  let seq = 0;
  const loudArrivals: number[] = [];
  const c: WeriftCaller = caller;
  let seen = 0;
  const poll = setInterval(() => {
    for (; seen < c.received.length; seen++) {
      const p = c.received[seen];
      if (p && rms(p.pcm) > LOUD) loudArrivals.push(p.atMs);
    }
  }, 5);
  return {
    sendFrame: (loud) => c.sendPcm(loud ? TONE_48K : QUIET_48K, seq++),
    loudArrivals,
    close: async () => {
      clearInterval(poll);
      c.events.send(JSON.stringify({ type: 'hangup' }));
      await new Promise((r) => setTimeout(r, 50));
      await c.close();
    },
  };
}

/** Sends one frame per stream every 20 ms on a drift-corrected grid until `durationMs` passes. */
async function pump(streams: Stream[], durationMs: number, loudAt?: (n: number) => boolean): Promise<void> {
  const start = performance.now();
  for (let n = 0; ; n++) {
    const due = start + n * 20;
    if (due - start >= durationMs) return;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    for (const s of streams) s.sendFrame(loudAt?.(n) ?? n % 2 === 0);
  }
}

interface CpuSample {
  usage: NodeJS.CpuUsage;
  atMs: number;
}

async function main(): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ['--server'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const replies: ((m: { type: string; url?: string } & Partial<CpuSample>) => void)[] = [];
  child.on('message', (m: { type: string }) => replies.shift()?.(m as never));
  const next = () => new Promise<{ type: string; url?: string } & Partial<CpuSample>>((r) => replies.push(r));
  const ready = await next();
  const base = ready.url as string;
  const cpu = async (): Promise<CpuSample> => {
    const reply = next();
    child.send({ type: 'cpu' });
    const m = await reply;
    return { usage: m.usage as NodeJS.CpuUsage, atMs: m.atMs as number };
  };

  console.log('bench:media — echo sessions on loopback, server in a child process');
  console.log('\nserver CPU per bidirectional 20 ms stream (caller tone in, echo out):');
  for (const transport of ['webrtc', 'websocket'] as Transport[]) {
    for (const count of STREAM_COUNTS) {
      const streams: Stream[] = [];
      for (let i = 0; i < count; i++)
        streams.push(await (transport === 'webrtc' ? openWebRtc(base) : openWs(base)));
      await pump(streams, WARMUP_MS);
      const before = await cpu();
      await pump(streams, WINDOW_MS);
      const after = await cpu();
      const cpuMs = (after.usage.user - before.usage.user + after.usage.system - before.usage.system) / 1000;
      const wallMs = after.atMs - before.atMs;
      const perStreamPct = (100 * cpuMs) / wallMs / count;
      console.log(
        `  ${transport.padEnd(9)} ${String(count).padStart(2)} stream(s): ${((100 * cpuMs) / wallMs).toFixed(1).padStart(5)}% of a core in total, ${perStreamPct.toFixed(2)}% per stream`,
      );
      for (const s of streams) await s.close();
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  console.log(`\naudio round trip through the server (tone burst in → echo out, ${ROUND_TRIPS} bursts):`);
  for (const transport of ['webrtc', 'websocket'] as Transport[]) {
    const stream = await (transport === 'webrtc' ? openWebRtc(base) : openWs(base));
    await pump([stream], 500, () => false);
    const rtts: number[] = [];
    for (let i = 0; i < ROUND_TRIPS; i++) {
      stream.loudArrivals.length = 0;
      const sentAt = performance.now();
      // One loud frame, then silence for 300 ms while we wait for its echo.
      await pump([stream], 300, (n) => n === 0);
      const back = stream.loudArrivals[0];
      if (back !== undefined) rtts.push(back - sentAt);
    }
    await stream.close();
    rtts.sort((a, b) => a - b);
    const pick = (q: number) => rtts[Math.min(rtts.length - 1, Math.floor(q * rtts.length))] ?? Number.NaN;
    console.log(
      `  ${transport.padEnd(9)} median ${pick(0.5).toFixed(1)} ms, p90 ${pick(0.9).toFixed(1)} ms, min ${pick(0).toFixed(1)} ms (${rtts.length}/${ROUND_TRIPS} echoed)`,
    );
  }
  child.send({ type: 'stop' });
  await new Promise((r) => child.once('exit', r));
}

if (process.argv.includes('--server')) await runServer();
else await main();
