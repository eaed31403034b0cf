import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { concat } from '../../audio/signals.js';
import { createSynthesizer } from '../../engines/tts.js';
import { type ElevenLabsServer, startElevenLabsServer } from './elevenlabs-server.js';
import { expectWordsVoiced, pcmFromBase64 } from './test-helpers.js';

const KEY = 'server-test-key';
const QUERY = 'model_id=eleven_flash_v2_5&output_format=pcm_16000&sync_alignment=true';

function connect(server: ElevenLabsServer, opts: { key?: string; query?: string } = {}): WebSocket {
  return new WebSocket(`${server.url}/v1/text-to-speech/voice-a/stream-input?${opts.query ?? QUERY}`, {
    headers: opts.key === undefined ? {} : { 'xi-api-key': opts.key },
  });
}

/** Every message until the server closes, and how it closed. */
async function converse(ws: WebSocket, send: object[]) {
  const messages: Record<string, unknown>[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(data.toString()) as Record<string, unknown>));
  await once(ws, 'open');
  for (const m of send) ws.send(JSON.stringify(m));
  const [code] = (await once(ws, 'close')) as [number];
  return { messages, code };
}

describe('the local ElevenLabs stream-input server', () => {
  let server: ElevenLabsServer;

  beforeAll(async () => {
    server = await startElevenLabsServer({ synthesizer: await createSynthesizer('slt'), apiKey: KEY });
  });

  afterAll(async () => {
    await server.close();
  });

  it('refuses a wrong key on the handshake with 401', async () => {
    const ws = connect(server, { key: 'wrong' });
    const [, res] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number }];
    expect(res.statusCode).toBe(401);
    expect(server.refused.at(-1)).toBe(401);
  });

  it('speaks the text with character alignment true to the audio it sends, then isFinal', async () => {
    const text = 'Your parcel left the depot this morning.';
    const { messages, code } = await converse(connect(server, { key: KEY }), [
      { text: ' ', voice_settings: { stability: 0.5, similarity_boost: 0.8 } },
      { text: `${text} `, flush: true },
      { text: '' },
    ]);
    expect(code).toBe(1000);
    expect(messages.at(-1)).toMatchObject({ isFinal: true });
    const chunks = messages.filter((m) => typeof m.audio === 'string');
    expect(chunks.length).toBeGreaterThan(3);

    // Rebuild the audio and the words, each message's times counted from its own chunk.
    const pieces: Int16Array[] = [];
    const words: { word: string; startMs: number; endMs: number }[] = [];
    let offsetMs = 0;
    let open: { word: string; startMs: number; endMs: number } | undefined;
    for (const m of chunks) {
      const samples = pcmFromBase64(m.audio as string);
      pieces.push(samples);
      const a = m.alignment as { chars: string[]; charStartTimesMs: number[]; charDurationsMs: number[] };
      a.chars.forEach((c, i) => {
        const start = offsetMs + (a.charStartTimesMs[i] as number);
        const end = start + (a.charDurationsMs[i] as number);
        if (c === ' ') {
          if (open) words.push(open);
          open = undefined;
        } else if (open) {
          open.word += c;
          open.endMs = end;
        } else open = { word: c, startMs: start, endMs: end };
      });
      offsetMs += (samples.length * 1000) / 16_000;
    }
    if (open) words.push(open);
    expectWordsVoiced(concat(...pieces), words, text);
    expect(server.connections.at(-1)?.messages.map((m) => m.message.text)).toEqual([' ', `${text} `, '']);
  });

  it('takes the key from the first message when the header has none', async () => {
    const { messages, code } = await converse(connect(server), [
      { text: ' ', 'xi-api-key': 'not-it' },
      { text: 'Hello. ', flush: true },
    ]);
    expect(code).toBe(1008);
    expect(messages).toContainEqual({ message: 'Invalid API key', error: 'invalid_api_key', code: 1008 });
  });

  it('closes a connection left without text for its inactivity timeout, as documented', async () => {
    const { messages, code } = await converse(
      connect(server, { key: KEY, query: `${QUERY}&inactivity_timeout=1` }),
      [{ text: ' ' }],
    );
    expect(code).toBe(1008);
    expect(messages.at(-1)).toMatchObject({ error: 'input_timeout_exceeded', code: 1008 });
  });
});
