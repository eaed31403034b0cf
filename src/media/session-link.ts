/**
 * Binds one SessionApi to one transport: caller audio in as 20 ms frames on the session
 * timeline, agent audio and events out, client control messages applied, one close path.
 */
import { FRAME_MS, type AudioFrame, SESSION_SAMPLE_RATE } from '../audio/frame.js';
import { Reframer } from '../audio/reframer.js';
import type { Clock } from '../clock.js';
import type { SessionApi } from '../conversation/api.js';
import type { ClientMessage, OutboundMessage } from './control-messages.js';

export interface MediaSink {
  /** Serialises and sends one message to the client (best effort). */
  sendMessage(message: OutboundMessage): void;
  /** Queues one 16 kHz agent frame for paced sending. */
  sendAgentAudio(frame: AudioFrame): void;
  /** Drops queued agent audio (barge-in). */
  flushAgentAudio(): void;
  /** Agent audio queued on the server, in ms. */
  queuedAgentAudioMs(): number;
  /** Ends the connection (after the session ended). */
  closeTransport(reason: string): void;
}

export interface SessionLinkOptions {
  /** The transport's clock: tells a stall in caller audio from steady flow. */
  clock: Clock;
  transport: 'webrtc' | 'websocket';
  /** Estimated audio between our send and the caller's ear before the client reports it. */
  clientBufferMs: number;
  /** A pause in caller audio longer than this re-anchors media time instead of running on. Default 1000. */
  maxStallMs?: number;
  /** Sent in `hello`: the token this client resumes with after a drop (see resume.ts). */
  resumeToken?: string;
  /**
   * The connection dropped abnormally (`lost`). Given: the session lives on, detached, and this is
   * called. Absent: the session ends with `reason`.
   */
  onLost?: (reason: string) => void;
}

const FRAME_SAMPLES = (SESSION_SAMPLE_RATE * FRAME_MS) / 1000;

/** Sessions whose start() has been called by a transport (start once per session). */
const started = new WeakSet<SessionApi>();

export class SessionLink {
  private readonly reframer = new Reframer(FRAME_SAMPLES);
  private readonly unsubscribe: (() => void)[] = [];
  private nextStartMs: number | undefined;
  private lastPushLocalMs = 0;
  private clientBufferMs: number;
  private reportedLatencyMs = -1;
  private closed = false;
  private readonly maxStallMs: number;

  constructor(
    readonly session: SessionApi,
    private readonly sink: MediaSink,
    private readonly opts: SessionLinkOptions,
  ) {
    this.clientBufferMs = opts.clientBufferMs;
    this.maxStallMs = opts.maxStallMs ?? 1000;
    this.unsubscribe.push(
      session.onEvent((event) => {
        if (event.type === 'interrupted') this.sink.flushAgentAudio();
        this.sink.sendMessage(event);
        if (event.type === 'ended') this.detach(event.reason);
      }),
      session.onAgentAudio((frame) => {
        this.sink.sendAgentAudio(frame);
        this.updateOutputLatency();
      }),
    );
    this.sink.sendMessage({
      type: 'hello',
      sessionId: session.id,
      transport: opts.transport,
      sessionTimeMs: this.sessionNow(),
      ...(opts.resumeToken ? { resumeToken: opts.resumeToken } : {}),
    });
    this.updateOutputLatency();
  }

  /** Session time now: the session's own clock, which caller frames must be dated on. */
  sessionNow(): number {
    return this.session.now();
  }

  /** Starts the session's own work (greeting…) once media flows; once per session. */
  startSession(): void {
    if (started.has(this.session) || this.closed) return;
    started.add(this.session);
    this.session.start();
  }

  /** Caller audio, 16 kHz mono, any length: re-chunked into 20 ms frames with continuous media time. */
  pushCallerSamples(samples: Int16Array): void {
    if (this.closed || samples.length === 0) return;
    const localNow = this.opts.clock.now();
    const stalled = localNow - this.lastPushLocalMs > this.maxStallMs;
    this.lastPushLocalMs = localNow;
    for (const chunk of this.reframer.push(samples)) {
      // Anchored on a whole millisecond so later frames stay exactly FRAME_MS apart (no float drift).
      if (this.nextStartMs === undefined || stalled)
        this.nextStartMs = Math.max(0, Math.round(this.sessionNow()) - FRAME_MS);
      const frame: AudioFrame = {
        samples: chunk,
        sampleRate: SESSION_SAMPLE_RATE,
        startMs: this.nextStartMs,
      };
      this.nextStartMs += FRAME_MS;
      this.session.pushAudio(frame);
    }
  }

  handleControl(message: ClientMessage): void {
    if (this.closed) return;
    switch (message.type) {
      case 'heard':
        this.session.reportHeard(message.turnId, message.atMs);
        break;
      case 'latency':
        this.clientBufferMs = message.ms;
        this.updateOutputLatency();
        break;
      case 'ping':
        this.sink.sendMessage({ type: 'pong', id: message.id, sessionTimeMs: this.sessionNow() });
        break;
      case 'hangup':
        void this.close('hangup');
        break;
    }
  }

  sendError(code: string, message: string): void {
    this.sink.sendMessage({ type: 'media_error', code, message });
  }

  /** Closes the session (which emits `ended` and so closes the transport). Idempotent. */
  async close(reason: string): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.session.close(reason);
    } finally {
      this.detach(reason);
    }
  }

  /**
   * The connection dropped without a hang-up (socket cut, ICE failed): detaches so a resume can
   * take the session over, or ends the session when nobody offered to wait. Idempotent.
   */
  lost(reason: string): void {
    if (this.closed) return;
    if (!this.opts.onLost) {
      void this.close(reason);
      return;
    }
    this.detach(reason);
    this.opts.onLost(reason);
  }

  /** Closes the transport and stops following the session, which lives on (another connection took it). */
  drop(reason: string): void {
    if (this.closed) return;
    this.detach(reason);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private detach(reason: string): void {
    this.closed = true;
    for (const off of this.unsubscribe.splice(0)) off();
    this.sink.closeTransport(reason);
  }

  private updateOutputLatency(): void {
    const ms = Math.round(this.clientBufferMs + this.sink.queuedAgentAudioMs());
    if (Math.abs(ms - this.reportedLatencyMs) < 10) return;
    this.reportedLatencyMs = ms;
    this.session.setOutputLatencyMs(ms);
  }
}
