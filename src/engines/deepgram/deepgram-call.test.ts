import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_TRACKER_PHRASES } from '../../apps/package-tracker/index.js';
import { SystemClock } from '../../clock.js';
import type { RecordedCallResult } from '../../runtime/recorded-call.js';
import { type DeepgramServer, startDeepgramServer } from '../../testing/providers/deepgram-server.js';
import { runProviderCall } from '../../testing/providers/test-helpers.js';
import type { RecognizerEngine } from '../engine.js';
import { pocketsphinxEngine } from '../pocketsphinx/engine.js';
import { deepgramEngine } from './engine.js';

/**
 * One real call through the deepgram engine: the package tracker agent on a runtime whose
 * recognizer is Deepgram (a local Deepgram server recognizing with pocketsphinx), a flite caller
 * played in real time.
 */
describe('a call with deepgram as the recognizer', () => {
  let dir: string;
  let pocketsphinx: RecognizerEngine;
  let server: DeepgramServer;
  let deepgram: RecognizerEngine;
  let result: RecordedCallResult;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-deepgram-call-'));
    const phrases = { phrases: PACKAGE_TRACKER_PHRASES };
    pocketsphinx = await pocketsphinxEngine({ dataDir: dir, lm: 'domain', speakingRate: 1, env: {} }, {});
    await pocketsphinx.prepare?.(phrases);
    server = await startDeepgramServer({
      recognizer: () => pocketsphinx.createRecognizer(phrases, { sessionId: 'dg', clock: new SystemClock() }),
      apiKey: 'call-test-key',
    });
    const env = { DEEPGRAM_API_KEY: 'call-test-key', PARLEY_DEEPGRAM_URL: server.url };
    deepgram = await deepgramEngine({ dataDir: dir, lm: 'domain', speakingRate: 1, env }, {});
    result = await runProviderCall({
      engines: { stt: deepgram },
      dataDir: join(dir, 'data'),
      line: 'Where is my order number four two one nine?',
      pausesMs: [500, 1500],
    });
  }, 120_000);

  afterAll(async () => {
    await deepgram?.close?.();
    await server?.close();
    await pocketsphinx?.close?.();
    await rm(dir, { recursive: true, force: true });
  });

  it('looks the order up with the spoken number and speaks its status', () => {
    expect(result.errors).toEqual([]);
    const lookup = result.traces.find((t) => t.tools.some((tool) => tool.name === 'get_order_status'));
    expect(lookup, JSON.stringify(result.traces, null, 1)).toBeDefined();
    expect(lookup?.tools).toContainEqual({
      name: 'get_order_status',
      args: { order_number: '4219' },
      status: 'executed',
    });
    expect(lookup?.agentText).toMatch(/^Order four two one nine is in transit/);
    // The agent was heard: its audio track carries speech after the caller's question.
    expect(result.agent.some((s) => Math.abs(s) > 3000)).toBe(true);
    const marks = lookup?.marks ?? {};
    console.log(
      `deepgram call: stt final ${Math.round((marks.sttFinal as number) - (marks.committed as number))} ms after commit, ` +
        `TTFA ${Math.round((marks.playoutStart as number) - (marks.speechEnd as number))} ms`,
    );
  });

  it('carried the call on one stream, each turn final without a round trip once endpointing covered it', () => {
    expect(server.streams).toHaveLength(1);
    // Turn detection waits for results that reach the end of the speech, so the endpointing final
    // is usually there at commit and no Finalize is needed; never more than one per turn.
    const finalizes = server.streams[0]?.controls.filter((c) => c === 'Finalize').length ?? 0;
    expect(finalizes).toBeLessThanOrEqual(result.traces.length + 1);
    for (const t of result.traces) expect(t.marks.sttFinal).toBeDefined();
  });
});
