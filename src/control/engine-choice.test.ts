import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPackageTrackerAgent } from '../apps/package-tracker/index.js';
import { openDatabase } from '../store/database.js';
import { ScriptedRuntime } from '../testing/index.js';
import { TestServers } from '../testing/test-servers.js';
import type { ParleyServer } from './server.js';

const KEY = 'pk_engine_choice_test_key_0123456789';

describe('choosing the agent and engines by name in POST /v1/sessions', () => {
  const servers = new TestServers({}, 'parley-choice-');
  let server: ParleyServer;
  const db = openDatabase(':memory:');

  beforeAll(async () => {
    const tracker = createPackageTrackerAgent({ db });
    server = await servers.start({
      apiKeys: [KEY],
      greeting: true, // the server default, as before
      agents: [tracker, { ...tracker, name: 'second-line' }],
      runtime: new ScriptedRuntime({ script: [] }),
    });
  });

  afterAll(async () => {
    await servers.closeAll();
    db.close();
  });

  const post = async (body: object) => {
    const res = await fetch(`${server.url}/v1/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const get = async (path: string) =>
    (await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${KEY}` } })).json();

  it('lists the agents and engines on offer', async () => {
    expect(await get('/v1/agents')).toEqual({
      agents: [
        { name: 'package-tracker', description: '' },
        { name: 'second-line', description: '' },
      ],
      default: 'package-tracker',
    });
    expect(await get('/v1/engines')).toMatchObject({
      stt: expect.arrayContaining(['scripted']),
      voices: ['tone'],
    });
  });

  it('starts a session with the agent and voice asked for', async () => {
    const created = await post({ agent: 'second-line', engines: { voice: 'tone', stt: 'scripted' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ agent: 'second-line', engines: { voice: 'tone', stt: 'scripted' } });
  });

  it('refuses names it does not offer, listing the ones it does, and starts nothing', async () => {
    const stt = await post({ engines: { stt: 'nope' } });
    expect(stt.status).toBe(400);
    expect(stt.body.error).toMatchObject({ code: 'unknown_engine' });
    expect(JSON.stringify(stt.body)).toContain('scripted');
    const voice = await post({ engines: { voice: 'baritone' } });
    expect(voice.status).toBe(400);
    expect(voice.body.error).toMatchObject({
      code: 'unknown_voice',
      message: expect.stringContaining('tone'),
    });
    const agent = await post({ agent: 'nobody' });
    expect(agent.status).toBe(400);
    expect(agent.body.error).toMatchObject({ code: 'unknown_agent' });
    const extra = await post({ engines: { stt: 'scripted', gpu: true } });
    expect(extra.status).toBe(400);
    expect(server.sessions.activeCount).toBe(1);
  });
});
