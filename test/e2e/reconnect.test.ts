/**
 * Reconnects through the real web client in headless Chromium: the page's media connection is
 * cut for about 3 s mid-call (the socket dies without a close frame and the server is unreachable
 * meanwhile); the page shows "reconnecting", resumes the same session with its resume token, and
 * the caller then asks about order 4219 and is answered. Screenshot in test-output/e2e/.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildWebClient,
  type Harness,
  launchCaller,
  pageTurns,
  screenshot,
  sleep,
  startHarness,
  writeCallerWav,
} from './harness.js';

const QUESTION = "where's my order forty two nineteen";
const CUT_MS = 3000;

let h: Harness;
let wav = '';

beforeAll(async () => {
  buildWebClient();
  h = await startHarness();
  wav = join(h.dir, 'after-cut.wav');
  // Greeting (~3 s) and the cut (from ~4 s to ~7 s) pass in silence; the question comes after.
  await writeCallerWav(wav, [{ silenceMs: 10_000 }, { say: QUESTION }, { silenceMs: 12_000 }], 'rms');
});

afterAll(async () => {
  await h?.close();
});

type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** Cuts every media WebSocket without a close frame and refuses new ones for `ms`: a network loss. */
async function cutNetwork(ms: number): Promise<void> {
  const server = h.server.app.server;
  const upgrades = server.listeners('upgrade') as UpgradeListener[];
  server.removeAllListeners('upgrade');
  server.on('upgrade', (_req, socket: Duplex) => socket.destroy());
  for (const client of h.server.app.websocketServer.clients) client.terminate();
  await sleep(ms);
  server.removeAllListeners('upgrade');
  for (const listener of upgrades) server.on('upgrade', listener);
}

describe('reconnects', () => {
  it('a WebSocket call cut for 3 s resumes the same session and answers about order 4219 afterwards', async () => {
    const context = await launchCaller(wav, join(h.dir, 'profile-reconnect'));
    const page = await context.newPage();
    try {
      await page.goto(`${h.server.url}/#key=${h.server.apiKey}&transport=ws`);
      await page.click('#call');
      await page.waitForFunction(() => window.parley.model.connection === 'connected', undefined, {
        timeout: 15_000,
      });
      const sessionId = await page.evaluate(() => window.parley.sessionId);
      if (!sessionId) throw new Error('no session id');
      // Let the greeting start, then cut.
      await page.waitForFunction(
        () => window.parley.events.some((e) => e.event.type === 'agent_audio_started'),
        undefined,
        { timeout: 15_000 },
      );
      await sleep(1000);
      const cut = cutNetwork(CUT_MS);
      await page.waitForFunction(() => window.parley.model.connection === 'reconnecting', undefined, {
        timeout: 10_000,
      });
      await screenshot(page, 'reconnect-reconnecting');
      await cut;
      expect(h.server.sessions.isLive(sessionId)).toBe(true);
      await page.waitForFunction(
        () =>
          window.parley.model.connection === 'connected' &&
          window.parley.events.filter((e) => e.event.type === 'hello').length >= 2,
        undefined,
        { timeout: 20_000, polling: 100 },
      );
      const hellos = await page.evaluate(() =>
        window.parley.events.filter((e) => e.event.type === 'hello').map((e) => e.event.sessionId),
      );
      expect(hellos).toEqual([sessionId, sessionId]);
      const gapMs = await page.evaluate(() => {
        const hellos = window.parley.events.filter((e) => e.event.type === 'hello');
        return Math.round((hellos[1]?.localMs ?? 0) - (hellos[0]?.localMs ?? 0));
      });
      console.log(`reconnect: back in session ${sessionId} ${gapMs} ms after the first connection`);

      // The question after the reconnect is answered, in the same session.
      const handle = await page.waitForFunction(
        () => window.parley.model.turns.find((t) => t.turnId > 0 && t.done && t.agentText)?.turnId,
        undefined,
        { timeout: 60_000, polling: 100 },
      );
      const turnId = (await handle.jsonValue()) as number;
      await screenshot(page, 'reconnect-answered');
      const turn = (await pageTurns(page)).find((t) => t.turnId === turnId);
      expect(turn?.userText).toMatch(/where('s| is) my order/);
      expect(turn?.agentText).toMatch(/in transit/i);
      const log = await page.evaluate(() => window.parley.connectionLog);
      expect(log).toContain('reconnecting');
      expect(log.at(-1)).toBe('connected');

      // The server's record holds the greeting's session and the answered turn.
      const transcript = (await (
        await fetch(`${h.server.url}/v1/sessions/${sessionId}/transcript`, {
          headers: { authorization: `Bearer ${h.server.apiKey}` },
        })
      ).json()) as { active: boolean; turns: { userText: string; agentText: string }[] };
      expect(transcript.active).toBe(true);
      expect(
        transcript.turns.some((t) => /my order/.test(t.userText) && /in transit/i.test(t.agentText)),
      ).toBe(true);
    } finally {
      await screenshot(page, 'reconnect').catch(() => undefined);
      await context.close();
    }
  });
});
