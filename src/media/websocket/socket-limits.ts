/**
 * Options of the one WebSocket server every socket route shares (media, Realtime, phone).
 * `ws` ends a connection on a message above `maxPayload` (close 1009) and, unless told otherwise,
 * on a text message that is not valid UTF-8 (close 1007). The docs promise that a bad message never
 * ends a call, so the routes check UTF-8 themselves and answer with an error message, and the
 * payload cap sits well above every documented message cap: a message between its route's cap and
 * this one is read, refused with an error, and the call goes on.
 */
import type { FastifyReply } from 'fastify';

/** Largest WebSocket message read at all, bytes; above it the socket closes with 1009 (message too big). */
export const MAX_WS_PAYLOAD_BYTES = 2 * 1024 * 1024;

/** `ws` server options for `@fastify/websocket`. */
export const WS_SERVER_OPTIONS = {
  maxPayload: MAX_WS_PAYLOAD_BYTES,
  // Text frames are validated by each route (fatal decode), which answers bad UTF-8 with an error.
  skipUTF8Validation: true,
} as const;

/** The answer of a socket route to a request without `Upgrade: websocket`: nothing checked, created or spent. */
export function answerUpgradeRequired(reply: FastifyReply): FastifyReply {
  return reply
    .code(426)
    .header('upgrade', 'websocket')
    .send({
      error: {
        code: 'upgrade_required',
        message: 'this endpoint speaks WebSocket only: connect with an Upgrade: websocket request',
      },
    });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The text of a text frame, or undefined when its bytes are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}
