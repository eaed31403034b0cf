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
  /** After the connection drops, keep trying to resume this long (the server's grace). Default 15000 ms. */
  resumeWithinMs?: number;
  /** The page pings the server on the events channel this often once it opened. Default 500 ms. */
  pingIntervalMs?: number;
  /**
   * Nothing from the server this long (it answers every ping) means the connection is lost, and the
   * page resumes at once. Chromium's ICE alone takes 5–7 s to call a dead path "disconnected",
   * while the caller talks into it. Default 2000 ms.
   */
  silenceTimeoutMs?: number;
}

/** Response header carrying the token that gets this call back after a drop. */
const RESUME_HEADER = 'parley-resume-token';

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
  const ctx = new AudioContext();
  let meter: LevelMeter | undefined;
  /** The agent's voice on its way to the speaker: closed on barge-in, so audio the browser still holds is not heard. */
  let voiceGate: GainNode | undefined;
  const [micTrack] = opts.mic.getAudioTracks();
  if (!micTrack) throw new Error('no microphone track');
  /** The token that gets this call back after a drop (answer header, then each `hello`). */
  let resumeToken: string | undefined;
  let finished = false;
  let pc: RTCPeerConnection;
  let events: RTCDataChannel;
  /** When the oldest ping the server has not answered yet went out (any message answers it). */
  let unansweredSinceMs: number | undefined;

  /** One peer connection, offered with `token`: the session token first, a resume token after a drop. */
  const negotiate = async (token: string): Promise<void> => {
    const peer = new RTCPeerConnection({ iceServers: [] });
    peer.addTransceiver(micTrack, { direction: 'sendrecv', streams: [opts.mic] });
    const channel = peer.createDataChannel('events');
    channel.onmessage = (e) => {
      if (peer !== pc) return;
      unansweredSinceMs = undefined;
      try {
        const message = JSON.parse(String(e.data)) as Record<string, unknown>;
        // Answers to our own liveness pings.
        if (message.type === 'pong') return;
        if (message.type === 'hello' && typeof message.resumeToken === 'string')
          resumeToken = message.resumeToken;
        if (message.type === 'ended') finished = true;
        opts.callbacks.onMessage(message);
      } catch {
        // Not JSON: ignore.
      }
    };
    peer.ontrack = (e) => onTrack(e);
    try {
      await peer.setLocalDescription(await peer.createOffer());
      await waitForGathering(peer, opts.gatherTimeoutMs ?? 3000);
      const res = await fetch(opts.mediaUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/sdp', authorization: `Bearer ${token}` },
        body: peer.localDescription?.sdp ?? '',
      });
      const text = await res.text();
      if (res.status !== 201) throw failure(res.status, text);
      resumeToken = res.headers.get(RESUME_HEADER) ?? resumeToken;
      pc = peer;
      events = channel;
      unansweredSinceMs = undefined;
      await peer.setRemoteDescription({ type: 'answer', sdp: text });
      await waitForConnection(peer, opts.connectTimeoutMs ?? 10_000);
      peer.onconnectionstatechange = () => onState(peer);
    } catch (err) {
      peer.close();
      throw err;
    }
  };

  /** A drop (ICE failed, or disconnected for a while): resume on a new peer connection with the resume token. */
  let reconnecting = false;
  let disconnectTimer: number | undefined;
  const onState = (peer: RTCPeerConnection) => {
    if (peer !== pc || finished) return;
    const state = peer.connectionState;
    window.clearTimeout(disconnectTimer);
    if (state === 'failed' || state === 'closed') void reconnect();
    else if (state === 'disconnected') disconnectTimer = window.setTimeout(() => void reconnect(), 1500);
    else opts.callbacks.onConnection(state);
  };
  const reconnect = async () => {
    if (reconnecting || finished) return;
    reconnecting = true;
    opts.callbacks.onConnection('reconnecting');
    const old = pc;
    const deadline = performance.now() + (opts.resumeWithinMs ?? 15_000);
    try {
      for (
        let delayMs = 250;
        !finished && performance.now() < deadline;
        delayMs = Math.min(2000, delayMs * 2)
      ) {
        await new Promise((r) => setTimeout(r, delayMs));
        if (!resumeToken) break;
        try {
          await negotiate(resumeToken);
          old.close();
          opts.callbacks.onConnection('connected');
          return;
        } catch (err) {
          // 401/409/410: the session is gone or someone else resumed it; retrying cannot help.
          if (err instanceof MediaRequestFailed && err.status !== 503) break;
        }
      }
      if (!finished) opts.callbacks.onConnection('closed');
    } finally {
      reconnecting = false;
    }
  };

  const onTrack = (e: RTCTrackEvent) => {
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
  opts.callbacks.onConnection('connecting');
  try {
    await negotiate(opts.token);
  } catch (err) {
    await ctx.close().catch(() => undefined);
    throw err;
  }
  await ctx.resume().catch(() => undefined);
  opts.callbacks.onConnection('connected');

  // Pings the server: one unanswered for `silenceTimeoutMs` means a dead path, noticed long before
  // ICE gives up. Timed from the ping, so a throttled (background) page is not fooled by late timers.
  let pingId = 0;
  const silenceTimeoutMs = opts.silenceTimeoutMs ?? 2000;
  const pingTimer = window.setInterval(() => {
    if (finished || reconnecting || events.readyState !== 'open') return;
    const now = performance.now();
    if (unansweredSinceMs !== undefined && now - unansweredSinceMs > silenceTimeoutMs) {
      void reconnect();
      return;
    }
    events.send(JSON.stringify({ type: 'ping', id: ++pingId }));
    unansweredSinceMs ??= now;
  }, opts.pingIntervalMs ?? 500);

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
      finished = true;
      window.clearTimeout(disconnectTimer);
      window.clearInterval(pingTimer);
      if (events.readyState === 'open') {
        events.send(JSON.stringify({ type: 'hangup' }));
        await new Promise((r) => setTimeout(r, 100));
      }
      pc.close();
      await ctx.close().catch(() => undefined);
    },
  };
}

function failure(status: number, text: string): MediaRequestFailed {
  let code = 'media_error';
  let message = text;
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    code = body.error?.code ?? code;
    message = body.error?.message ?? message;
  } catch {
    // Plain text error.
  }
  return new MediaRequestFailed(status, code, message);
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
