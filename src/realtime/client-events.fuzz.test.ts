/**
 * Property-based tests of the Realtime protocol's client events: any message a client sends is
 * answered (or ignored) by the protocol's own events, never by an exception. A `server_error`
 * event means a handler threw, so none may appear; the connection stays open throughout.
 */
import { EventEmitter } from 'node:events';
import fc from 'fast-check';
import type { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { SystemClock } from '../clock.js';
import { resolveOptions } from '../conversation/options.js';
import { LoopbackSession } from '../media/loopback-session.js';
import { fuzzParams, hostileJson, hostileText } from '../testing/fuzz.js';
import { MAX_CLIENT_EVENT_BYTES } from './client-events.js';
import { RealtimeConnection } from './connection.js';

/** Just enough of a ws socket: it records what the connection sends. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  readonly sent: Record<string, unknown>[] = [];
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(): void {
    this.readyState = 3;
  }
}

function connect() {
  const socket = new FakeSocket();
  const session = new LoopbackSession('fuzz', new SystemClock(), false);
  new RealtimeConnection(socket as unknown as WebSocket, session, {
    clock: new SystemClock(),
    model: 'gpt-realtime',
    options: resolveOptions({}),
  });
  return { socket, session };
}

const TYPES = [
  'session.update',
  'input_audio_buffer.append',
  'input_audio_buffer.commit',
  'input_audio_buffer.clear',
  'conversation.item.create',
  'conversation.item.truncate',
  'conversation.item.delete',
  'response.create',
  'response.cancel',
] as const;

const anyValue = fc.oneof(hostileJson(3), hostileText(40), fc.double(), fc.constant(null));

/** Events shaped like the protocol's, with any field anywhere replaced by a hostile value. */
const nearEvent = fc.record(
  {
    type: fc.oneof(fc.constantFrom(...TYPES), hostileText(30)),
    event_id: fc.oneof(fc.string({ maxLength: 20 }), anyValue),
    audio: fc.oneof(fc.base64String({ maxLength: 400 }), anyValue),
    session: fc.oneof(
      fc.record(
        {
          instructions: anyValue,
          voice: anyValue,
          input_audio_format: fc.oneof(fc.constantFrom('pcm16', 'g711_ulaw', 'g711_alaw'), anyValue),
          output_audio_format: anyValue,
          turn_detection: anyValue,
          audio: fc.oneof(
            fc.record(
              {
                input: fc.oneof(fc.record({ format: anyValue, turn_detection: anyValue }), anyValue),
                output: anyValue,
              },
              { requiredKeys: [] },
            ),
            anyValue,
          ),
        },
        { requiredKeys: [] },
      ),
      anyValue,
    ),
    item: fc.oneof(
      fc.record(
        {
          id: anyValue,
          type: fc.oneof(fc.constant('message'), anyValue),
          role: fc.oneof(fc.constant('user'), anyValue),
          content: fc.oneof(
            fc.array(fc.oneof(fc.record({ type: fc.constant('input_text'), text: anyValue }), anyValue), {
              maxLength: 4,
            }),
            anyValue,
          ),
        },
        { requiredKeys: [] },
      ),
      anyValue,
    ),
    item_id: anyValue,
    audio_end_ms: fc.oneof(fc.double(), anyValue),
  },
  { requiredKeys: ['type'] },
);

/** A whole message as the socket hands it over: JSON text, raw bytes, or binary. */
const message = fc.oneof(
  { weight: 6, arbitrary: nearEvent.map((e) => ({ data: Buffer.from(JSON.stringify(e)), isBinary: false })) },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => ({ data: Buffer.from(b), isBinary: false })),
  },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => ({ data: Buffer.from(b), isBinary: true })),
  },
  {
    weight: 1,
    arbitrary: hostileJson(5).map((j) => ({ data: Buffer.from(JSON.stringify(j) ?? ''), isBinary: false })),
  },
);

describe('Realtime client events, fuzzed', () => {
  it('any sequence of client messages is answered with protocol events, never an exception', () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 12 }), (messages) => {
        const { socket, session } = connect();
        for (const m of messages) socket.emit('message', m.data, m.isBinary);
        const serverErrors = socket.sent.filter(
          (e) => e.type === 'error' && (e.error as { code?: string }).code === 'server_error',
        );
        expect(serverErrors).toEqual([]);
        for (const e of socket.sent.filter((e) => e.type === 'error')) {
          expect((e.error as { code?: unknown }).code).toMatch(/^[a-z_]+$/);
        }
        expect(socket.readyState).toBe(1);
        expect(session.closeReason).toBeUndefined();
        void session.close('test_over');
      }),
      fuzzParams(200),
    );
  });

  it('a user item whose content holds null, or audio.input given as a string, is an invalid value, not a server_error (fuzz finding)', () => {
    const { socket } = connect();
    const send = (event: object) => socket.emit('message', Buffer.from(JSON.stringify(event)), false);
    send({
      type: 'conversation.item.create',
      event_id: 'e1',
      item: { type: 'message', role: 'user', content: [null] },
    });
    send({ type: 'session.update', event_id: 'e2', session: { audio: { input: 'pcm16' } } });
    const errors = socket.sent
      .filter((e) => e.type === 'error')
      .map((e) => e.error as { code: string; event_id: string });
    expect(errors.map((e) => e.code)).not.toContain('server_error');
    expect(errors.find((e) => e.event_id === 'e1')?.code).toBe('invalid_value');
    expect(socket.sent.some((e) => e.type === 'session.updated')).toBe(true);
  });

  it('an event above the size cap is refused with event_too_large', () => {
    const { socket } = connect();
    socket.emit('message', Buffer.alloc(MAX_CLIENT_EVENT_BYTES + 1, 0x20), false);
    expect(socket.sent.at(-1)).toMatchObject({ type: 'error', error: { code: 'event_too_large' } });
  });
});
