/**
 * The WebSocket fallback: one socket per session, binary frames of 16-bit PCM at 16 kHz both
 * ways, JSON text frames for control and events. Bad messages get an error message; the socket
 * and the session survive them. Closing the socket closes the session.
 */
import type { WebSocket } from 'ws';
import type { AudioFrame } from '../../audio/frame.js';
import type { Clock } from '../../clock.js';
import type { SessionApi } from '../../conversation/api.js';
import { publishAgentAudio } from '../diagnostics.js';
import { type OutboundMessage, parseControlMessage } from '../control-messages.js';
import { PacedSender } from '../paced-sender.js';
import { SessionLink } from '../session-link.js';
import { encodeAudioMessage, parseAudioMessage } from './audio-message.js';

export interface WebSocketTransportOptions {
  clock: Clock;
  /** The client's playback buffer estimate until it reports its own. Default 120 ms. */
  clientBufferMs?: number;
}

export class WebSocketTransport {
  private readonly sender: PacedSender<AudioFrame>;
  readonly link: SessionLink;

  constructor(
    private readonly socket: WebSocket,
    session: SessionApi,
    opts: WebSocketTransportOptions,
  ) {
    this.sender = new PacedSender<AudioFrame>({
      clock: opts.clock,
      send: (frame) => {
        if (socket.readyState !== socket.OPEN) return;
        socket.send(encodeAudioMessage(frame.samples));
        publishAgentAudio({
          kind: 'sent',
          sessionId: session.id,
          transport: 'websocket',
          atMs: performance.now(),
        });
      },
    });
    this.link = new SessionLink(
      session,
      {
        sendMessage: (m) => this.sendJson(m),
        sendAgentAudio: (frame) => this.sender.enqueue(frame),
        flushAgentAudio: () => {
          const droppedFrames = this.sender.flush();
          publishAgentAudio({
            kind: 'flushed',
            sessionId: session.id,
            transport: 'websocket',
            atMs: performance.now(),
            droppedFrames,
          });
        },
        queuedAgentAudioMs: () => this.sender.queuedFrames * 20,
        closeTransport: (reason) => {
          this.sender.close();
          if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) {
            socket.close(1000, reason.slice(0, 100));
          }
        },
      },
      { clock: opts.clock, transport: 'websocket', clientBufferMs: opts.clientBufferMs ?? 120 },
    );
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    socket.on('close', () => {
      this.sender.close();
      void this.link.close('disconnected');
    });
    socket.on('error', () => {
      this.sender.close();
      void this.link.close('disconnected');
    });
    this.link.startSession();
  }

  private onMessage(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    const bytes = toBytes(data);
    if (isBinary) {
      const parsed = parseAudioMessage(bytes);
      if (parsed.ok) this.link.pushCallerSamples(parsed.samples);
      else this.link.sendError(parsed.code, parsed.message);
      return;
    }
    const parsed = parseControlMessage(Buffer.from(bytes).toString('utf8'));
    if (parsed.ok) this.link.handleControl(parsed.message);
    else this.link.sendError(parsed.code, parsed.message);
  }

  private sendJson(message: OutboundMessage): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(JSON.stringify(message));
  }
}

function toBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
