/** Property-based tests of client control messages (WebSocket text frames, the WebRTC data channel). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzParams, hostileJson, hostileText } from '../testing/fuzz.js';
import {
  clientMessageSchema,
  MAX_CONTROL_BYTES,
  parseControlFrame,
  parseControlMessage,
} from './control-messages.js';

const CODES = new Set(['message_too_large', 'malformed_json', 'invalid_message', 'invalid_utf8']);

/** Messages shaped like the real ones, with fields swapped for hostile values. */
const nearMessage = fc.record(
  {
    type: fc.oneof(fc.constantFrom('heard', 'latency', 'hangup', 'ping'), hostileText(20)),
    turnId: fc.oneof(fc.integer(), fc.double(), hostileJson(1)),
    atMs: fc.oneof(fc.double(), fc.constantFrom(Number.MAX_VALUE, -0, 1e308), hostileJson(1)),
    ms: fc.oneof(fc.double({ min: -10, max: 10_000 }), hostileJson(1)),
    id: fc.oneof(fc.double(), hostileJson(1)),
    // A computed key is an own property named __proto__, as JSON.parse makes it.
    ['__proto__']: fc.oneof(hostileJson(2), fc.constant({ polluted: true })),
  },
  { requiredKeys: [] },
);

function expectDocumented(result: ReturnType<typeof parseControlMessage>): void {
  if (result.ok) {
    // Whatever is accepted is exactly what the schema allows, and survives a JSON round trip.
    expect(clientMessageSchema.safeParse(result.message).success).toBe(true);
    expect(JSON.parse(JSON.stringify(result.message))).toEqual(result.message);
  } else {
    expect(CODES.has(result.code)).toBe(true);
    expect(typeof result.message).toBe('string');
  }
}

describe('control messages, fuzzed', () => {
  it('any text parses to a message or a documented error, never a throw', () => {
    fc.assert(
      fc.property(fc.oneof(hostileText(600), fc.json({ maxDepth: 6 })), (text) => {
        expectDocumented(parseControlMessage(text));
      }),
      fuzzParams(300),
    );
  });

  it('messages shaped like real ones, with hostile fields, are validated without a throw', () => {
    fc.assert(
      fc.property(nearMessage, (msg) => {
        const result = parseControlMessage(JSON.stringify(msg));
        expectDocumented(result);
        // Prototype keys never pollute anything.
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      fuzzParams(300),
    );
  });

  it('any bytes of a text frame, valid UTF-8 or not, give a message or a documented error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: MAX_CONTROL_BYTES + 64 }), (bytes) => {
        const result = parseControlFrame(bytes);
        expectDocumented(result);
        if (bytes.byteLength > MAX_CONTROL_BYTES) expect(result).toMatchObject({ code: 'message_too_large' });
      }),
      fuzzParams(300),
    );
  });
});
