import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPackageTrackerAgent } from '../apps/package-tracker/index.js';
import { VirtualClock } from '../clock.js';
import type { SessionEvent } from '../conversation/events.js';
import { openDatabase } from '../store/database.js';
import { createEmbeddedRuntime } from './embedded.js';
import type { Runtime } from './runtime.js';

describe('embedded runtime', () => {
  let dir: string;
  let runtime: Runtime;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-runtime-'));
    runtime = await createEmbeddedRuntime({ dataDir: dir, voice: 'slt' });
  }, 60_000);

  afterAll(async () => {
    await runtime.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('builds the agent’s domain language model once, whatever the number of sessions', async () => {
    const agent = createPackageTrackerAgent({ db: openDatabase(':memory:') });
    const sessions = await Promise.all([1, 2, 3].map((n) => runtime.createSession({ agent, id: `s${n}` })));
    expect(sessions.map((s) => s.id)).toEqual(['s1', 's2', 's3']);
    expect((await readdir(join(dir, 'lm'))).filter((d) => d.startsWith('domain-lm-'))).toHaveLength(1);
    await Promise.all(sessions.map((s) => s.close()));
  });

  it('speaks the greeting with the runtime voice, paced on the session clock', async () => {
    const agent = createPackageTrackerAgent({ db: openDatabase(':memory:') });
    const clock = new VirtualClock();
    const session = await runtime.createSession({
      agent,
      id: 'greeter',
      clock,
      options: { greeting: true },
    });
    const events: SessionEvent[] = [];
    session.onEvent((e) => events.push(e));
    let frames = 0;
    session.onAgentAudio(() => frames++);
    session.start();
    // Real synthesis runs on a worker: give it real time between virtual steps.
    for (let i = 0; i < 1000 && !events.some((e) => e.type === 'reply_done'); i++) {
      await new Promise((r) => setTimeout(r, 2));
      await clock.advance(20);
    }
    // The greeting is spoken with the runtime's real voice, paced on the session's virtual clock.
    const spoken = events.flatMap((e) => (e.type === 'clause' ? [e.text] : [])).join(' ');
    expect(spoken).toBe(agent.greeting);
    expect(frames).toBeGreaterThan(50);
    await session.close();
    expect(events.at(-1)?.type).toBe('ended');
  });
});
