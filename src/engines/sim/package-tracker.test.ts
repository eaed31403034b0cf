import { afterEach, describe, expect, it } from 'vitest';
import { createPackageTrackerAgent } from '../../apps/package-tracker/index.js';
import type { Clock } from '../../clock.js';
import { openDatabase } from '../../store/database.js';
import { createHarness, type Harness } from '../../testing/harness.js';
import { createSimBrainEngine, type SimBrainEngine } from './engine.js';

let sim: SimBrainEngine | undefined;
afterEach(async () => {
  await sim?.close();
});

describe('the package tracker on the sim brain', () => {
  it('tracks order 4219 through the simulated LLM, its delays on the session clock', async () => {
    const db = openDatabase(':memory:');
    const agent = createPackageTrackerAgent({ db });
    sim = createSimBrainEngine({ ttftMs: 600, ttftSpread: 0, tps: 40 });
    // The harness makes its clock; the brain needs it first, so it reads it through this.
    let h: Harness | undefined;
    const clock: Clock = {
      now: () => h?.clock.now() ?? 0,
      sleep: (ms, signal) => (h ? h.clock.sleep(ms, signal) : Promise.resolve()),
    };
    const brain = sim.createBrain(agent, { sessionId: 's', clock });
    h = createHarness({
      agent,
      brain,
      script: ['where is my order four two one nine'],
      synth: { msPerChar: 10 },
    });
    const server = await sim.start();
    h.session.start();
    await h.say(800);
    await h.silence(400);
    // The simulated LLM answers over real loopback HTTP: give real time between virtual steps.
    for (let i = 0; i < 1000 && h.of('reply_done').length === 0; i++) {
      await new Promise((r) => setTimeout(r, 2));
      await h.silence(20);
    }
    await h.session.close();
    db.close();

    expect(h.of('tool_executed')).toContainEqual(
      expect.objectContaining({ name: 'get_order_status', status: 'executed' }),
    );
    expect(h.of('reply_done')[0]?.text).toMatch(/four two one nine is in transit/i);
    // Two LLM rounds (the lookup, then the answer), each with its 600 ms to the first token.
    expect(server.requests.map((r) => r.toolCalls.map((c) => c.name))).toEqual([['get_order_status'], []]);
    for (const r of server.requests) {
      expect((r.firstTokenAtMs ?? 0) - r.receivedAtMs).toBeGreaterThanOrEqual(600);
    }
    const [trace] = h.session.traces();
    const { committed, brainFirstToken } = trace?.marks ?? {};
    expect((brainFirstToken ?? 0) - (committed ?? 0)).toBeGreaterThanOrEqual(600);
  });
});
