/**
 * One OpenAI Realtime API connection bridged onto one Parley session: client events in, session
 * events and agent audio out as Realtime server events (GA names). The event shapes follow
 * https://platform.openai.com/docs/api-reference/realtime-client-events and
 * https://platform.openai.com/docs/api-reference/realtime-server-events; docs/realtime.md lists
 * which are supported and how each maps onto the session.
 *
 * This file only wires the parts: client-events.ts (client events in), input.ts (the caller's
 * audio and user items), responses.ts (the agent's replies), session-config.ts, server-events.ts.
 * Closing the socket closes the session.
 */
import type { WebSocket } from 'ws';
import type { Clock } from '../clock.js';
import type { SessionApi } from '../conversation/api.js';
import type { SessionEvent } from '../conversation/events.js';
import type { OutboundMessage } from '../media/control-messages.js';
import { InputPacer } from '../media/input-pacer.js';
import { SessionLink } from '../media/session-link.js';
import { ClientEvents } from './client-events.js';
import { RealtimeInput } from './input.js';
import { RealtimeResponses } from './responses.js';
import { ServerEvents } from './server-events.js';
import { RealtimeSessionConfig, type RealtimeSessionRequest } from './session-config.js';

export { MAX_APPEND_BASE64_CHARS, MAX_CLIENT_EVENT_BYTES } from './client-events.js';

export interface RealtimeConnectionOptions extends RealtimeSessionRequest {
  clock: Clock;
  /** Estimated audio between our send and the listener's ear before the client truncates. Default 200 ms. */
  clientBufferMs?: number;
  log?: { warn(obj: object, msg: string): void };
}

export class RealtimeConnection {
  private readonly link: SessionLink;
  private readonly events: ServerEvents;
  private readonly input: RealtimeInput;
  private readonly responses: RealtimeResponses;

  constructor(
    socket: WebSocket,
    readonly session: SessionApi,
    opts: RealtimeConnectionOptions,
  ) {
    const { clock, clientBufferMs, log, ...init } = opts;
    const events = new ServerEvents(socket);
    const config = new RealtimeSessionConfig({ ...init, parleySessionId: session.id });
    // Instructions given with a client secret join the agent's persona from the first turn.
    if (init.instructions) session.setInstructions?.(init.instructions);
    this.events = events;
    this.responses = new RealtimeResponses(events, config, session);
    // The link is made below; appends only arrive once the socket handler is attached.
    this.input = new RealtimeInput(
      events,
      config,
      (samples) => this.link.pushCallerSamples(samples),
      new InputPacer({ clock }),
    );
    this.link = new SessionLink(
      session,
      {
        sendMessage: (m) => this.onSessionMessage(m),
        sendAgentAudio: (frame) => this.responses.addAudio(frame),
        // Frames go out as they are emitted (the session paces them), so nothing waits here.
        flushAgentAudio: () => undefined,
        queuedAgentAudioMs: () => 0,
        closeTransport: (reason) => {
          if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) {
            socket.close(1000, reason.slice(0, 100));
          }
        },
      },
      { clock, transport: 'websocket', clientBufferMs: clientBufferMs ?? 200 },
    );
    const clientEvents = new ClientEvents({
      events,
      config,
      input: this.input,
      responses: this.responses,
      session,
      ...(log ? { log } : {}),
    });
    socket.on('message', (data, isBinary) => clientEvents.receive(data, isBinary));
    socket.on('close', () => void this.link.close('disconnected'));
    socket.on('error', () => void this.link.close('disconnected'));
    events.send({ type: 'session.created', session: config.describe() });
    this.link.startSession();
  }

  /** Session events out: each mapped to the Realtime server events it means. */
  private onSessionMessage(message: OutboundMessage): void {
    if (!isSessionEvent(message)) return;
    const e = message;
    switch (e.type) {
      case 'user_speech_started':
        this.input.speechStarted(e.atMs);
        break;
      case 'user_speech_stopped':
        this.input.speechStopped(e.atMs);
        break;
      case 'turn_committed':
        this.input.turnCommitted(e.turnId, e.text);
        break;
      case 'reply_started':
        this.responses.open(e.turnId);
        break;
      case 'clause':
      case 'filler':
        this.responses.addTranscript(e.turnId, e.text);
        break;
      case 'tool_proposed':
        this.responses.addFunctionCall(e.turnId, e.callId, e.name, e.arguments);
        break;
      case 'tool_executed':
        this.responses.addFunctionOutput(e.callId, e.status, e.result);
        break;
      case 'tool_rejected':
        this.responses.addFunctionOutput(e.callId, 'rejected', { error: e.reason });
        break;
      case 'reply_done':
        this.responses.close(e.turnId, e.interrupted);
        break;
      case 'error':
        this.events.send({
          type: 'error',
          error: {
            type: 'server_error',
            code: 'session_error',
            message: e.message,
            param: null,
            event_id: null,
          },
        });
        break;
      default:
        break;
    }
  }

  /** Ends the session (socket close does this too). */
  close(reason: string): Promise<void> {
    return this.link.close(reason);
  }
}

function isSessionEvent(message: OutboundMessage): message is SessionEvent {
  return !['hello', 'pong', 'media_error'].includes(message.type);
}
