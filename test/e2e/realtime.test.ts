/**
 * The Realtime-compatible endpoint driven by the official `openai` client (`OpenAIRealtimeWS`)
 * against a real server with the embedded engines (Silero VAD, pocketsphinx, flite) and the
 * package tracker. The client always dials wss://, so it gets a plain TCP `createConnection`.
 * Calls stream audio in real time through real recognition, so they run in the end-to-end suite,
 * one file at a time, where no other test competes for the CPU.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_SAMPLE_RATE } from '../../src/audio/frame.js';
import { resample } from '../../src/audio/resampler.js';
import { createServer, type ParleyServer } from '../../src/control/server.js';
import { composeCaller } from '../../src/runtime/caller-audio.js';

const KEY = 'pk_realtime_test_key_0123456789abcdef';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Event = { type: string; [key: string]: unknown };

class Client {
  readonly events: Event[] = [];
  readonly rt: OpenAIRealtimeWS;
  readonly opened: Promise<void>;
  readonly closed: Promise<void>;
  private waiters: (() => void)[] = [];

  constructor(server: ParleyServer, apiKey = KEY, model = 'gpt-realtime') {
    const url = new URL(server.url);
    const client = new OpenAI({ apiKey, baseURL: `${server.url}/v1` });
    this.rt = new OpenAIRealtimeWS(
      {
        model,
        options: {
          createConnection: () => netConnect({ host: url.hostname, port: Number(url.port) }),
        },
      },
      client,
    );
    this.rt.on('event', (e) => {
      this.events.push(e as unknown as Event);
      for (const w of this.waiters.splice(0)) w();
    });
    // Error events arrive here as well as through 'event'.
    this.rt.on('error', () => undefined);
    this.opened = new Promise((resolve, reject) => {
      this.rt.socket.once('open', () => resolve());
      this.rt.socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    this.closed = new Promise((resolve) => this.rt.socket.once('close', () => resolve()));
  }

  send(event: object): void {
    this.rt.socket.send(JSON.stringify(event));
  }

  async waitFor(predicate: (e: Event) => boolean, timeoutMs: number, from = 0): Promise<Event> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.slice(from).find(predicate);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; got: ${this.events.map((e) => e.type).join(', ')}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  of(type: string): Event[] {
    return this.events.filter((e) => e.type === type);
  }

  get parleySessionId(): string {
    const created = this.events.find((e) => e.type === 'session.created') as
      | { session: { parley_session_id: string } }
      | undefined;
    return created?.session.parley_session_id ?? '';
  }
}

/** Streams 16 kHz audio as pcm16 24 kHz appends of 100 ms, in real time. */
async function stream(client: Client, samples16k: Int16Array): Promise<void> {
  const pcm24 = resample(samples16k, SESSION_SAMPLE_RATE, 24_000);
  const chunk = 2400;
  for (let i = 0; i < pcm24.length; i += chunk) {
    const part = pcm24.subarray(i, Math.min(pcm24.length, i + chunk));
    const bytes = Buffer.alloc(part.length * 2);
    for (let j = 0; j < part.length; j++) bytes.writeInt16LE(part[j] as number, j * 2);
    client.send({ type: 'input_audio_buffer.append', audio: bytes.toString('base64') });
    await sleep(100);
  }
}

function userText(text: string) {
  return {
    type: 'conversation.item.create',
    item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] },
  };
}

