import { describe, expect, it } from 'vitest';
import { createPackageTrackerAgent } from '../apps/package-tracker/index.js';
import { openDatabase } from '../store/database.js';
import { createHarness } from './index.js';

describe('the call harness with an agent under test', () => {
  it('runs the agent’s own brain and tools on the virtual clock', async () => {
    const db = openDatabase(':memory:');
    const h = createHarness({
      agent: createPackageTrackerAgent({ db }),
      // One utterance, revealed a word per 100 ms of voiced audio.
      script: ['my order is four two one nine'],
      synth: { msPerChar: 10 },
    });
    h.session.start();
    await h.say(500);
    // A pause mid-number ("my order is four two…") keeps the turn open.
    await h.silence(700);
    expect(h.of('turn_committed')).toHaveLength(0);
    await h.say(200);
    await h.silence(3000);
    expect(h.of('turn_committed').map((e) => e.text)).toEqual(['my order is four two one nine']);
    expect(h.of('tool_executed')).toContainEqual(
      expect.objectContaining({ name: 'get_order_status', status: 'executed' }),
    );
    expect(h.of('reply_done')[0]?.text).toMatch(/four two one nine is in transit/i);
    await h.session.close();
    db.close();
  });
});
