/**
 * One caller turn against a running Parley server over an impaired network: WebRTC from a werift
 * peer whose ICE can reach the server only through the UDP impairer, or WebSocket through the
 * TCP impairer. The caller asks about an order in real time; the result says whether the task
 * succeeded (the order-status tool ran for the order, and the reply gave its status) and the
 * TTFA the caller experienced (end of its speech → first audible agent audio arriving).
 */
import WebSocket from 'ws';
import { rms } from '../../audio/level.js';
import { resample } from '../../audio/resampler.js';
import type { TurnTrace } from '../../conversation/events.js';
import { createSynthesizer, type VoiceName } from '../../engines/tts.js';
import { TtsCallerSpeech } from '../../eval/caller-audio.js';
import { startTcpImpairer, type StreamImpairment } from './tcp-impairer.js';
import {
  type Impairment,
  relaySdp,
  sdpCandidates,
  startUdpImpairer,
  type UdpImpairer,
} from './udp-impairer.js';
import { callWithWerift } from './werift-peer.js';

export interface ImpairedCallOptions {
  /** Base URL of the server (control API, not impaired). */
  serverUrl: string;
  apiKey: string;
  transport: 'webrtc' | 'websocket';
  /** The caller's question, 16 kHz mono. */
  utterance16k: Int16Array;
  /** WebRTC: impairment each way on the UDP relay (mediaOnly: see UdpImpairerOptions). */
  udp?: { up?: Impairment; down?: Impairment; seed?: number; mediaOnly?: boolean };
  /** WebSocket: delay and stalls each way on the TCP proxy. */
  tcp?: { up?: StreamImpairment; down?: StreamImpairment; seed?: number };
  /** WebRTC: the werift caller encodes with in-band FEC for this loss (as a browser would). Default 0. */
  fecLossPercent?: number;
  /** Silence before the question. Default 600. */
  leadSilenceMs?: number;
  /** Longest wait for the answer after the question ends. Default 30000. */
  replyTimeoutMs?: number;
  /** What counts as success: the order number the tool must be called with. Default '4219'. */
  orderNumber?: string;
}

export interface ImpairedCallResult {
  success: boolean;
  /** Why not, when not. */
  failure?: string;
  userText?: string;
  agentText?: string;
  /** Caller-side TTFA: last frame of speech sent → first audible agent audio received. */
  ttfaMs?: number;
  /** The server's own TTFA from the turn trace (its clock, so without network delay). */
  serverTtfaMs?: number;
  /** WebRTC: what the relay did, each way. */
  relay?: Pick<UdpImpairer, 'up' | 'down' | 'clients'>;
  /** WebSocket: stalls the proxy applied. */
  stalls?: number;
  /** 20 ms caller frames sent (RTP packets or binary messages). */
  framesSent: number;
}

/** The caller's question at 16 kHz, spoken by an embedded flite voice (as the eval suite's callers are). */
export async function renderUtterance(text: string, voice: VoiceName = 'rms'): Promise<Int16Array> {
  const speech = new TtsCallerSpeech((v, o) => createSynthesizer(v as VoiceName, o));
  try {
    return await speech.speak(text, voice, 1);
  } finally {
    await speech.close();
  }
}

const FRAME_MS = 20;
const AUDIBLE_RMS = 0.01;

function frames16k(opts: ImpairedCallOptions): { frames: Int16Array[]; speechEndIndex: number } {
  const lead = Math.round((opts.leadSilenceMs ?? 600) / FRAME_MS);
  const frames: Int16Array[] = [];
  for (let i = 0; i < lead; i++) frames.push(new Int16Array(320));
  const u = opts.utterance16k;
  for (let at = 0; at < u.length; at += 320) {
    const f = new Int16Array(320);
    f.set(u.subarray(at, Math.min(u.length, at + 320)));
    frames.push(f);
  }
  return { frames, speechEndIndex: frames.length };
}

