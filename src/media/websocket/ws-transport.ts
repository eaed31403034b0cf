/**
 * The WebSocket fallback: one socket per session, binary frames of 16-bit PCM at 16 kHz both
 * ways, JSON text frames for control and events. Bad messages get an error message; the socket
 * and the session survive them. Closing the socket closes the session.
 */
import type { WebSocket } from 'ws';
import { SESSION_SAMPLE_RATE } from '../../audio/frame.js';
import type { Clock } from '../../clock.js';
import type { SessionApi } from '../../conversation/api.js';
import { AgentAudioOut } from '../agent-audio-out.js';
import { type OutboundMessage, parseControlFrame } from '../control-messages.js';
import { AUDIO_TOO_FAST, InputPacer } from '../input-pacer.js';
import { SessionLink, type SessionLinkOptions } from '../session-link.js';
import type { WebSocketTuning } from '../media-tuning.js';
import { encodeAudioMessage, parseAudioMessage } from './audio-message.js';
import { type WsDeadReason, WsLiveness } from './ws-liveness.js';

export interface WebSocketTransportOptions extends WebSocketTuning {
  clock: Clock;
  /** The client's playback buffer estimate until it reports its own. Default 120 ms. */
  clientBufferMs?: number;
  /** Resume token for `hello` and what to do when the socket drops abnormally (see SessionLink). */
  link?: Pick<SessionLinkOptions, 'resumeToken' | 'onLost'>;
}

/** Close codes of a client that meant to leave (normal, going away, a close frame without a code). */
const CLIENT_LEFT = new Set([1000, 1001, 1005]);

export class WebSocketTransport {
  private readonly audioOut: AgentAudioOut;
  private readonly liveness: WsLiveness;
  private readonly pacer: InputPacer;
  readonly link: SessionLink;

  constructor(
    private readonly socket: WebSocket,
    session: SessionApi,
    opts: WebSocketTransportOptions,
  ) {
    this.pacer = new InputPacer({
      clock: opts.clock,
      ...(opts.inputBurstMs !== undefined ? { burstMs: opts.inputBurstMs } : {}),
    });
    this.liveness = new WsLiveness(socket, opts.clock, opts.liveness ?? {}, (reason, message) =>
      this.onDead(reason, message),
    );
    this.audioOut = new AgentAudioOut({
      clock: opts.clock,
      sessionId: session.id,
      transport: 'websocket',
      send: (frame) => {
        if (socket.readyState !== socket.OPEN) return false;
        // A client that stopped reading gets no more audio: server memory stays bounded.
        if (!this.liveness.mayQueueAudio() || !this.liveness.maySend(frame.samples.byteLength)) return false;
        socket.send(encodeAudioMessage(frame.samples));
        return true;
      },
    });
    this.link = new SessionLink(
      session,
      {
        sendMessage: (m) => this.sendJson(m),
        sendAgentAudio: (frame) => this.audioOut.enqueue(frame),
        flushAgentAudio: () => this.audioOut.flush(),
        queuedAgentAudioMs: () => this.audioOut.queuedMs(),
        closeTransport: (reason) => {
          this.audioOut.close();
          this.liveness.close();
          if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) {
            socket.close(1000, reason.slice(0, 100));
          }
        },
      },
      {
        clock: opts.clock,
        transport: 'websocket',
        clientBufferMs: opts.clientBufferMs ?? 120,
        ...opts.link,
      },
    );
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    socket.on('close', (code: number) => {
      this.audioOut.close();
      this.liveness.close();
      // A client that closed on purpose hung up; a cut connection (1006…) may come back with its resume token.
      if (CLIENT_LEFT.has(code)) void this.link.close('disconnected');
      else this.link.lost('disconnected');
    });
    socket.on('error', () => {
      this.audioOut.close();
      this.liveness.close();
      this.link.lost('disconnected');
    });
    this.link.startSession();
  }

  private onMessage(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    const bytes = toBytes(data);
    if (isBinary) {
      this.liveness.audioReceived();
      const parsed = parseAudioMessage(bytes);
      if (!parsed.ok) this.link.sendError(parsed.code, parsed.message);
      else this.pushCallerSamples(parsed.samples);
      return;
    }
    // Bad UTF-8 is refused by the parser, not by ws (socket-limits.ts), so it never ends the call.
    const parsed = parseControlFrame(bytes);
    if (parsed.ok) this.link.handleControl(parsed.message);
    else this.link.sendError(parsed.code, parsed.message);
  }

  /** Caller audio held to real time plus the burst allowance; the excess is dropped, reported once. */
  private pushCallerSamples(samples: Int16Array): void {
    const decision = this.pacer.admit((samples.length * 1000) / SESSION_SAMPLE_RATE);
    if (decision.accept) this.link.pushCallerSamples(samples);
    else if (decision.report) this.link.sendError(AUDIO_TOO_FAST, this.pacer.message());
  }

  /** A client gone without closing: dropped abnormally, so a resume can still take the session. */
  private onDead(reason: WsDeadReason, message: string): void {
    // A silent client is still listening: tell it why. A frozen or non-reading one would not read it.
    if (reason === 'no_audio') this.link.sendError(reason, message);
    this.link.lost(reason);
    // No close handshake with a client that does not read: free the socket and its buffer now.
    if (reason !== 'no_audio') this.socket.terminate();
  }

  private sendJson(message: OutboundMessage): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    const text = JSON.stringify(message);
    if (!this.liveness.maySend(text.length)) return;
    this.socket.send(text);
  }
}

function toBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
