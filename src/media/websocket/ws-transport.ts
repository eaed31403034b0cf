/**
 * The WebSocket fallback: one socket per session, binary frames of 16-bit PCM at 16 kHz both
 * ways, JSON text frames for control and events. Bad messages get an error message; the socket
 * and the session survive them. Closing the socket closes the session.
 */
import type { WebSocket } from 'ws';
import type { Clock } from '../../clock.js';
import type { SessionApi } from '../../conversation/api.js';
import { AgentAudioOut } from '../agent-audio-out.js';
import { type OutboundMessage, parseControlMessage } from '../control-messages.js';
import { SessionLink } from '../session-link.js';
import { encodeAudioMessage, parseAudioMessage } from './audio-message.js';

export interface WebSocketTransportOptions {
  clock: Clock;
  /** The client's playback buffer estimate until it reports its own. Default 120 ms. */
  clientBufferMs?: number;
}

export class WebSocketTransport {
  private readonly audioOut: AgentAudioOut;
  readonly link: SessionLink;

  constructor(
    private readonly socket: WebSocket,
    session: SessionApi,
    opts: WebSocketTransportOptions,
  ) {
    this.audioOut = new AgentAudioOut({
      clock: opts.clock,
      sessionId: session.id,
      transport: 'websocket',
      send: (frame) => {
        if (socket.readyState !== socket.OPEN) return false;
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
          if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) {
            socket.close(1000, reason.slice(0, 100));
          }
        },
      },
      { clock: opts.clock, transport: 'websocket', clientBufferMs: opts.clientBufferMs ?? 120 },
    );
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    socket.on('close', () => {
      this.audioOut.close();
      void this.link.close('disconnected');
    });
    socket.on('error', () => {
      this.audioOut.close();
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
