/**
 * Notices a WebSocket caller that is gone without closing: frozen (no pong to our pings),
 * silent (no audio frames), or no longer reading (our send buffer only grows). Each ends the
 * connection through `onDead(reason, message)`; the transport closes the socket with that reason.
 * Timing runs on the injected clock, so the rules are tested on a virtual one.
 */
import type { Clock } from '../../clock.js';

export type WsDeadReason = 'heartbeat_timeout' | 'no_audio' | 'send_buffer_full';

export interface WsLivenessOptions {
  /** Interval between WebSocket pings; 0 turns heartbeats off. Default 5000 ms. */
  heartbeatMs?: number;
  /** Consecutive pings left without a pong before the client counts as gone. Default 2. */
  missedPongs?: number;
  /** A connected client that sends no audio frame for this long is closed; 0 turns it off. Default 30000 ms. */
  noAudioTimeoutMs?: number;
  /**
   * Agent audio is dropped while more than this is waiting in the send buffer (a client that
   * stopped reading gets no more; one that catches up gets fresh audio). Default 160000 bytes (5 s of PCM).
   */
  audioBufferBytes?: number;
  /** A send buffer above `audioBufferBytes` for this long closes the connection. Default 10000 ms. */
  sendBufferTimeoutMs?: number;
  /** A send buffer above this closes the connection at once: the memory bound per client. Default 1 MiB. */
  maxSendBufferBytes?: number;
}

/** What the rules need of a socket (the `ws` WebSocket has it). */
export interface LivenessSocket {
  readonly bufferedAmount: number;
  ping(): void;
  on(event: 'pong', listener: () => void): unknown;
}

export const WS_LIVENESS_DEFAULTS = {
  heartbeatMs: 5000,
  missedPongs: 2,
  noAudioTimeoutMs: 30_000,
  audioBufferBytes: 160_000,
  sendBufferTimeoutMs: 10_000,
  maxSendBufferBytes: 1024 * 1024,
} as const satisfies Required<WsLivenessOptions>;

export class WsLiveness {
  private readonly o: Required<WsLivenessOptions>;
  private readonly stop = new AbortController();
  private readonly checkMs: number;
  /** Time without audio, counted in check steps of at most 2 × checkMs (see check()). */
  private silentMs = 0;
  private lastCheckMs: number;
  private unanswered = 0;
  private pongSeen = true;
  private overSinceMs: number | undefined;
  private dead = false;
  /** Agent audio frames dropped because the client was not reading. */
  droppedAudioFrames = 0;

  constructor(
    private readonly socket: LivenessSocket,
    private readonly clock: Clock,
    opts: WsLivenessOptions,
    private readonly onDead: (reason: WsDeadReason, message: string) => void,
  ) {
    this.o = { ...WS_LIVENESS_DEFAULTS, ...stripUndefined(opts) };
    this.lastCheckMs = clock.now();
    socket.on('pong', () => {
      this.pongSeen = true;
      this.unanswered = 0;
    });
    if (this.o.heartbeatMs > 0) void this.every(this.o.heartbeatMs, () => this.heartbeat());
    this.checkMs = Math.max(
      10,
      Math.min(1000, this.o.noAudioTimeoutMs / 4 || 1000, this.o.sendBufferTimeoutMs / 4 || 1000),
    );
    void this.every(this.checkMs, () => this.check());
  }

  /** An audio frame arrived from the client (accepted or not). */
  audioReceived(): void {
    this.silentMs = 0;
  }

  /** Whether one more agent audio frame may be queued; false drops it. */
  mayQueueAudio(): boolean {
    if (this.socket.bufferedAmount <= this.o.audioBufferBytes) return true;
    this.droppedAudioFrames++;
    this.check();
    return false;
  }

  /** Whether `bytes` more may be queued without passing the memory bound; false ends the connection. */
  maySend(bytes: number): boolean {
    if (this.socket.bufferedAmount + bytes <= this.o.maxSendBufferBytes) return true;
    this.die(
      'send_buffer_full',
      `the client is not reading: more than ${this.o.maxSendBufferBytes} bytes are waiting to be sent`,
    );
    return false;
  }

  close(): void {
    this.stop.abort();
  }

  private heartbeat(): void {
    // A pong still owed from the last ping is one miss; a stalled event loop costs at most one.
    if (!this.pongSeen) this.unanswered++;
    if (this.unanswered >= this.o.missedPongs) {
      this.die(
        'heartbeat_timeout',
        `no pong to ${this.unanswered} pings sent every ${this.o.heartbeatMs} ms: the client is gone`,
      );
      return;
    }
    this.pongSeen = false;
    try {
      this.socket.ping();
    } catch {
      // The socket is closing; its close event ends the call.
    }
  }

  private check(): void {
    if (this.dead) return;
    const now = this.clock.now();
    // A stalled event loop runs this check before the messages that waited behind it: the stall
    // must not count as the client's silence.
    this.silentMs += Math.min(2 * this.checkMs, Math.max(0, now - this.lastCheckMs));
    this.lastCheckMs = now;
    if (this.o.noAudioTimeoutMs > 0 && this.silentMs >= this.o.noAudioTimeoutMs) {
      this.die(
        'no_audio',
        `no audio frames for ${this.o.noAudioTimeoutMs} ms: send microphone audio continuously (silence too)`,
      );
      return;
    }
    const buffered = this.socket.bufferedAmount;
    if (buffered > this.o.maxSendBufferBytes) {
      this.die('send_buffer_full', `the client is not reading: ${buffered} bytes are waiting to be sent`);
      return;
    }
    if (buffered <= this.o.audioBufferBytes) {
      this.overSinceMs = undefined;
      return;
    }
    this.overSinceMs ??= now;
    if (now - this.overSinceMs >= this.o.sendBufferTimeoutMs) {
      this.die(
        'send_buffer_full',
        `the client is not reading: over ${this.o.audioBufferBytes} bytes waiting for ${this.o.sendBufferTimeoutMs} ms`,
      );
    }
  }

  private die(reason: WsDeadReason, message: string): void {
    if (this.dead) return;
    this.dead = true;
    this.stop.abort();
    this.onDead(reason, message);
  }

  private async every(ms: number, fn: () => void): Promise<void> {
    try {
      while (!this.stop.signal.aborted) {
        await this.clock.sleep(ms, this.stop.signal);
        fn();
      }
    } catch {
      // Stopped.
    }
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
