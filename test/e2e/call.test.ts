/**
 * Calls through the real web client in headless Chromium: the caller asks about order 4219 over
 * WebRTC and over the WebSocket fallback, interrupts the agent, and meets bad input; silence
 * gets no reply. Screenshots land in test-output/e2e/.
 */
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { AgentAudioDiagnostic } from '../../src/media/diagnostics.js';
import { WELL_FORMED_OFFER } from '../../src/testing/media/offers.js';
import {
  buildWebClient,
  createSession,
  type Harness,
  launchCaller,
  pageTurns,
  screenshot,
  sleep,
  startHarness,
  writeCallerWav,
} from './harness.js';

const QUESTION = "where's my order forty two nineteen";
/** Agent audio counts as audible above this RMS (fraction of full scale, about −40 dBFS). */
const AUDIBLE_RMS = 0.01;

let h: Harness;
const wavs = { question: '', silent: '', interrupt: '' };

beforeAll(async () => {
  buildWebClient();
  h = await startHarness();
  wavs.question = join(h.dir, 'question.wav');
  wavs.silent = join(h.dir, 'silent.wav');
  wavs.interrupt = join(h.dir, 'interrupt.wav');
  // The greeting plays for ~3 s after connecting; the caller speaks after it.
  await writeCallerWav(wavs.question, [{ silenceMs: 5000 }, { say: QUESTION }, { silenceMs: 12_000 }], 'rms');
  await writeCallerWav(wavs.silent, [{ silenceMs: 14_000 }], 'rms');
  await writeCallerWav(
    wavs.interrupt,
    [
      { silenceMs: 5000 },
      { say: QUESTION },
      // The answer starts about 1.5 s after the question; this cuts in about 1.5 s into it.
      { silenceMs: 3000 },
      // Talking over the agent, callers speak up; the session's echo gate expects the caller to be
      // clearly louder than the agent's own voice would come back.
      { say: 'can i talk to a person', gain: 2.5 },
      { silenceMs: 10_000 },
    ],
    'rms',
  );
});

afterAll(async () => {
  await h?.close();
});

interface Call {
  name: string;
  context: BrowserContext;
  page: Page;
}

/** Ends a call, keeping a screenshot of how the page looked (also when the test failed). */
async function endCall(call: Call): Promise<void> {
  await screenshot(call.page, call.name).catch(() => undefined);
  await call.context.close();
}

async function startCall(
  wav: string,
  name: string,
  transport?: 'ws' | 'webrtc',
  prepare?: (page: Page) => Promise<unknown>,
): Promise<Call> {
  const context = await launchCaller(wav, join(h.dir, `profile-${name}`));
  const page = await context.newPage();
  await prepare?.(page);
  const suffix = transport ? `&transport=${transport}` : '';
  await page.goto(`${h.server.url}/#key=${h.server.apiKey}${suffix}`);
  await page.click('#call');
  await page.waitForFunction(
    () => window.parley.model.connection === 'connected' && window.parley.model.transport !== '',
    undefined,
    { timeout: 15_000 },
  );
  return { name, context, page };
}

/** Waits for the reply to the caller's first turn to finish; returns that turn's id. */
async function waitForReply(page: Page, timeoutMs = 45_000): Promise<number> {
  const handle = await page.waitForFunction(
    () => window.parley.model.turns.find((t) => t.turnId > 0 && t.done && t.agentText)?.turnId,
    undefined,
    { timeout: timeoutMs, polling: 100 },
  );
  return (await handle.jsonValue()) as number;
}

/** Highest RMS of the agent audio measured in the page while `turnId`'s reply played. */
async function replyRms(page: Page, turnId: number): Promise<number> {
  return page.evaluate((id) => {
    const p = window.parley;
    const started = p.events.find((e) => e.event.type === 'agent_audio_started' && e.event.turnId === id);
    const done = p.events.find((e) => e.event.type === 'reply_done' && e.event.turnId === id);
    if (!started) return 0;
    const end = (done?.localMs ?? performance.now()) + 500;
    return Math.max(0, ...p.rmsLog.filter((s) => s.t >= started.localMs && s.t <= end).map((s) => s.rms));
  }, turnId);
}

