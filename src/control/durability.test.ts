import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { concat, silence, sine, splitFrames } from '../audio/signals.js';
import { encodeAudioMessage } from '../media/websocket/audio-message.js';

const FIXTURE = fileURLToPath(new URL('../testing/server-fixture.ts', import.meta.url));
const KEY = 'pk_durability_test_key_0123456789';
const dir = mkdtempSync(join(tmpdir(), 'parley-durability-'));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function startServer(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dir, KEY], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start in 30 s')), 30_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`server exited early with ${code}`)));
  });
  return { child, url };
}

const auth = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A caller on the WebSocket media route: plays audio in real time, collects session events. */
class Caller {
  readonly events: { type: string; turnId?: number; trace?: { turnId: number } }[] = [];
  private waiters: (() => void)[] = [];

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      this.events.push(JSON.parse(data.toString()));
      for (const w of this.waiters.splice(0)) w();
    });
  }

  async say(speechMs: number, thenSilenceMs: number): Promise<void> {
    const audio = concat(sine(300, speechMs, 16_000, 0.3), silence(thenSilenceMs, 16_000));
    for (const frame of splitFrames(audio, 16_000)) {
      if (this.socket.readyState !== WebSocket.OPEN) return;
      this.socket.send(encodeAudioMessage(frame.samples));
      await sleep(20);
    }
  }

  async waitFor(match: (e: Caller['events'][number]) => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.events.some(match)) {
      if (Date.now() > deadline)
        throw new Error(`timed out; events: ${this.events.map((e) => e.type).join(',')}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }
}

describe('durability', () => {
  it('keeps every committed turn when the server is killed mid-call', async () => {
    const first = await startServer();
    const created = await fetch(`${first.url}/v1/sessions`, { method: 'POST', headers: auth, body: '{}' });
    expect(created.status).toBe(201);
    const { sessionId, token, media } = (await created.json()) as {
      sessionId: string;
      token: string;
      media: { websocket: string };
    };
    const socket = new WebSocket(`${media.websocket}?token=${encodeURIComponent(token)}`);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const caller = new Caller(socket);

    // Turn 1 is answered in full (the package tracker looks the order up).
    const speaking = caller.say(800, 1500);
    await caller.waitFor((e) => e.type === 'turn_trace' && e.trace?.turnId === 1);
    await speaking;
    // Turn 2 is committed; the process dies before it can answer.
    void caller.say(800, 1500);
    await caller.waitFor((e) => e.type === 'turn_committed' && e.turnId === 2);
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    socket.terminate();

    const second = await startServer();
    try {
      const res = await fetch(`${second.url}/v1/sessions/${sessionId}/transcript`, { headers: auth });
      expect(res.status).toBe(200);
      const transcript = (await res.json()) as {
        active: boolean;
        endReason: string;
        turns: {
          turnId: number;
          userText: string;
          agentText: string;
          heardText: string;
          complete: boolean;
        }[];
        toolCalls: { tool: string; outcome: string }[];
      };
      expect(transcript.active).toBe(false);
      expect(transcript.endReason).toBe('server_restart');
      expect(transcript.turns.map((t) => t.userText)).toEqual([
        'where is my order four two one nine',
        'can you text me the tracking link please',
      ]);
      expect(transcript.turns[0]).toMatchObject({ complete: true, heardText: expect.stringMatching(/\S/) });
      expect(transcript.turns[0]?.agentText).toMatch(/four two one nine/i);
      expect(transcript.toolCalls).toContainEqual(
        expect.objectContaining({ tool: 'get_order_status', outcome: 'executed' }),
      );
    } finally {
      second.child.kill('SIGTERM');
      await new Promise((r) => second.child.once('exit', r));
    }
  });
});