async function createSession(
  opts: ImpairedCallOptions,
): Promise<{ token: string; webrtc: string; websocket: string }> {
  const res = await fetch(`${opts.serverUrl}/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.apiKey}` },
    body: '{}',
  });
  if (res.status !== 201) throw new Error(`session request failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { token: string; media: { webrtc: string; websocket: string } };
  return { token: body.token, ...body.media };
}

/** Whether the turn trace shows the task done: the tool ran for the order and the reply gave its status. */
export function orderTaskDone(trace: TurnTrace, orderNumber = '4219'): boolean {
  const toolRan = trace.tools.some(
    (t) =>
      t.name === 'get_order_status' &&
      t.status === 'executed' &&
      JSON.stringify(t.args).includes(orderNumber),
  );
  return toolRan && /in transit|delivered|shipped|processing/i.test(trace.agentText);
}

interface Line {
  send(frame16k: Int16Array): void;
  /** Arrival time (performance.now()) of the first audible agent audio after `afterMs`. */
  firstAudibleAfter(afterMs: number): number | undefined;
  messages: Record<string, unknown>[];
  close(): Promise<void>;
}

async function openWebRtc(opts: ImpairedCallOptions, url: string, token: string) {
  let relay: UdpImpairer | undefined;
  const { caller, status, body } = await callWithWerift(url, token, {
    fecLossPercent: opts.fecLossPercent ?? 0,
    // The server learns the caller only from the relay's checks: no direct path to try.
    rewriteOffer: (sdp) => relaySdp(sdp),
    rewriteAnswer: async (sdp) => {
      const target = sdpCandidates(sdp)[0];
      if (!target) throw new Error('the answer has no host candidate');
      relay = await startUdpImpairer({ target, ...opts.udp });
      return relaySdp(sdp, relay);
    },
  });
  if (!caller) throw new Error(`WebRTC offer refused: ${status} ${body}`);
  const r = relay as UdpImpairer | undefined;
  await caller.waitConnected(20_000);
  let seq = 0;
  const line: Line = {
    send: (f) => caller.sendPcm(resample(f, 16_000, 48_000), seq++),
    firstAudibleAfter: (after) =>
      caller.received.find((p) => p.atMs > after && p.pcm.length > 0 && rms(p.pcm) > AUDIBLE_RMS)?.atMs,
    messages: caller.messages,
    close: async () => {
      await caller.close();
      await r?.close();
    },
  };
  return { line, relay: r };
}

async function openWebSocket(opts: ImpairedCallOptions, url: string, token: string) {
  const target = new URL(url);
  const proxy = await startTcpImpairer({
    target: { host: target.hostname, port: Number(target.port) },
    ...opts.tcp,
  });
  const ws = new WebSocket(
    `ws://127.0.0.1:${proxy.port}${target.pathname}?token=${encodeURIComponent(token)}`,
  );
  ws.binaryType = 'nodebuffer';
  const messages: Record<string, unknown>[] = [];
  const audio: { atMs: number; rms: number }[] = [];
  ws.on('message', (data: Buffer, isBinary) => {
    if (!isBinary) {
      messages.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>);
      return;
    }
    const copy = new Uint8Array(data.byteLength - (data.byteLength % 2));
    copy.set(data.subarray(0, copy.length));
    audio.push({ atMs: performance.now(), rms: rms(new Int16Array(copy.buffer)) });
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const line: Line = {
    send: (f) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(Buffer.from(f.buffer, f.byteOffset, f.byteLength));
    },
    firstAudibleAfter: (after) => audio.find((a) => a.atMs > after && a.rms > AUDIBLE_RMS)?.atMs,
    messages,
    close: async () => {
      ws.close();
      await proxy.close();
    },
  };
  return { line, proxy };
}

/** Runs one call; never throws for a failed task (the result says why), only for a broken setup. */
export async function runImpairedCall(opts: ImpairedCallOptions): Promise<ImpairedCallResult> {
  const media = await createSession(opts);
  const opened =
    opts.transport === 'webrtc'
      ? await openWebRtc(opts, media.webrtc, media.token)
      : await openWebSocket(opts, media.websocket, media.token);
  const { line } = opened;
  const { frames, speechEndIndex } = frames16k(opts);
  const silent = new Int16Array(320);
  const replyTimeoutMs = opts.replyTimeoutMs ?? 30_000;
  const traceOf = () =>
    line.messages.find(
      (m): m is { type: 'turn_trace'; trace: TurnTrace } =>
        m.type === 'turn_trace' && ((m.trace as TurnTrace | undefined)?.turnId ?? 0) > 0,
    )?.trace;
  const ended = () => line.messages.find((m) => m.type === 'ended');
  let speechEndMs = 0;
  let framesSent = 0;
  try {
    // Real-time pacing against the clock: a late timer sends the frames it owes at once.
    const start = performance.now();
    for (let i = 0; ; i++) {
      if (i === speechEndIndex) speechEndMs = performance.now();
      line.send(frames[i] ?? silent);
      framesSent++;
      if (i >= speechEndIndex && (traceOf() || ended())) break;
      if (i >= speechEndIndex && performance.now() - speechEndMs > replyTimeoutMs) break;
      const wait = start + (i + 1) * FRAME_MS - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const trace = traceOf();
    const firstAudio = line.firstAudibleAfter(speechEndMs);
    const result: ImpairedCallResult = {
      framesSent,
      success: trace ? orderTaskDone(trace, opts.orderNumber) : false,
      ...(trace
        ? { userText: trace.userText, agentText: trace.agentText, serverTtfaMs: trace.ttfaMs }
        : { failure: ended() ? `session ended: ${String(ended()?.reason)}` : 'no reply in time' }),
      ...(firstAudio !== undefined ? { ttfaMs: firstAudio - speechEndMs } : {}),
    };
    if (trace && !result.success)
      result.failure = `task not done: heard "${trace.userText}", said "${trace.agentText}"`;
    if ('relay' in opened && opened.relay) {
      const { up, down, clients } = opened.relay;
      result.relay = { up: { ...up }, down: { ...down }, clients };
    }
    if ('proxy' in opened) result.stalls = opened.proxy.stats.stalls;
    return result;
  } finally {
    await line.close();
  }
}
