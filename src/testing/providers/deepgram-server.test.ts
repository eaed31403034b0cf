import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SESSION_SAMPLE_RATE } from '../../audio/frame.js';
import { concat, silence, splitFrames } from '../../audio/signals.js';
import { PACKAGE_TRACKER_PHRASES } from '../../apps/package-tracker/index.js';
import { SystemClock } from '../../clock.js';
import {
  linear16Bytes,
  parseServerMessage,
  type ResultsMessage,
  type ServerMessage,
  transcriptOf,
} from '../../engines/deepgram/wire.js';
import type { RecognizerEngine } from '../../engines/engine.js';
import { pocketsphinxEngine } from '../../engines/pocketsphinx/engine.js';
import { composeCaller } from '../../runtime/caller-audio.js';
import { type DeepgramServer, startDeepgramServer } from './deepgram-server.js';

const KEY = 'server-test-key';
const domain = { phrases: PACKAGE_TRACKER_PHRASES };
let dir: string;
let pocketsphinx: RecognizerEngine;
let server: DeepgramServer;
let line: Int16Array;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-dg-server-'));
  pocketsphinx = await pocketsphinxEngine({ dataDir: dir, lm: 'domain', speakingRate: 1, env: {} }, {});
  server = await startDeepgramServer({
    recognizer: () => pocketsphinx.createRecognizer(domain, { sessionId: 's', clock: new SystemClock() }),
    apiKey: KEY,
    idleTimeoutMs: 1500,
  });
  line = (await composeCaller({ voice: 'slt', parts: ['Where is my order four two one nine?'] })).samples;
}, 120_000);

afterAll(async () => {
  await server?.close();
  await pocketsphinx?.close?.();
  await rm(dir, { recursive: true, force: true });
});

const QUERY =
  'encoding=linear16&sample_rate=16000&channels=1&interim_results=true&endpointing=300&utterance_end_ms=1000&vad_events=true';

function connect(headers: Record<string, string>, query = QUERY): WebSocket {
  return new WebSocket(`${server.url}?${query}`, { headers });
}

/** Every message of a stream until it closes, with the close code and reason. */
async function conversation(ws: WebSocket, send: (ws: WebSocket) => Promise<void>) {
  const messages: ServerMessage[] = [];
  ws.on('message', (data) => {
    const m = parseServerMessage(String(data));
    if (m) messages.push(m);
  });
  await once(ws, 'open');
  await send(ws);
  const [code, reason] = (await once(ws, 'close')) as [number, Buffer];
  return { messages, code, reason: reason.toString() };
}

describe('local Deepgram server', () => {
  it('refuses a wrong key in the handshake with 401 and the dg-error header', async () => {
    const ws = connect({ Authorization: 'Token not-the-key' });
    ws.on('error', () => {});
    const [, res] = (await once(ws, 'unexpected-response')) as [unknown, IncomingMessage];
    expect(res.statusCode).toBe(401);
    expect(res.headers['dg-error']).toBe('Invalid credentials.');
    expect(res.headers['dg-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    ws.terminate();
  });

  it('streams interim results, finalizes at the speaker’s pause, then reports the utterance end', async () => {
    const audio = concat(line, silence(1500, SESSION_SAMPLE_RATE));
    const { messages, code } = await conversation(connect({ Authorization: `token ${KEY}` }), async (ws) => {
      for (const frame of splitFrames(audio, SESSION_SAMPLE_RATE)) {
        ws.send(linear16Bytes(frame.samples));
        await new Promise((r) => setTimeout(r, 2));
      }
      ws.send(JSON.stringify({ type: 'CloseStream' }));
    });
    expect(code).toBe(1000);
    const types = messages.map((m) => m.type);
    expect(types[0]).toBe('SpeechStarted');
    expect(types.at(-1)).toBe('Metadata');
    const results = messages.filter((m): m is ResultsMessage => m.type === 'Results');
    const interims = results.filter((r) => !r.is_final);
    expect(interims.length).toBeGreaterThanOrEqual(2);
    const endpointed = results.find((r) => r.is_final && r.speech_final);
    expect(endpointed && transcriptOf(endpointed)).toBe('where is my order four two one nine');
    // The pause is longer than utterance_end_ms: UtteranceEnd follows the final, at the last word's end.
    const utteranceEnd = messages.find((m) => m.type === 'UtteranceEnd');
    expect(types.indexOf('UtteranceEnd')).toBeGreaterThan(results.indexOf(endpointed as ResultsMessage));
    expect(utteranceEnd).toMatchObject({ channel: [0, 1] });
    const lastWordEnd = (utteranceEnd as { last_word_end: number }).last_word_end;
    expect(lastWordEnd).toBeGreaterThan(1);
    expect(lastWordEnd).toBeLessThan((line.length + 1) / SESSION_SAMPLE_RATE);
    // Results tile the stream: each starts where the previous final ended.
    const finals = results.filter((r) => r.is_final);
    for (let i = 1; i < finals.length; i++) {
      const prev = finals[i - 1] as ResultsMessage;
      expect(finals[i]?.start).toBeCloseTo(prev.start + prev.duration, 6);
    }
    expect(server.streams.at(-1)?.controls).toEqual(['CloseStream']);
  });

  it('answers Finalize with from_finalize, and closes an idle stream with 1011 NET-0001', async () => {
    const { messages, code, reason } = await conversation(
      connect({ Authorization: `Token ${KEY}` }),
      async (ws) => {
        for (const frame of splitFrames(line, SESSION_SAMPLE_RATE)) ws.send(linear16Bytes(frame.samples));
        ws.send(JSON.stringify({ type: 'Finalize' }));
      },
    );
    expect([code, reason]).toEqual([1011, 'NET-0001']);
    const answer = messages.find(
      (m): m is ResultsMessage => m.type === 'Results' && m.from_finalize === true,
    );
    expect(answer?.is_final).toBe(true);
    // It ends where the audio sent ends (whole 20 ms frames, the last one padded).
    const sentSec = Math.ceil(line.length / 320) * 0.02;
    expect(answer && answer.start + answer.duration).toBeCloseTo(sentSec, 6);
  });
});
