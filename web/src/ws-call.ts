/**
 * The call over one WebSocket: microphone captured at 16 kHz (AudioWorklet, ScriptProcessor
 * where worklets are missing) and sent as 20 ms 16-bit PCM frames; agent PCM played through a
 * bounded schedule; JSON text frames for events and control.
 */
import { LevelMeter } from './level-meter.js';
import { PlaybackSchedule } from './playback-schedule.js';
import type { CallTransport, TransportCallbacks } from './transport.js';

const RATE = 16_000;
const FRAME_SAMPLES = 320;

/** Posts each 128-sample render quantum to the main thread. */
const CAPTURE_WORKLET = `
class PcmCapture extends AudioWorkletProcessor {
  process(inputs) {
    const ch = inputs[0] && inputs[0][0];
    if (ch) this.port.postMessage(ch.slice(0));
    return true;
  }
}
registerProcessor('pcm-capture', PcmCapture);
`;

export interface WsCallOptions {
  wsUrl: string;
  token: string;
  mic: MediaStream;
  callbacks: TransportCallbacks;
  /** After a dropped connection, keep trying to resume this long (the server's grace). Default 15000 ms. */
  resumeWithinMs?: number;
}

export async function startWsCall(opts: WsCallOptions): Promise<CallTransport> {
  const ctx = new AudioContext({ sampleRate: RATE });
  await ctx.resume().catch(() => undefined);
  const output = ctx.createGain();
  output.connect(ctx.destination);
  const meter = new LevelMeter(ctx, output);
  const schedule = new PlaybackSchedule();
  const playing = new Set<AudioBufferSourceNode>();

  /** The token that gets this call back after a drop: each connection's `hello` brings a new one. */
  let resumeToken: string | undefined;
  /** Hung up or ended: a close is final, not a drop. */
  let finished = false;
  const onMessage = (e: MessageEvent) => {
    if (typeof e.data === 'string') {
      try {
        const message = JSON.parse(e.data) as Record<string, unknown>;
        if (message.type === 'hello' && typeof message.resumeToken === 'string')
          resumeToken = message.resumeToken;
        if (message.type === 'ended') finished = true;
        opts.callbacks.onMessage(message);
      } catch {
        // Not JSON: ignore.
      }
      return;
    }
    play(new Int16Array(e.data as ArrayBuffer));
  };
  const open = (url: string) =>
    new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.binaryType = 'arraybuffer';
      socket.onopen = () => resolve(socket);
      socket.onerror = () => reject(new Error('WebSocket connection failed'));
    });
  const wire = (socket: WebSocket) => {
    socket.onmessage = onMessage;
    socket.onerror = null;
    socket.onclose = (e) => {
      if (socket !== ws) return;
      // 1000 is the server ending the call (or replacing this connection); anything else is a drop.
      if (finished || e.code === 1000 || !resumeToken) opts.callbacks.onConnection('closed');
      else void reconnect();
    };
  };
  /** Retries with backoff until the server's grace period is over; the session waits for us meanwhile. */
  const reconnect = async () => {
    opts.callbacks.onConnection('reconnecting');
    flushPlayback();
    const deadline = performance.now() + (opts.resumeWithinMs ?? 15_000);
    for (
      let delayMs = 250;
      !finished && performance.now() < deadline;
      delayMs = Math.min(2000, delayMs * 2)
    ) {
      await new Promise((r) => setTimeout(r, delayMs));
      if (finished || !resumeToken) break;
      try {
        const socket = await open(`${opts.wsUrl}?resume=${encodeURIComponent(resumeToken)}`);
        ws = socket;
        wire(socket);
        opts.callbacks.onConnection('connected');
        return;
      } catch {
        // Still offline, or refused: try again until the deadline.
      }
    }
    if (!finished) opts.callbacks.onConnection('closed');
  };

  opts.callbacks.onConnection('connecting');
  let ws = await open(`${opts.wsUrl}?token=${encodeURIComponent(opts.token)}`);
  wire(ws);
  opts.callbacks.onConnection('connected');

  const play = (pcm: Int16Array) => {
    const buffer = ctx.createBuffer(1, pcm.length, RATE);
    const data = buffer.getChannelData(0);
    for (let i = 0; i < pcm.length; i++) data[i] = (pcm[i] as number) / 32768;
    const at = schedule.place(ctx.currentTime, buffer.duration);
    if (at === undefined) return;
    const source = ctx.createBufferSource();
    source.buffer = buffer;
    source.connect(output);
    source.onended = () => playing.delete(source);
    playing.add(source);
    source.start(at);
  };

  // Capture: accumulate render quanta into 20 ms frames.
  const pending = new Int16Array(FRAME_SAMPLES);
  let filled = 0;
  const capture = (block: Float32Array) => {
    for (const v of block) {
      pending[filled++] = Math.max(-32768, Math.min(32767, Math.round(v * 32767)));
      if (filled === FRAME_SAMPLES) {
        if (ws.readyState === WebSocket.OPEN) ws.send(pending.slice().buffer);
        filled = 0;
      }
    }
  };
  const mic = ctx.createMediaStreamSource(opts.mic);
  let captureNode: AudioNode;
  if (ctx.audioWorklet) {
    const moduleUrl = URL.createObjectURL(new Blob([CAPTURE_WORKLET], { type: 'text/javascript' }));
    await ctx.audioWorklet.addModule(moduleUrl);
    URL.revokeObjectURL(moduleUrl);
    const node = new AudioWorkletNode(ctx, 'pcm-capture');
    node.port.onmessage = (e) => capture(e.data as Float32Array);
    captureNode = node;
  } else {
    const node = ctx.createScriptProcessor(1024, 1, 1);
    node.onaudioprocess = (e) => capture(e.inputBuffer.getChannelData(0));
    captureNode = node;
  }
  // The capture node must reach the destination to be pulled; a muted gain keeps the mic inaudible.
  const mute = ctx.createGain();
  mute.gain.value = 0;
  mic.connect(captureNode).connect(mute).connect(ctx.destination);

  function flushPlayback(): void {
    for (const s of playing) s.stop();
    playing.clear();
    schedule.reset();
  }

  return {
    kind: 'websocket',
    send: (message) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
    },
    remoteRms: () => meter.rms(),
    playoutDelayMs: async () =>
      schedule.bufferedMs(ctx.currentTime) + 1000 * (ctx.outputLatency || ctx.baseLatency || 0),
    flushPlayback,
    close: async () => {
      finished = true;
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'hangup' }));
      flushPlayback();
      setTimeout(() => ws.close(), 100);
      mic.disconnect();
      await ctx.close().catch(() => undefined);
    },
  };
}
