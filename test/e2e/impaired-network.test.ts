/**
 * A browser call over an impaired network: headless Chromium asks about order 4219 over WebRTC,
 * and its ICE reaches the server only through the UDP impairer (2% loss and 30 ms jitter each
 * way on RTP). The page's offer and the server's answer pass through Playwright, which strips
 * the offer's candidates and points the answer's at the relay, so no direct path exists.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  relaySdp,
  sdpCandidates,
  startUdpImpairer,
  type UdpImpairer,
} from '../../src/testing/media/udp-impairer.js';
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

let h: Harness;
let wav = '';
const logLines: string[] = [];

beforeAll(async () => {
  buildWebClient();
  h = await startHarness({ logLines });
  wav = join(h.dir, 'question.wav');
  // The greeting plays for ~3 s after connecting; the caller speaks after it.
  await writeCallerWav(
    wav,
    [{ silenceMs: 5000 }, { say: 'where is my order four two one nine' }, { silenceMs: 12_000 }],
    'rms',
  );
});

afterAll(async () => {
  await h?.close();
});

describe('browser call over an impaired network', () => {
  it('answers about order 4219 over WebRTC at 2% loss and 30 ms jitter, all media through the relay', async () => {
    const context = await launchCaller(wav, join(h.dir, 'profile-impaired'));
    let relay: UdpImpairer | undefined;
    try {
      const page = await context.newPage();
      await page.route('**/v1/media/webrtc', async (route) => {
        const offer = relaySdp(route.request().postData() ?? '');
        const response = await route.fetch({ postData: offer });
        const answer = await response.text();
        const target = sdpCandidates(answer)[0];
        if (response.status() !== 201 || !target) {
          await route.fulfill({ response, body: answer });
          return;
        }
        const impairment = { loss: 0.02, jitterMs: 30 };
        relay = await startUdpImpairer({
          target,
          up: impairment,
          down: impairment,
          seed: 3,
          mediaOnly: true,
        });
        await route.fulfill({ response, body: relaySdp(answer, relay) });
      });
      await page.goto(`${h.server.url}/#key=${h.server.apiKey}&transport=webrtc`);
      await page.click('#call');
      await page.waitForFunction(() => window.parley.model.connection === 'connected', undefined, {
        timeout: 30_000,
      });
      const handle = await page.waitForFunction(
        () => window.parley.model.turns.find((t) => t.turnId > 0 && t.done && t.agentText)?.turnId,
        undefined,
        { timeout: 60_000, polling: 100 },
      );
      const turnId = (await handle.jsonValue()) as number;
      await sleep(1000);
      await screenshot(page, 'webrtc-impaired');
      const turn = (await pageTurns(page)).find((t) => t.turnId === turnId);
      expect(turn?.userText).toMatch(/order/);
      expect(turn?.agentText).toMatch(/in transit/i);
      expect(turn?.agentText).toMatch(/42 ?19|four two one nine|forty two nineteen/i);
      // All of the call's media crossed the relay, and the relay did drop some of it.
      if (!relay) throw new Error('the offer never went through the relay');
      expect(relay.up.rtpForwarded).toBeGreaterThan(300); // > 6 s of 20 ms packets from the mic
      expect(relay.down.rtpForwarded).toBeGreaterThan(100); // greeting and answer
      expect(relay.up.dropped + relay.down.dropped).toBeGreaterThan(0);
    } finally {
      await context.close();
    }
    // What the server's receive side did about the loss (logged when the media closes).
    const deadline = Date.now() + 15_000;
    let closed: Record<string, unknown> | undefined;
    while (!closed && Date.now() < deadline) {
      closed = logLines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.msg === 'webrtc media closed');
      if (!closed) await sleep(100);
    }
    const received = closed?.received as Record<string, number> | undefined;
    console.log(
      `impaired browser call: relay up ${JSON.stringify(relay?.up)} down ${JSON.stringify(relay?.down)}; server receive ${JSON.stringify(received)}`,
    );
    expect(received?.lost).toBeGreaterThan(0);
    expect((received?.fecRecovered ?? 0) + (received?.concealed ?? 0)).toBeGreaterThanOrEqual(
      received?.lost ?? 0,
    );
  });
});
