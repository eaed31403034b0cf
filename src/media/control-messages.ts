/**
 * JSON messages between the media plane and its clients, on the WebSocket text frames and the
 * WebRTC "events" data channel alike. Client messages are validated; nothing is trusted.
 */
import { z } from 'zod';
import type { SessionEvent } from '../conversation/events.js';
import { decodeUtf8 } from './websocket/socket-limits.js';

export const clientMessageSchema = z.discriminatedUnion('type', [
  /** Agent audio of `turnId` became audible at session time `atMs`. */
  z.object({ type: z.literal('heard'), turnId: z.number().int().nonnegative(), atMs: z.number().finite() }),
  /** The client's playout buffer (jitter buffer + device), in ms. */
  z.object({ type: z.literal('latency'), ms: z.number().finite().min(0).max(5000) }),
  z.object({ type: z.literal('hangup') }),
  /** Round-trip probe; answered with `pong` carrying the same id. */
  z.object({ type: z.literal('ping'), id: z.number().finite() }),
]);

export type ClientMessage = z.infer<typeof clientMessageSchema>;

/** What the server sends besides session events. */
export type ServerMessage =
  | {
      type: 'hello';
      sessionId: string;
      transport: 'webrtc' | 'websocket';
      sessionTimeMs: number;
      /** Single-use token to get back into this session after a dropped connection. */
      resumeToken?: string;
    }
  | { type: 'pong'; id: number; sessionTimeMs: number }
  | { type: 'media_error'; code: string; message: string };

export type OutboundMessage = SessionEvent | ServerMessage;

/** Largest control message accepted, in bytes. */
export const MAX_CONTROL_BYTES = 4096;

export type ParsedControl =
  | { ok: true; message: ClientMessage }
  | { ok: false; code: string; message: string };

/** A control message as the bytes of a text frame: bad UTF-8 is an error message like any other. */
export function parseControlFrame(bytes: Uint8Array): ParsedControl {
  if (bytes.byteLength > MAX_CONTROL_BYTES) return tooLarge();
  const text = decodeUtf8(bytes);
  if (text === undefined) {
    return { ok: false, code: 'invalid_utf8', message: 'control messages are JSON text in UTF-8' };
  }
  return parseControlMessage(text);
}

function tooLarge(): ParsedControl {
  return {
    ok: false,
    code: 'message_too_large',
    message: `control messages are at most ${MAX_CONTROL_BYTES} bytes`,
  };
}

export function parseControlMessage(text: string): ParsedControl {
  if (text.length > MAX_CONTROL_BYTES || Buffer.byteLength(text) > MAX_CONTROL_BYTES) return tooLarge();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, code: 'malformed_json', message: 'control message is not valid JSON' };
  }
  const result = clientMessageSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    return {
      ok: false,
      code: 'invalid_message',
      message: `unrecognised control message${where}: ${issue?.message ?? 'invalid'}`,
    };
  }
  return { ok: true, message: result.data };
}
