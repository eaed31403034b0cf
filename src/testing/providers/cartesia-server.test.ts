import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { concat } from '../../audio/signals.js';
import { createSynthesizer } from '../../engines/tts.js';
import { type CartesiaServer, startCartesiaServer } from './cartesia-server.js';
import { expectWordsVoiced, pcmFromBase64 } from './test-helpers.js';

const KEY = 'server-test-key';

function connect(server: CartesiaServer, headers: Record<string, string>): WebSocket {
  return new WebSocket(server.url, { headers });
}

const request = (contextId: string, transcript: string, extra: object = {}) => ({
  model_id: 'sonic-3',
  transcript,
  voice: { mode: 'id', id: 'voice-c' },
  language: 'en',
  context_id: contextId,
  output_format: { container: 'raw', encoding: 'pcm_s16le', sample_rate: 16_000 },
  add_timestamps: true,
  continue: false,
  ...extra,
});

/** Messages for `contextId` until its done (or error). */
function untilDone(ws: WebSocket, contextId: string): Promise<Record<string, unknown>[]> {
  return new Promise((resolve) => {
    const messages: Record<string, unknown>[] = [];
    const onMessage = (data: WebSocket.RawData) => {
      const m = JSON.parse(data.toString()) as Record<string, unknown>;
      if (m.context_id !== contextId) return;
      messages.push(m);
      if (m.done === true) {
        ws.off('message', onMessage);
        resolve(messages);
      }
    };
    ws.on('message', onMessage);
  });
}

describe('the local Cartesia TTS WebSocket server', () => {
  let server: CartesiaServer;
  let ws: WebSocket;

  beforeAll(async () => {
    server = await startCartesiaServer({ synthesizer: await createSynthesizer('slt'), apiKey: KEY });
    ws = connect(server, { 'X-API-Key': KEY, 'Cartesia-Version': '2025-04-16' });
    await once(ws, 'open');
  });

  afterAll(async () => {
    ws.close();
    await server.close();
  });

  it('refuses a wrong key (401) and a missing version (400) on the handshake', async () => {
    const wrong = connect(server, { 'X-API-Key': 'nope', 'Cartesia-Version': '2025-04-16' });
    const [, denied] = (await once(wrong, 'unexpected-response')) as [unknown, { statusCode: number }];
    expect(denied.statusCode).toBe(401);
    const unversioned = connect(server, { 'X-API-Key': KEY });
    const [, bad] = (await once(unversioned, 'unexpected-response')) as [unknown, { statusCode: number }];
    expect(bad.statusCode).toBe(400);
  });

  it('speaks a transcript with word timestamps true to the audio it sends', async () => {
    const text = 'Your parcel left the depot this morning.';
    const done = untilDone(ws, 'ctx-1');
    ws.send(JSON.stringify(request('ctx-1', text)));
    const messages = await done;
    expect(messages.at(-1)).toMatchObject({ type: 'done', done: true, status_code: 206 });
    const chunks = messages.filter((m) => m.type === 'chunk');
    expect(chunks.length).toBeGreaterThan(3);
    const audio = concat(...chunks.map((m) => pcmFromBase64(m.data as string)));
    const words = messages
      .filter((m) => m.type === 'timestamps')
      .flatMap((m) => {
        const t = m.word_timestamps as { words: string[]; start: number[]; end: number[] };
        return t.words.map((word, i) => ({
          word,
          startMs: (t.start[i] as number) * 1000,
          endMs: (t.end[i] as number) * 1000,
        }));
      });
    expectWordsVoiced(audio, words, text);
  });

  it('continues a context across inputs and finishes it after the last', async () => {
    const done = untilDone(ws, 'ctx-2');
    ws.send(JSON.stringify(request('ctx-2', 'Hello ', { continue: true })));
    ws.send(JSON.stringify(request('ctx-2', 'again.')));
    const words = (await done)
      .filter((m) => m.type === 'timestamps')
      .flatMap((m) => (m.word_timestamps as { words: string[] }).words);
    expect(words).toEqual(['Hello', 'again.']);
  });

  it('stops a cancelled context', async () => {
    const seen: Record<string, unknown>[] = [];
    const onMessage = (data: WebSocket.RawData) => {
      const m = JSON.parse(data.toString()) as Record<string, unknown>;
      if (m.context_id === 'ctx-3') seen.push(m);
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify(request('ctx-3', 'This is a long answer that goes on and on about the parcel.')));
    while (seen.length === 0) await new Promise((r) => setTimeout(r, 10));
    ws.send(JSON.stringify({ context_id: 'ctx-3', cancel: true }));
    // Another context on the same socket still works; the cancelled one never finished.
    const done = untilDone(ws, 'ctx-4');
    ws.send(JSON.stringify(request('ctx-4', 'Fine.')));
    await done;
    ws.off('message', onMessage);
    expect(seen.some((m) => m.type === 'done')).toBe(false);
    const spoken = seen.filter((m) => m.type === 'timestamps').length;
    expect(spoken).toBeLessThan(6);
  });

  it('answers a format it cannot make with the documented error event', async () => {
    const done = untilDone(ws, 'ctx-5');
    ws.send(
      JSON.stringify(request('ctx-5', 'Hi.', { output_format: { container: 'mp3', sample_rate: 44_100 } })),
    );
    expect((await done)[0]).toMatchObject({
      type: 'error',
      done: true,
      status_code: 400,
      title: expect.any(String),
    });
  });
});
