import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
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
import { startBanner } from './serve.js';

const BIN = fileURLToPath(new URL('../../bin/parley.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'parley-serve-'));
let child: ChildProcess | undefined;

afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function callerAudio(text: string): Promise<Int16Array> {
  const synth = await createSynthesizer('slt');
  const parts: Int16Array[] = [];
  for await (const frame of synth.synthesize(text, new AbortController().signal)) parts.push(frame.samples);
  await synth.close?.();
  return concat(
    silence(300, 16_000),
    resample(concat(...parts), synth.sampleRate, 16_000),
    silence(1500, 16_000),
  );
}

describe('parley serve', () => {
  it('serves the embedded stack: prints a key URL, answers a spoken question over WebSocket, shuts down cleanly', async () => {
    const env = { ...process.env, PARLEY_API_KEYS: '', PARLEY_LOG_LEVEL: 'warn' };
    child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', dir], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout?.on('data', (d) => {
      stdout += String(d);
    });
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += String(d);
    });
    for (let i = 0; i < 300 && !/#key=\S+/.test(stdout); i++) await sleep(100);
    const match = /Open the web client:\s+(http:\/\/127\.0\.0\.1:\d+)\/#key=(\S+)/.exec(stdout);
    expect(match, stdout + stderr).not.toBeNull();
    const [, url, key] = match as unknown as [string, string, string];
    expect(stdout).toContain(`curl -s -X POST ${url}/v1/sessions -H 'Authorization: Bearer ${key}'`);

    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const created = await fetch(`${url}/v1/sessions`, {
      method: 'POST',
      headers,
      body: '{"greeting": false}',
    });
    expect(created.status).toBe(201);
    const { sessionId, token, media } = (await created.json()) as {
      sessionId: string;
      token: string;
      media: { websocket: string };
    };

    const socket = new WebSocket(`${media.websocket}?token=${encodeURIComponent(token)}`);
    const events: { type: string; text?: string; trace?: { userText: string; agentText: string } }[] = [];
    socket.on('message', (data, isBinary) => {
      if (!isBinary) events.push(JSON.parse(data.toString()));
    });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    for (const frame of splitFrames(await callerAudio('Where is my order four two one nine?'), 16_000)) {
      socket.send(encodeAudioMessage(frame.samples));
      await sleep(20);
    }
    for (let i = 0; i < 200 && !events.some((e) => e.type === 'turn_trace'); i++) await sleep(100);
    const trace = events.find((e) => e.type === 'turn_trace')?.trace;
    expect(trace, JSON.stringify(events.map((e) => e.type))).toBeDefined();

    const transcript = await (await fetch(`${url}/v1/sessions/${sessionId}/transcript`, { headers })).json();
    expect(transcript.turns[0]).toMatchObject({ complete: true, userText: trace?.userText });
    expect(transcript.turns[0].userText).toMatch(/four two one nine/);
    expect(transcript.toolCalls).toContainEqual(
      expect.objectContaining({ tool: 'get_order_status', outcome: 'executed' }),
    );

    const exited = new Promise<number | null>((r) => child?.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    socket.terminate();
    // The call in progress was ended and recorded as such before the process left.
    const db = openDatabase(join(dir, 'parley.db'));
    expect(new CallStore(db).getSession(sessionId)).toMatchObject({
      endReason: 'server_shutdown',
      turnCount: 1,
    });
    db.close();
  });

  it('reads PARLEY_DATA_DIR, PARLEY_VOICE, PARLEY_LM and PARLEY_AGENT, a flag overriding the environment', async () => {
    const dataDir = join(dir, 'from-env');
    const env = {
      ...process.env,
      PARLEY_API_KEYS: 'pk_serve_env_test_key_0123456789',
      PARLEY_LOG_LEVEL: 'warn',
      PARLEY_DATA_DIR: dataDir,
      PARLEY_VOICE: 'rms',
      PARLEY_LM: 'generic',
      PARLEY_AGENT: 'package-tracker',
    };
    const server = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--voice', 'awb'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = server;
    let out = '';
    server.stdout?.on('data', (d) => {
      out += String(d);
    });
    server.stderr?.on('data', (d) => {
      out += String(d);
    });
    for (let i = 0; i < 300 && !/listening on (\S+)/.test(out); i++) await sleep(100);
    const url = /listening on (\S+)/.exec(out)?.[1];
    expect(url, out).toBeDefined();
    const engines = await (
      await fetch(`${url}/v1/engines`, { headers: { authorization: `Bearer ${env.PARLEY_API_KEYS}` } })
    ).json();
    // --voice beats PARLEY_VOICE; PARLEY_DATA_DIR holds the database; PARLEY_LM=generic builds no domain model.
    expect(engines.defaults).toMatchObject({
      voice: 'awb',
      stt: 'embedded',
      tts: 'embedded',
      brain: 'agent',
    });
    // A configured key is the operator's secret: not in the banner, not in the logs (finding 6).
    expect(out).not.toContain(env.PARLEY_API_KEYS);
    expect(existsSync(join(dataDir, 'parley.db'))).toBe(true);
    expect(existsSync(join(dataDir, 'lm'))).toBe(false);
    expect(existsSync(join(dataDir, 'agents', 'package-tracker', 'orders.db'))).toBe(true);
    const exited = new Promise<number | null>((r) => server.once('exit', (code) => r(code)));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses an unknown setting with the values it allows, before listening', async () => {
    const run = (env: Record<string, string>) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const p = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
          env: { ...process.env, PARLEY_LOG_LEVEL: 'warn', PARLEY_DATA_DIR: join(dir, 'bad'), ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stderr = '';
        p.stderr?.on('data', (d) => {
          stderr += String(d);
        });
        p.once('exit', (code) => resolve({ code, stderr }));
      });
    const lm = await run({ PARLEY_LM: 'huge' });
    expect(lm.code).toBe(2);
    expect(lm.stderr).toContain("PARLEY_LM 'huge' is not allowed; use one of: domain, generic");
    const voice = await run({ PARLEY_VOICE: 'baritone' });
    expect(voice.code).not.toBe(0);
    expect(voice.stderr).toMatch(/unknown voice 'baritone'.*slt, rms, awb, kal16, espeak/);
  });
});

describe('start banner', () => {
  const banner = { url: 'http://127.0.0.1:8080', agents: ['package-tracker'], engines: 'stt embedded' };

  it('the banner with a configured key does not show it (finding 6)', () => {
    const key = 'pk_operator_configured_key_0123456789';
    const text = startBanner({ ...banner, apiKey: key, apiKeyGenerated: false });
    expect(text).not.toContain(key);
    expect(text).toContain('PARLEY_API_KEYS');
    expect(text).toContain("curl -s -X POST http://127.0.0.1:8080/v1/sessions -H 'Authorization: Bearer <");
  });

  it('the banner shows a key generated for this run, so the web client opens with it', () => {
    const key = 'pk_generated_for_this_run_0123456789';
    const text = startBanner({ ...banner, apiKey: key, apiKeyGenerated: true });
    expect(text).toContain(`http://127.0.0.1:8080/#key=${key}`);
    expect(text).toContain(`Authorization: Bearer ${key}`);
  });
});