async function expectAnsweredOrderCall(page: Page, name: string): Promise<void> {
  const turnId = await waitForReply(page);
  const turns = await pageTurns(page);
  const turn = turns.find((t) => t.turnId === turnId);
  if (!turn) throw new Error('no turn');
  await sleep(1500); // let the heard report and the trace arrive
  await screenshot(page, name);
  const article = page.locator(`article[data-turn-id="${turnId}"]`).first();
  // The user's words as recognized, shown solid (final).
  expect(turn.userText).toMatch(/where('s| is) my order/);
  await expect(article.locator('.line.user.final').textContent()).resolves.toContain('my order');
  // The reply as shown mentions the order's status.
  const agentLine = (await article.locator('.line.agent').textContent()) ?? '';
  expect(agentLine).toMatch(/in transit/i);
  expect(agentLine).toMatch(/42 ?19|four two one nine|forty two nineteen/i);
  // The reply was audible in the page.
  expect(await replyRms(page, turnId)).toBeGreaterThan(AUDIBLE_RMS * 3);
  // A TTFA figure is displayed for the turn.
  await expect(article.locator('.ttfa').textContent()).resolves.toMatch(/^TTFA \d+ ms$/);
  const heard = await page.evaluate(() => window.parley.heard);
  expect(heard.some((x) => x.turnId === turnId)).toBe(true);
}

describe('browser calls', () => {
  it('answers a question about order 4219 over WebRTC, audibly, with TTFA shown', async () => {
    const call = await startCall(wavs.question, 'webrtc-order');
    try {
      expect(await call.page.evaluate(() => window.parley.model.transport)).toBe('webrtc');
      await expectAnsweredOrderCall(call.page, 'webrtc-order');
    } finally {
      await endCall(call);
    }
  });

  it('gives no reply to a silent caller (control)', async () => {
    const call = await startCall(wavs.silent, 'webrtc-silent');
    try {
      await sleep(11_000);
      await screenshot(call.page, 'webrtc-silent');
      const turns = await pageTurns(call.page);
      expect(turns.filter((t) => t.turnId > 0)).toEqual([]);
      const types = await call.page.evaluate(() => window.parley.events.map((e) => e.event.type));
      expect(types).not.toContain('turn_committed');
      expect(types).not.toContain('user_speech_started');
      // The greeting did play: the line works, there is just nothing to answer.
      expect(turns.find((t) => t.turnId === 0)?.heardText).toMatch(/help/);
    } finally {
      await endCall(call);
    }
  });

  it('stops the agent within 300 ms when the caller interrupts, and shows the cut reply', async () => {
    const call = await startCall(wavs.interrupt, 'webrtc-interrupt');
    try {
      const sessionId = await call.page.evaluate(() => window.parley.sessionId);
      const handle = await call.page.waitForFunction(
        () => window.parley.model.turns.find((t) => t.turnId > 0 && t.interrupted)?.turnId,
        undefined,
        { timeout: 45_000, polling: 100 },
      );
      const turnId = (await handle.jsonValue()) as number;
      await sleep(1000);
      await screenshot(call.page, 'webrtc-interrupt');
      // Server side: the queue was flushed on `interrupted`, and no agent frame left within the next second.
      const flush = h.agentAudio.find(
        (d): d is Extract<AgentAudioDiagnostic, { kind: 'flushed' }> =>
          d.kind === 'flushed' && d.sessionId === sessionId,
      );
      if (!flush) throw new Error('no barge-in flush seen on the server');
      // The tail of the interrupted reply: frames that kept leaving without a pause after the flush
      // (the reply to the interruption itself starts only after a clear gap).
      const sentAfter = h.agentAudio
        .filter((d) => d.kind === 'sent' && d.sessionId === sessionId && d.atMs > flush.atMs)
        .map((d) => d.atMs);
      let lastSent = flush.atMs;
      for (const at of sentAfter) {
        if (at - lastSent > 100) break;
        lastSent = at;
      }
      console.log(
        `barge-in: ${flush.droppedFrames} queued frames dropped; last agent frame ${Math.round(lastSent - flush.atMs)} ms after the interruption`,
      );
      expect(lastSent - flush.atMs).toBeLessThanOrEqual(300);
      // Page side: the agent's audio fell silent within 300 ms of the interruption reaching the page.
      const { silentAfterMs, samplerLagMs } = await call.page.evaluate(
        ({ id, threshold }) => {
          const p = window.parley;
          const at = p.events.find((e) => e.event.type === 'interrupted' && e.event.turnId === id)?.localMs;
          if (at === undefined) return { silentAfterMs: -1, samplerLagMs: 0 };
          // The first moment the agent's audio went quiet and stayed quiet for 100 ms (5 samples).
          const after = p.rmsLog.filter((s) => s.t >= at);
          for (let i = 0; i + 5 <= after.length; i++) {
            if (after.slice(i, i + 5).every((s) => s.rms < threshold)) {
              // The level is sampled every 20 ms when the page keeps up; a busy page samples late.
              const gaps = after
                .slice(0, i + 1)
                .map((s, j) => s.t - (j === 0 ? at : (after[j - 1] as { t: number }).t));
              return {
                silentAfterMs: (after[i] as { t: number }).t - at,
                samplerLagMs: Math.max(0, ...gaps.map((g) => g - 20)),
              };
            }
          }
          return { silentAfterMs: -1, samplerLagMs: 0 };
        },
        { id: turnId, threshold: AUDIBLE_RMS },
      );
      // Audio already in the browser's jitter buffer and output cannot be recalled: allow for it.
      const clientDelayMs = (await call.page.evaluate(() => window.parley.playoutDelayMs)) ?? 0;
      console.log(
        `barge-in: page audio silent ${Math.round(silentAfterMs)} ms after the interrupted event arrived (client playout delay ${Math.round(clientDelayMs)} ms, level sampler late by up to ${Math.round(samplerLagMs)} ms)`,
      );
      expect(silentAfterMs).toBeGreaterThanOrEqual(0);
      // What the page could not have heard sooner: its own buffer, and how late it looked.
      expect(silentAfterMs).toBeLessThanOrEqual(300 + clientDelayMs + samplerLagMs);
      // The transcript shows the reply cut where it was interrupted.
      const turn = (await pageTurns(call.page)).find((t) => t.turnId === turnId);
      expect(turn?.heardText.length).toBeGreaterThan(0);
      expect(turn?.discardedText.length).toBeGreaterThan(0);
      const article = call.page.locator(`article[data-turn-id="${turnId}"]`).first();
      await expect(article.locator('.cut').count()).resolves.toBe(1);
      await expect(article.locator('.text.discarded').textContent()).resolves.toContain(
        turn?.discardedText.trim().split(' ')[0] ?? '?',
      );
    } finally {
      await endCall(call);
    }
  });

  it('makes the same call over the WebSocket fallback', async () => {
    const call = await startCall(wavs.question, 'websocket-order', 'ws');
    try {
      expect(await call.page.evaluate(() => window.parley.model.transport)).toBe('websocket');
      await expectAnsweredOrderCall(call.page, 'websocket-order');
    } finally {
      await endCall(call);
    }
  });

  it('falls back to the WebSocket when WebRTC fails', async () => {
    // The WebRTC offer never gets through (a proxy that drops it, say): the page must fall back.
    const call = await startCall(wavs.question, 'fallback-order', undefined, (page) =>
      page.route('**/v1/media/webrtc', (route) => route.abort('connectionrefused')),
    );
    try {
      expect(await call.page.evaluate(() => window.parley.model.transport)).toBe('websocket');
      const notes = await call.page.evaluate(() => window.parley.model.errors);
      expect(notes.some((n) => /WebRTC failed/.test(n))).toBe(true);
      await expectAnsweredOrderCall(call.page, 'fallback-order');
    } finally {
      await endCall(call);
    }
  });

  it('refuses garbage SDP and an expired token clearly while another call carries on', async () => {
    const call = await startCall(wavs.question, 'parallel-order');
    try {
      // Garbage SDP with a valid token.
      const a = await createSession(h.server);
      const garbage = await fetch(a.media.webrtc, {
        method: 'POST',
        headers: { 'content-type': 'application/sdp', authorization: `Bearer ${a.token}` },
        body: 'hello, this is not SDP',
      });
      expect(garbage.status).toBe(400);
      const garbageBody = (await garbage.json()) as { error: { code: string; message: string } };
      expect(garbageBody.error.code).toBe('invalid_sdp');
      expect(garbageBody.error.message).toMatch(/SDP/);
      // Expired tokens, on both transports.
      const b = await createSession(h.server);
      const c = await createSession(h.server);
      h.wallSkewMs = 120_000;
      try {
        const expired = await fetch(b.media.webrtc, {
          method: 'POST',
          headers: { 'content-type': 'application/sdp', authorization: `Bearer ${b.token}` },
          // A well-formed offer, so the refusal is the token's (offers are checked before tokens).
          body: WELL_FORMED_OFFER,
        });
        expect(expired.status).toBe(401);
        expect(((await expired.json()) as { error: { code: string } }).error.code).toBe('token_expired');
        const status = await new Promise<number>((resolve) => {
          const ws = new WebSocket(`${c.media.websocket}?token=${encodeURIComponent(c.token)}`);
          ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
          ws.on('open', () => {
            ws.close();
            resolve(101);
          });
        });
        expect(status).toBe(401);
      } finally {
        h.wallSkewMs = 0;
      }
      // The call in parallel was unaffected.
      await expectAnsweredOrderCall(call.page, 'parallel-order');
    } finally {
      await endCall(call);
    }
  });
});
