/**
 * The call over WebRTC: one sendrecv Opus transceiver and an "events" data channel; the offer
 * is posted with the session token once ICE gathering is complete (non-trickle).
 */
import { LevelMeter } from './level-meter.js';
import type { CallTransport, TransportCallbacks } from './transport.js';

export interface RtcCallOptions {
  mediaUrl: string;
  token: string;
  mic: MediaStream;
  audioElement: HTMLAudioElement;
  callbacks: TransportCallbacks;
  /** Give up on ICE gathering after this long and send what we have. Default 3000 ms. */
  gatherTimeoutMs?: number;
  /** The call fails (and the page falls back to WebSocket) if not connected this long after the answer. Default 10000 ms. */
  connectTimeoutMs?: number;
}

export class MediaRequestFailed extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startRtcCall(opts: RtcCallOptions): Promise<CallTransport> {
  const pc = new RTCPeerConnection({ iceServers: [] });
  const ctx = new AudioContext();
  let meter: LevelMeter | undefined;
  /** The agent's voice on its way to the speaker: closed on barge-in, so audio the browser still holds is not heard. */
  let voiceGate: GainNode | undefined;
  const [micTrack] = opts.mic.getAudioTracks();
  if (!micTrack) throw new Error('no microphone track');
  pc.addTransceiver(micTrack, { direction: 'sendrecv', streams: [opts.mic] });
  const events = pc.createDataChannel('events');
  events.onmessage = (e) => {
    try {
      opts.callbacks.onMessage(JSON.parse(String(e.data)));
    } catch {
      // Not JSON: ignore.
    }
  };
  pc.ontrack = (e) => {
    const stream = e.streams[0] ?? new MediaStream([e.track]);
    // Chrome only runs WebAudio on a remote stream that is also attached to a media element; the
    // element stays muted and the caller hears the stream through the gate.
    opts.audioElement.srcObject = stream;
    opts.audioElement.muted = true;
    void opts.audioElement.play().catch(() => undefined);
    voiceGate = ctx.createGain();
    ctx.createMediaStreamSource(stream).connect(voiceGate).connect(ctx.destination);
    meter = new LevelMeter(ctx, voiceGate);
  };
  pc.onconnectionstatechange = () => opts.callbacks.onConnection(pc.connectionState);
  await pc.setLocalDescription(await pc.createOffer());
  await waitForGathering(pc, opts.gatherTimeoutMs ?? 3000);
  const res = await fetch(opts.mediaUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/sdp', authorization: `Bearer ${opts.token}` },
    body: pc.localDescription?.sdp ?? '',
  });
  const text = await res.text();
  if (res.status !== 201) {
    pc.close();
    await ctx.close();
    let code = 'media_error';
    let message = text;
    try {
      const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
      code = body.error?.code ?? code;
      message = body.error?.message ?? message;
    } catch {
      // Plain text error.
    }
    throw new MediaRequestFailed(res.status, code, message);
  }
  await pc.setRemoteDescription({ type: 'answer', sdp: text });
  await ctx.resume().catch(() => undefined);
  try {
    await waitForConnection(pc, opts.connectTimeoutMs ?? 10_000);
  } catch (err) {
    pc.close();
    await ctx.close().catch(() => undefined);
    throw err;
  }

  const jitterSeen = { emitted: 0, delay: 0 };
  return {
    kind: 'webrtc',
    send: (message) => {
      if (events.readyState === 'open') events.send(JSON.stringify(message));
    },
    remoteRms: () => meter?.rms() ?? 0,
    playoutDelayMs: async () => {
      const stats = await pc.getStats();
      let ms: number | undefined;
      stats.forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'audio' && s.jitterBufferEmittedCount > 0) {
          // The buffer's delay since the last reading: the call-long average hides a buffer that grew.
          const emitted = s.jitterBufferEmittedCount - jitterSeen.emitted;
          const delay = s.jitterBufferDelay - jitterSeen.delay;
          ms =
            emitted > 0
              ? (1000 * delay) / emitted
              : (1000 * s.jitterBufferDelay) / s.jitterBufferEmittedCount;
          jitterSeen.emitted = s.jitterBufferEmittedCount;
          jitterSeen.delay = s.jitterBufferDelay;
        }
      });
      return ms === undefined ? undefined : ms + 1000 * (ctx.outputLatency || ctx.baseLatency || 0);
    },
    // The server flushes its own queue; what the browser's jitter buffer still holds is silenced here.
    flushPlayback: () => {
      voiceGate?.gain.setValueAtTime(0, ctx.currentTime);
    },
    resumePlayback: () => {
      voiceGate?.gain.setValueAtTime(1, ctx.currentTime);
    },
    close: async () => {
      if (events.readyState === 'open') {
        events.send(JSON.stringify({ type: 'hangup' }));
        await new Promise((r) => setTimeout(r, 100));
      }
      pc.close();
      await ctx.close().catch(() => undefined);
    },
  };
}

function waitForGathering(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

function waitForConnection(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (pc.connectionState === 'connected') done();
      else if (pc.connectionState === 'failed' || pc.connectionState === 'closed')
        done(new Error('WebRTC connection failed'));
    };
    const done = (err?: Error) => {
      clearTimeout(timer);
      pc.removeEventListener('connectionstatechange', check);
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => done(new Error('WebRTC did not connect in time')), timeoutMs);
    pc.addEventListener('connectionstatechange', check);
    check();
  });
}
