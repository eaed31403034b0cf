/**
 * Calls to a real Parley server (embedded engines: the recognizer has to understand the caller)
 * over impaired networks: WebRTC through the UDP impairer (2% loss + 30 ms jitter; 5% bursty
 * loss), WebSocket through the TCP impairer (150 ms delay and stalls). Success is the task done,
 * never a timing bound, so the tests hold on a loaded machine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyServer } from '../../control/server.js';
import { TestServers } from '../test-servers.js';
import { type ImpairedCallResult, renderUtterance, runImpairedCall } from './impaired-call.js';
import { burstyLoss, type Impairment } from './udp-impairer.js';

const servers = new TestServers({}, 'parley-impaired-');
let server: ParleyServer;
let utterance: Int16Array;

beforeAll(async () => {
  server = await servers.start();
  utterance = await renderUtterance('where is my order four two one nine');
});

afterAll(() => servers.closeAll());

function explain(r: ImpairedCallResult): string {
  return JSON.stringify({ failure: r.failure, userText: r.userText, agentText: r.agentText, relay: r.relay });
}

describe('calls over impaired networks', () => {
  it('answers about order 4219 over WebRTC at 2% loss and 30 ms jitter, all media through the relay', async () => {
    const impairment: Impairment = { loss: 0.02, jitterMs: 30 };
    const r = await runImpairedCall({
      serverUrl: server.url,
      apiKey: server.apiKey,
      transport: 'webrtc',
      utterance16k: utterance,
      udp: { up: impairment, down: impairment, seed: 1, mediaOnly: true },
      fecLossPercent: 5,
    });
    expect(r.success, explain(r)).toBe(true);
    expect(r.userText).toMatch(/four two one nine|4219/);
    // The relay was the only path (the offer went without candidates, the answer named only the
    // relay): it carried every caller packet (and more: RTCP, ICE consent checks) and dropped some.
    const relay = r.relay;
    if (!relay) throw new Error('no relay stats');
    expect(relay.clients).toBeGreaterThanOrEqual(1); // one per local interface the caller checks from
    expect(relay.up.received).toBeGreaterThanOrEqual(r.framesSent);
    expect(relay.up.rtpForwarded).toBeGreaterThan(r.framesSent * 0.9);
    expect(relay.up.dropped).toBeGreaterThan(0);
    expect(relay.down.rtpForwarded).toBeGreaterThan(50); // the spoken answer came back through it
  });

  it('answers about order 4219 over WebRTC at 5% bursty loss', async () => {
    const impairment: Impairment = { burst: burstyLoss(0.05, 3) };
    const r = await runImpairedCall({
      serverUrl: server.url,
      apiKey: server.apiKey,
      transport: 'webrtc',
      utterance16k: utterance,
      udp: { up: impairment, down: impairment, seed: 1, mediaOnly: true },
      fecLossPercent: 5,
    });
    expect(r.success, explain(r)).toBe(true);
    expect(r.relay?.up.dropped).toBeGreaterThan(0);
  });

  it('answers about order 4219 over WebSocket through 150 ms delay and stalls', async () => {
    const stream = { delayMs: 150, stallEveryMs: 1500, stallMs: 250 };
    const r = await runImpairedCall({
      serverUrl: server.url,
      apiKey: server.apiKey,
      transport: 'websocket',
      utterance16k: utterance,
      tcp: { up: stream, down: stream, seed: 1 },
    });
    expect(r.success, explain(r)).toBe(true);
    expect(r.stalls).toBeGreaterThan(0);
    expect(r.ttfaMs).toBeGreaterThan(300); // the caller hears the delay both ways
  });
});
