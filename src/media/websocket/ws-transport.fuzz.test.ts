/**
 * A live call under fuzz: a listening server on deterministic engines, the real WebSocket
 * transport, and a stream of random control messages and audio frames (bad JSON, bad UTF-8, wrong
 * types, odd and oversized binaries, quiet PCM). The call never ends, and afterwards the caller
 * speaks and the agent still answers the turn. `hangup`, the one message that ends a call by
 * design, is left out.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { concat, silence, sine, splitFrames } from '../../audio/signals.js';
import type { ParleyServer } from '../../control/server.js';
import { ScriptedRuntime } from '../../testing/control-runtime.js';
import { fuzzParams, hostileJson, hostileText } from '../../testing/fuzz.js';
import { TestServers } from '../../testing/test-servers.js';
import { parseControlMessage } from '../control-messages.js';
import { encodeAudioMessage, MAX_AUDIO_MESSAGE_BYTES } from './audio-message.js';

const KEY = 'pk_ws_fuzz_test_key_0123456789abcdef';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One client message: text (JSON or not, UTF-8 or not) or binary. */
type Wire = { data: Buffer; binary: boolean };

const controlLike = fc
  .record(
    {
      type: fc.oneof(fc.constantFrom('heard', 'latency', 'ping', 'dance'), hostileText(10)),
      turnId: fc.oneof(fc.integer({ min: -5, max: 5 }), hostileJson(1)),
      atMs: fc.oneof(fc.double(), hostileJson(1)),
      ms: fc.oneof(fc.double({ min: -100, max: 10_000, noNaN: true }), hostileJson(1)),
      id: fc.oneof(fc.integer(), hostileJson(1)),
    },
    { requiredKeys: ['type'] },
  )
  .map((m) => JSON.stringify(m));

const wire: fc.Arbitrary<Wire> = fc.oneof(
  { weight: 4, arbitrary: controlLike.map((t) => ({ data: Buffer.from(t), binary: false })) },
  { weight: 1, arbitrary: hostileText(100).map((t) => ({ data: Buffer.from(t), binary: false })) },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => ({ data: Buffer.from(b), binary: false })),
  },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 1281 }).map((b) => ({ data: Buffer.from(b), binary: true })),
  },
  {
    weight: 3,
    // Quiet PCM (well under the speech threshold), in frame sizes real clients send.
    arbitrary: fc
      .tuple(fc.constantFrom(160, 320, 480, 960), fc.integer({ min: -150, max: 150 }))
      .map(([n, level]) => ({
        data: encodeAudioMessage(Int16Array.from({ length: n }, (_, i) => (i % 2 ? level : -level))),
        binary: true,
      })),
  },
  { weight: 1, arbitrary: fc.constant({ data: Buffer.alloc(MAX_AUDIO_MESSAGE_BYTES + 2), binary: true }) },
);

/** A `hangup` ends the call by design: never sent here. */
const isHangup = (w: Wire) => {
  if (w.binary) return false;
  const parsed = parseControlMessage(w.data.toString('utf8'));
  return parsed.ok && parsed.message.type === 'hangup';
};

const servers = new TestServers({}, 'parley-ws-fuzz-');
let server: ParleyServer;

beforeAll(async () => {
  server = await servers.start({
    apiKeys: [KEY],
    runtime: new ScriptedRuntime({ script: ['where is my order four two one nine', 'thanks'] }),
  });
});

afterAll(() => servers.closeAll());

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('a live WebSocket call, fuzzed', () => {
  it('random control messages and audio frames never end the call; it still answers a real turn', async () => {
    const created = await fetch(`${server.url}/v1/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: '{}',
    });
    const { sessionId, token, media } = (await created.json()) as {
      sessionId: string;
      token: string;
      media: { websocket: string };
    };
    const socket = new WebSocket(`${media.websocket}?token=${encodeURIComponent(token)}`);
    const events: Record<string, unknown>[] = [];
    let binaryFrames = 0;
    let closedWith: number | undefined;
    socket.on('message', (data, isBinary) => {
      if (isBinary) binaryFrames++;
      else events.push(JSON.parse(String(data)));
    });
    socket.on('close', (code) => {
      closedWith = code;
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    await until(() => events.some((e) => e.type === 'hello'), 10_000, 'hello');

    let pingId = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(wire, { minLength: 1, maxLength: 10 }), async (batch) => {
        for (const w of batch.filter((w) => !isHangup(w))) socket.send(w.data, { binary: w.binary });
        // A ping after the batch: its pong proves every message before it was handled.
        const id = ++pingId;
        socket.send(JSON.stringify({ type: 'ping', id }));
        await until(
          () => events.some((e) => e.type === 'pong' && e.id === id) || closedWith !== undefined,
          15_000,
          `pong ${id}`,
        );
        expect(closedWith).toBeUndefined();
        expect(events.some((e) => e.type === 'ended')).toBe(false);
      }),
      fuzzParams(40),
    );
    const errors = events.filter((e) => e.type === 'media_error').map((e) => e.code);
    expect(errors.length).toBeGreaterThan(0);
    for (const code of errors) expect(code).toMatch(/^[a-z][a-z0-9_]*$/);

    // The call goes on: a real spoken turn is committed and answered with agent audio.
    const committedBefore = events.filter((e) => e.type === 'turn_committed').length;
    const audioBefore = binaryFrames;
    for (const frame of splitFrames(concat(sine(300, 800, 16_000, 0.3), silence(1000, 16_000)), 16_000)) {
      socket.send(encodeAudioMessage(frame.samples));
      await sleep(20);
    }
    await until(
      () => events.filter((e) => e.type === 'turn_committed').length > committedBefore,
      30_000,
      'a committed turn',
    );
    await until(() => binaryFrames > audioBefore + 10, 30_000, 'agent audio');
    const record = await (
      await fetch(`${server.url}/v1/sessions/${sessionId}`, { headers: { authorization: `Bearer ${KEY}` } })
    ).json();
    expect(record.active).toBe(true);
    expect(closedWith).toBeUndefined();
    socket.close();
  }, 180_000);
});
