import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPackageTrackerAgent } from '../../apps/package-tracker/index.js';
import { composeCaller } from '../../runtime/caller-audio.js';
import { type RecordedCallResult, runRecordedCall } from '../../runtime/recorded-call.js';
import { createRuntime } from '../../runtime/runtime.js';
import { openDatabase } from '../../store/database.js';
import { type CartesiaServer, startCartesiaServer } from '../../testing/providers/cartesia-server.js';
import { createSynthesizer } from '../tts.js';
import { createCartesiaEngine } from './engine.js';

/**
 * A real call through Parley (Silero, pocketsphinx, the package tracker's own brain) whose
 * agent speaks through the cartesia adapter and the local TTS WebSocket server.
 */
describe('a call whose agent speaks through Cartesia', () => {
  let dir: string;
  let server: CartesiaServer;
  let result: RecordedCallResult;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-cartesia-call-'));
    server = await startCartesiaServer({ synthesizer: await createSynthesizer('slt'), apiKey: 'call-key' });
    const caller = await composeCaller({
      voice: 'rms',
      parts: [{ pauseMs: 400 }, 'Where is my order four two one nine?', { pauseMs: 600 }],
    });
    const runtime = createRuntime({
      engines: { tts: createCartesiaEngine({ apiKey: 'call-key', url: server.url, voices: ['voice-c'] }) },
      agent: createPackageTrackerAgent({ db: openDatabase(':memory:') }),
      settings: { dataDir: dir, env: {} },
    });
    try {
      result = await runRecordedCall({
        samples: caller.samples,
        createSession: (clock) => runtime.createSession({ clock, options: { idleCheckInMs: 0 } }),
        settleMs: 1500,
        maxTailMs: 15_000,
      });
    } finally {
      await runtime.close();
    }
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers with the order status, spoken by the server, and the caller heard all of it', () => {
    expect(result.errors).toEqual([]);
    const turn = result.traces.find((t) => t.tools.some((tool) => tool.name === 'get_order_status'));
    expect(turn, JSON.stringify(result.traces, null, 1)).toBeDefined();
    expect(turn?.agentText).toMatch(/^Order four two one nine is in transit/);
    expect(turn?.interrupted).toBe(false);
    expect(turn?.heardText).toBe(turn?.agentText);

    // The reply's clauses went to the server, and its audio came back into the call.
    const sent = server.connections
      .flatMap((c) => c.messages.map((m) => m.message))
      .filter((m) => typeof m.transcript === 'string')
      .map((m) => String(m.transcript).trim());
    expect(sent.join(' ')).toContain(turn?.agentText);
    let loud = 0;
    for (const s of result.agent) if (Math.abs(s) > 3000) loud++;
    expect(loud).toBeGreaterThan(16_000 / 10);
  });
});
