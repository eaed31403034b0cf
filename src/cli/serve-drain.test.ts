import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { resample } from '../audio/resampler.js';
import { concat, silence, splitFrames } from '../audio/signals.js';
import { createSynthesizer } from '../engines/tts.js';
import { encodeAudioMessage } from '../media/websocket/audio-message.js';
import { CallStore } from '../store/call-store.js';
import { openDatabase } from '../store/database.js';

const BIN = fileURLToPath(new URL('../../bin/parley.js', import.meta.url));
const KEY = 'pk_serve_drain_test_key_0123456789';
const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
const root = mkdtempSync(join(tmpdir(), 'parley-serve-drain-'));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function callerAudio(text: string): Promise<Int16Array> {
  const synth = await createSynthesizer('slt');
  const parts: Int16Array[] = [];
  for await (const frame of synth.synthesize(text, new AbortController().signal)) parts.push(frame.samples);
  await synth.close?.();
  return concat(silence(300, 16_000), resample(concat(...parts), synth.sampleRate, 16_000));
}

/** `parley serve` on the embedded stack; resolves with its URL once listening. */
async function serve(dataDir: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', dataDir], {
    env: { ...process.env, PARLEY_API_KEYS: KEY, PARLEY_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += String(d);
  });
  child.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  for (let i = 0; i < 600 && !/listening on http/.test(stdout) && child.exitCode === null; i++)
    await sleep(100);
  const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
  if (!url) throw new Error(`parley serve did not start: ${stdout}${stderr}`);
  return { child, url, exited, stderr: () => stderr };
}

interface WireEvent {
  type: string;
  text?: string;
  interrupted?: boolean;
  reason?: string;
}

/** A call that asks where order 4219 is; resolves once the agent's answer is being heard. */
async function callUntilAnswerPlays(url: string) {
  const created = await fetch(`${url}/v1/sessions`, { method: 'POST', headers, body: '{"greeting": false}' });
  expect(created.status).toBe(201);
  const { sessionId, token, media } = (await created.json()) as {
    sessionId: string;
    token: string;
    media: { websocket: string };
  };
  const socket = new WebSocket(`${media.websocket}?token=${encodeURIComponent(token)}`);
  const events: WireEvent[] = [];
  socket.on('message', (data, isBinary) => {
    if (!isBinary) events.push(JSON.parse(data.toString()));
  });
  socket.on('error', () => {});
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  // The microphone stays open, as a real client's does: the question, then silence.
  let micOpen = true;
  const mic = (async () => {
    const question = await callerAudio('Where is my order four two one nine?');
    for (const frame of splitFrames(question, 16_000)) {
      if (socket.readyState !== WebSocket.OPEN) return;
      socket.send(encodeAudioMessage(frame.samples));
      await sleep(20);
    }
    const quiet = new Int16Array(320);
    while (micOpen && socket.readyState === WebSocket.OPEN) {
      socket.send(encodeAudioMessage(quiet));
      await sleep(20);
    }
  })();
  for (let i = 0; i < 600 && !events.some((e) => e.type === 'agent_audio_started'); i++) await sleep(50);
  expect(
    events.map((e) => e.type),
    'the agent never started answering',
  ).toContain('agent_audio_started');
  return {
    sessionId,
    events,
    hangUp: async () => {
      micOpen = false;
      await mic;
      socket.terminate();
    },
  };
}

function recordOf(dataDir: string, sessionId: string) {
  const db = openDatabase(join(dataDir, 'parley.db'));
  try {
    const store = new CallStore(db);
    return { session: store.getSession(sessionId), turns: store.turns(sessionId) };
  } finally {
    db.close();
  }
}

describe('parley serve on SIGTERM (finding 4)', () => {
  it('a SIGTERM during an agent reply over a real call lets the reply finish and the record holds the full reply text (finding 4)', async () => {
    const dataDir = join(root, 'finish');
    const server = await serve(dataDir);
    const call = await callUntilAnswerPlays(server.url);
    expect(call.events.some((e) => e.type === 'reply_done')).toBe(false);
    server.child.kill('SIGTERM');
    // The signal is handled on the server's own loop, which may serve a request first: wait for it.
    for (let i = 0; i < 200 && !server.stderr().includes('SIGTERM, draining'); i++) await sleep(25);

    // While the answer plays, the server takes no new call and tells load balancers so.
    const refused = await fetch(`${server.url}/v1/sessions`, { method: 'POST', headers, body: '{}' });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('draining');
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);

    expect(await server.exited, server.stderr()).toBe(0);
    await call.hangUp();
    const done = call.events.find((e) => e.type === 'reply_done');
    expect(done, JSON.stringify(call.events.map((e) => e.type))).toMatchObject({ interrupted: false });
    expect(done?.text).toMatch(/\w/);
    expect(call.events.find((e) => e.type === 'ended')).toMatchObject({ reason: 'server_shutdown' });

    const record = recordOf(dataDir, call.sessionId);
    expect(record.session?.endReason).toBe('server_shutdown');
    expect(record.turns[0]).toMatchObject({
      agentText: done?.text,
      heardText: done?.text,
      interrupted: false,
      complete: true,
    });
    expect(record.turns[0]?.userText).toMatch(/four two one nine/);
  }, 180_000);

  it('exits 0 after the grace period even if a call never reaches a turn boundary, recording what was heard (finding 4)', async () => {
    const dataDir = join(root, 'grace');
    const server = await serve(dataDir, { PARLEY_DRAIN_GRACE_MS: '100' });
    const call = await callUntilAnswerPlays(server.url);
    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    expect(await server.exited, server.stderr()).toBe(0);
    const tookMs = Date.now() - signalledAt;
    await call.hangUp();
    // Generous: the grace is 100 ms; closing the embedded engines takes the rest.
    expect(tookMs).toBeLessThan(30_000);
    expect(server.stderr()).toMatch(/drained \(0 call\(s\) ended at a turn boundary, 1 at the grace limit\)/);

    const record = recordOf(dataDir, call.sessionId);
    expect(record.session?.endReason).toBe('server_shutdown');
    const turn = record.turns[0];
    expect(turn).toMatchObject({ interrupted: true, complete: true });
    expect(turn?.agentText).toMatch(/\w/);
    expect(turn?.agentText.startsWith(turn?.heardText ?? '')).toBe(true);
  }, 180_000);
});
