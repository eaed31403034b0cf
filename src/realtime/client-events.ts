/**
 * The incoming half of the protocol: parses each client event, checks its fields, and hands it to
 * the input side, the responses or the session config. Bad input gets an `error` event naming
 * the offending `event_id`; the connection and the session survive it.
 */
import type { SessionApi } from '../conversation/api.js';
import { decodeUtf8 } from '../media/websocket/socket-limits.js';
import { parseFormat } from './audio-codec.js';
import type { RealtimeInput } from './input.js';
import type { RealtimeResponses } from './responses.js';
import type { Json, ServerEvents } from './server-events.js';
import type { RealtimeSessionConfig } from './session-config.js';

/** Largest `input_audio_buffer.append` audio accepted, in base64 characters (≈ 2 s of pcm16 at 24 kHz). */
export const MAX_APPEND_BASE64_CHARS = 128 * 1024;
/** Largest client event accepted, in bytes. */
export const MAX_CLIENT_EVENT_BYTES = 160 * 1024;

const KNOWN_NOT_SUPPORTED = new Set([
  'conversation.item.delete',
  'conversation.item.retrieve',
  'output_audio_buffer.clear',
]);

export interface ClientEventDeps {
  events: ServerEvents;
  config: RealtimeSessionConfig;
  input: RealtimeInput;
  responses: RealtimeResponses;
  session: SessionApi;
  log?: { warn(obj: object, msg: string): void };
}

export class ClientEvents {
  constructor(private readonly deps: ClientEventDeps) {}

  /** One WebSocket message from the client. */
  receive(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    const { events } = this.deps;
    const raw = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (isBinary) {
      events.error('invalid_event', 'binary messages are not part of the protocol; send JSON events', null);
      return;
    }
    if (raw.length > MAX_CLIENT_EVENT_BYTES) {
      events.error(
        'event_too_large',
        `client events are at most ${MAX_CLIENT_EVENT_BYTES} bytes (got ${raw.length})`,
        null,
      );
      return;
    }
    let event: Json;
    try {
      // ws leaves UTF-8 to us (socket-limits.ts): bad bytes are an invalid event, not a closed call.
      const text = decodeUtf8(raw);
      if (text === undefined) throw new Error('not UTF-8');
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not an object');
      event = parsed as Json;
    } catch {
      events.error('invalid_json', 'the event is not a JSON object in UTF-8 text', null);
      return;
    }
    const eventId = typeof event.event_id === 'string' ? event.event_id : null;
    try {
      this.handle(event, eventId);
    } catch (err) {
      this.deps.log?.warn({ err, sessionId: this.deps.session.id }, 'realtime event failed');
      events.error('server_error', (err as Error).message, eventId);
    }
  }

  private handle(event: Json, eventId: string | null): void {
    const { events, input, responses } = this.deps;
    switch (event.type) {
      case 'session.update':
        this.onSessionUpdate(event, eventId);
        return;
      case 'input_audio_buffer.append':
        this.onAppend(event, eventId);
        return;
      case 'input_audio_buffer.commit':
        input.commit(eventId);
        return;
      case 'input_audio_buffer.clear':
        input.clear();
        return;
      case 'conversation.item.create':
        this.onItemCreate(event, eventId);
        return;
      case 'conversation.item.truncate':
        this.onTruncate(event, eventId);
        return;
      case 'response.create':
        this.onResponseCreate(eventId);
        return;
      case 'response.cancel':
        responses.cancel(eventId);
        return;
      default: {
        const type = typeof event.type === 'string' ? event.type : undefined;
        if (type && KNOWN_NOT_SUPPORTED.has(type)) {
          events.error(
            'unsupported_event',
            `Parley does not support '${type}' (see docs/realtime.md)`,
            eventId,
            'type',
          );
        } else {
          events.error(
            'invalid_event',
            type ? `unknown event type '${type}'` : 'the event has no string `type`',
            eventId,
            'type',
          );
        }
      }
    }
  }