describe('the Realtime-compatible endpoint with the official openai client', () => {
  let dir: string;
  let server: ParleyServer;
  let caller: Int16Array;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-realtime-'));
    server = await createServer({
      dataDir: dir,
      apiKeys: [KEY],
      port: 0,
      logger: false,
      webRoot: join(dir, 'no-web'),
    });
    caller = (
      await composeCaller({
        voice: 'rms',
        parts: [{ pauseMs: 600 }, 'Where is my order number four two one nine?', { pauseMs: 2500 }],
      })
    ).samples;
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a socket without a valid key', async () => {
    const client = new Client(server, 'pk_wrong');
    await expect(client.opened).rejects.toThrow('HTTP 401');
  });

  it('hears a spoken question in pcm16 24 kHz and answers with audio, transcripts and a function call', async () => {
    const client = new Client(server);
    await client.opened;
    const created = await client.waitFor((e) => e.type === 'session.created', 10_000);
    expect(created.session).toMatchObject({
      type: 'realtime',
      audio: { input: { format: { type: 'audio/pcm', rate: 24000 } } },
    });
    client.send({
      type: 'session.update',
      event_id: 'evt_update',
      session: {
        type: 'realtime',
        instructions: 'Be brief.',
        audio: {
          input: { format: { type: 'audio/pcm', rate: 24000 }, turn_detection: { type: 'server_vad' } },
          output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin' },
        },
      },
    });
    const updated = await client.waitFor((e) => e.type === 'session.updated', 10_000);
    expect(updated.session).toMatchObject({
      instructions: 'Be brief.',
      audio: { output: { voice: 'marin' } },
    });

    await stream(client, caller);
    const done = await client.waitFor(
      (e) => e.type === 'response.done' && JSON.stringify(e.response).includes('get_order_status'),
      60_000,
    );
    expect(client.of('input_audio_buffer.speech_started').length).toBeGreaterThan(0);
    expect(client.of('input_audio_buffer.speech_stopped').length).toBeGreaterThan(0);
    expect(client.of('input_audio_buffer.committed').length).toBeGreaterThan(0);
    const transcribed = client.of('conversation.item.input_audio_transcription.completed');
    expect(transcribed.map((e) => e.transcript).join(' ')).toMatch(/four two one nine/);

    const args = client.of('response.function_call_arguments.done');
    expect(args).toContainEqual(expect.objectContaining({ name: 'get_order_status' }));
    const call = args.find((e) => e.name === 'get_order_status');
    expect(JSON.parse(call?.arguments as string)).toMatchObject({ order_number: '4219' });
    expect(
      client
        .of('conversation.item.done')
        .some((e) => (e.item as { type: string }).type === 'function_call_output'),
    ).toBe(true);

    const audio = client.of('response.output_audio.delta');
    expect(audio.length).toBeGreaterThan(10);
    const bytes = audio.reduce((n, e) => n + Buffer.from(e.delta as string, 'base64').length, 0);
    // 24 kHz pcm16: at least a second of speech.
    expect(bytes).toBeGreaterThan(48_000);
    const transcript = client
      .of('response.output_audio_transcript.delta')
      .map((e) => e.delta)
      .join('');
    expect(transcript).toMatch(/four two one nine/i);
    expect(done.response).toMatchObject({ status: 'completed' });
    client.rt.close();
    await client.closed;
  }, 120_000);

  it('answers an unknown event with an error naming it, then goes on to answer a typed question', async () => {
    const client = new Client(server);
    await client.opened;
    await client.waitFor((e) => e.type === 'session.created', 10_000);
    client.send({ type: 'no.such.event', event_id: 'evt_bogus' });
    const error = await client.waitFor((e) => e.type === 'error', 10_000);
    expect(error.error).toMatchObject({ event_id: 'evt_bogus', code: 'invalid_event' });
    client.send({ type: 'input_audio_buffer.append', event_id: 'evt_big', audio: 'A'.repeat(140_000) });
    const big = await client.waitFor(
      (e) => e.type === 'error' && (e.error as { event_id: string }).event_id === 'evt_big',
      10_000,
    );
    expect(big.error).toMatchObject({ code: 'audio_too_large' });
    client.send({ type: 'input_audio_buffer.append', event_id: 'evt_b64', audio: '***' });
    await client.waitFor(
      (e) => e.type === 'error' && (e.error as { event_id: string }).event_id === 'evt_b64',
      10_000,
    );
    client.rt.socket.send('{not json');
    await client.waitFor(
      (e) => e.type === 'error' && (e.error as { code: string }).code === 'invalid_json',
      10_000,
    );

    client.send(userText('where is my order four two one nine'));
    await client.waitFor((e) => e.type === 'conversation.item.done', 10_000);
    client.send({ type: 'response.create' });
    const done = await client.waitFor((e) => e.type === 'response.done', 60_000);
    expect(done.response).toMatchObject({ status: 'completed' });
    const transcriptDone = client.of('response.output_audio_transcript.done').at(-1);
    expect(transcriptDone?.transcript).toMatch(/four two one nine/i);
    expect(client.of('response.output_audio.delta').length).toBeGreaterThan(10);
    client.rt.close();
    await client.closed;
  }, 90_000);

  it('cancels a response on response.cancel, keeping only what was heard', async () => {
    const client = new Client(server);
    await client.opened;
    await client.waitFor((e) => e.type === 'session.created', 10_000);
    client.send(userText('where is my order four two one nine'));
    client.send({ type: 'response.create' });
    // About a second of agent audio, then the client cuts it.
    await client.waitFor(() => client.of('response.output_audio.delta').length >= 50, 60_000);
    client.send({ type: 'response.cancel', event_id: 'evt_cancel' });
    const done = await client.waitFor((e) => e.type === 'response.done', 30_000);
    expect(done.response).toMatchObject({
      status: 'cancelled',
      status_details: { reason: 'client_cancelled' },
    });
    const turns = await transcriptTurns(server, client.parleySessionId);
    const turn = turns.at(-1);
    expect(turn?.interrupted).toBe(true);
    expect(turn?.heardText.length).toBeGreaterThan(0);
    expect(turn?.heardText.length).toBeLessThan(turn?.agentText.length ?? 0);
    client.rt.close();
    await client.closed;
  }, 90_000);

  it('cancels the response when the caller talks over it (a barge-in), keeping only what was heard', async () => {
    const client = new Client(server);
    await client.opened;
    await client.waitFor((e) => e.type === 'session.created', 10_000);
    const interruption = (
      await composeCaller({ voice: 'rms', parts: ['Can you text me the tracking link?', { pauseMs: 1500 }] })
    ).samples;
    client.send(userText('where is my order four two one nine'));
    client.send({ type: 'response.create' });
    await client.waitFor(() => client.of('response.output_audio.delta').length >= 50, 60_000);
    const from = client.events.length;
    await stream(client, interruption);
    await client.waitFor((e) => e.type === 'input_audio_buffer.speech_started', 30_000, from);
    const done = await client.waitFor((e) => e.type === 'response.done', 30_000, from);
    expect(done.response).toMatchObject({ status: 'cancelled', status_details: { reason: 'turn_detected' } });
    const turns = await transcriptTurns(server, client.parleySessionId);
    const answered = turns.find((t) => t.interrupted);
    expect(answered?.heardText.length).toBeGreaterThan(0);
    expect(answered?.heardText.length).toBeLessThan(answered?.agentText.length ?? 0);
    client.rt.close();
    await client.closed;
  }, 120_000);

  it('truncates an assistant item to the audio played, and history shrinks to it', async () => {
    const client = new Client(server);
    await client.opened;
    await client.waitFor((e) => e.type === 'session.created', 10_000);
    client.send(userText('where is my order four two one nine'));
    client.send({ type: 'response.create' });
    await client.waitFor(() => client.of('response.output_audio.delta').length >= 60, 60_000);
    const itemId = client.of('response.output_audio.delta')[0]?.item_id as string;
    client.send({ type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: 700 });
    const truncated = await client.waitFor((e) => e.type === 'conversation.item.truncated', 10_000);
    expect(truncated).toMatchObject({ item_id: itemId, audio_end_ms: 700 });
    const done = await client.waitFor((e) => e.type === 'response.done', 30_000);
    expect(done.response).toMatchObject({ status: 'cancelled' });
    const turn = (await transcriptTurns(server, client.parleySessionId)).at(-1);
    expect(turn?.interrupted).toBe(true);
    expect(turn?.heardText.length).toBeLessThan(turn?.agentText.length ?? 0);
    client.rt.close();
    await client.closed;
  }, 90_000);

  it('mints a client secret that opens one session, with μ-law audio', async () => {
    const res = await fetch(`${server.url}/v1/realtime/client_secrets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        session: {
          type: 'realtime',
          model: 'package-tracker',
          audio: {
            input: {
              format: { type: 'audio/pcmu' },
              turn_detection: { type: 'semantic_vad', eagerness: 'low' },
            },
            output: { format: { type: 'audio/pcmu' } },
          },
        },
      }),
    });
    expect(res.status).toBe(200);
    const secret = (await res.json()) as { value: string; session: { agent: string } };
    expect(secret.session.agent).toBe('package-tracker');
    const client = new Client(server, secret.value, 'package-tracker');
    await client.opened;
    const created = await client.waitFor((e) => e.type === 'session.created', 10_000);
    expect(created.session).toMatchObject({
      audio: {
        input: { format: { type: 'audio/pcmu' }, turn_detection: { type: 'semantic_vad', eagerness: 'low' } },
      },
    });
    client.send(userText('where is my order four two one nine'));
    client.send({ type: 'response.create' });
    await client.waitFor((e) => e.type === 'response.done', 60_000);
    const delta = client.of('response.output_audio.delta')[0]?.delta as string;
    // μ-law 8 kHz: 20 ms is 160 bytes.
    expect(Buffer.from(delta, 'base64').length).toBeLessThanOrEqual(200);
    client.rt.close();
    await client.closed;
    // A secret opens one socket only.
    await expect(new Client(server, secret.value).opened).rejects.toThrow(/HTTP 4\d\d/);
  }, 90_000);
});

async function transcriptTurns(
  server: ParleyServer,
  sessionId: string,
): Promise<{ agentText: string; heardText: string; interrupted: boolean }[]> {
  // The record is written when the reply ends; give it a moment.
  await sleep(300);
  const res = await fetch(`${server.url}/v1/sessions/${sessionId}/transcript`, {
    headers: { authorization: `Bearer ${KEY}` },
  });
  const body = (await res.json()) as {
    turns: { agentText: string; heardText: string; interrupted: boolean }[];
  };
  return body.turns;
}
