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
}

export async function startWsCall(opts: WsCallOptions): Promise<CallTransport> {
  const ctx = new AudioContext({ sampleRate: RATE });
  await ctx.resume().catch(() => undefined);
  const output = ctx.createGain();
  output.connect(ctx.destination);
  const meter = new LevelMeter(ctx, output);
  const schedule = new PlaybackSchedule();
  const playing = new Set<AudioBufferSourceNode>();

  const url = `${opts.wsUrl}?token=${encodeURIComponent(opts.token)}`;
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  opts.callbacks.onConnection('connecting');
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error('WebSocket connection failed'));
  });
  opts.callbacks.onConnection('connected');
  ws.onclose = () => opts.callbacks.onConnection('closed');
  ws.onmessage = (e) => {
    if (typeof e.data === 'string') {
      try {
        opts.callbacks.onMessage(JSON.parse(e.data));
      } catch {
        // Not JSON: ignore.
      }
      return;
    }
    play(new Int16Array(e.data as ArrayBuffer));
  };

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

  const flushPlayback = () => {
    for (const s of playing) s.stop();
    playing.clear();
    schedule.reset();
  };

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
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'hangup' }));
      flushPlayback();
      setTimeout(() => ws.close(), 100);
      mic.disconnect();
      await ctx.close().catch(() => undefined);
    },
  };
}