  private onSessionUpdate(event: Json, eventId: string | null): void {
    const { events, config } = this.deps;
    const session = event.session;
    if (typeof session !== 'object' || session === null) {
      events.error('invalid_value', 'session.update needs a `session` object', eventId, 'session');
      return;
    }
    const s = session as Json;
    // Only objects are read into: a string or number where an object belongs is as good as absent.
    const audioField = asObject(s.audio);
    const audio = { input: asObject(audioField?.input), output: asObject(audioField?.output) };
    if (typeof s.instructions === 'string') {
      config.instructions = s.instructions;
      this.deps.session.setInstructions?.(s.instructions);
    }
    const voice = audio.output?.voice ?? s.voice;
    if (typeof voice === 'string') config.voice = voice;
    const inputFormat = audio.input?.format ?? s.input_audio_format;
    if (inputFormat !== undefined) {
      const parsed = parseFormat(inputFormat);
      if (typeof parsed === 'object') {
        events.error('invalid_value', parsed.error, eventId, 'session.audio.input.format');
        return;
      }
      config.setInputFormat(parsed);
    }
    const outputFormat = audio.output?.format ?? s.output_audio_format;
    if (outputFormat !== undefined) {
      const parsed = parseFormat(outputFormat);
      if (typeof parsed === 'object') {
        events.error('invalid_value', parsed.error, eventId, 'session.audio.output.format');
        return;
      }
      config.setOutputFormat(parsed);
    }
    const turnDetection =
      audio.input && 'turn_detection' in audio.input ? audio.input.turn_detection : s.turn_detection;
    if (turnDetection === null) {
      // Parley's turn detector always runs; it cannot be switched off for a live session.
      events.error(
        'unsupported_value',
        "turn_detection cannot be turned off: Parley's turn detector always runs (the setting in effect is reported in session.updated)",
        eventId,
        'session.audio.input.turn_detection',
      );
    }
    // Session options are fixed at creation: session.updated reports the turn detection in effect.
    events.send({ type: 'session.updated', session: config.describe() });
  }

  private onAppend(event: Json, eventId: string | null): void {
    const { events } = this.deps;
    const audio = event.audio;
    if (typeof audio !== 'string') {
      events.error('invalid_value', '`audio` must be a base64 string', eventId, 'audio');
      return;
    }
    if (audio.length > MAX_APPEND_BASE64_CHARS) {
      events.error(
        'audio_too_large',
        `appends are at most ${MAX_APPEND_BASE64_CHARS} base64 characters (got ${audio.length}); send smaller chunks`,
        eventId,
        'audio',
      );
      return;
    }
    const refused = this.deps.input.append(audio, eventId);
    if (refused) {
      this.deps.log?.warn(
        { sessionId: this.deps.session.id, eventId },
        `realtime append refused: ${refused.error}`,
      );
      events.error('invalid_value', refused.error, eventId, 'audio');
    }
  }

  private onItemCreate(event: Json, eventId: string | null): void {
    const { events } = this.deps;
    const item = event.item as Json | undefined;
    if (typeof item !== 'object' || item === null) {
      events.error('invalid_value', 'conversation.item.create needs an `item` object', eventId, 'item');
      return;
    }
    const role = item.role;
    const type = item.type ?? 'message';
    if (type !== 'message' || role !== 'user') {
      events.error(
        'unsupported_value',
        'only user message items can be created (the agent runs its own tools and answers itself)',
        eventId,
        'item',
      );
      return;
    }
    const content = Array.isArray(item.content) ? (item.content as Json[]) : [];
    const text = content
      .filter((c) => asObject(c)?.type === 'input_text' && typeof c.text === 'string')
      .map((c) => c.text as string)
      .join(' ')
      .trim();
    if (!text) {
      events.error(
        'invalid_value',
        'a user item needs `input_text` content (audio items are not supported; stream audio with input_audio_buffer.append)',
        eventId,
        'item.content',
      );
      return;
    }
    this.deps.input.addText(typeof item.id === 'string' && item.id ? item.id : undefined, text);
  }

  private onResponseCreate(eventId: string | null): void {
    const { input, responses } = this.deps;
    if (!input.hasPendingText()) {
      const live = responses.hasOpen();
      this.deps.events.error(
        live ? 'conversation_already_has_active_response' : 'nothing_to_respond_to',
        live
          ? 'a response is already in progress'
          : 'Parley answers user turns: add a user item (or speak) before response.create',
        eventId,
      );
      return;
    }
    this.deps.session.submitText(input.takePendingText());
  }

  private onTruncate(event: Json, eventId: string | null): void {
    const itemId = event.item_id;
    const audioEndMs = event.audio_end_ms;
    if (typeof itemId !== 'string' || typeof audioEndMs !== 'number' || !(audioEndMs >= 0)) {
      this.deps.events.error(
        'invalid_value',
        'truncate needs `item_id` and a non-negative `audio_end_ms`',
        eventId,
      );
      return;
    }
    this.deps.responses.truncate(itemId, audioEndMs, eventId);
  }
}

function asObject(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}
