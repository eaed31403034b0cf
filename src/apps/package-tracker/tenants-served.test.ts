/** Finding 5 of issue 15 through a served session: orders belong to the API key that owns the session. */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../store/database.js';
import { DrivenRuntime } from '../../testing/index.js';
import { TestServers } from '../../testing/test-servers.js';
import { OrderStore } from './orders.js';

const KEY_A = 'pk_tenant_test_key_alpha_0123456789abcdef';
const KEY_B = 'pk_tenant_test_key_bravo_0123456789abcdef';

const servers = new TestServers({}, 'parley-tenants-');

afterEach(() => servers.closeAll());

describe('package tracker orders on a server with two API keys (finding 5)', () => {
  it('an order of tenant A is unknown to tenant B (finding 5)', async () => {
    const runtime = new DrivenRuntime();
    const { server, dir } = await servers.startIn({
      apiKeys: [KEY_A, KEY_B],
      runtime,
      tokenSecret: 'a-test-secret-that-is-at-least-32-bytes-long',
      greeting: true, // as before: the server default (each request here asks for none)
    });
    const session = async (key: string) => {
      const res = await server.app.inject({
        method: 'POST',
        url: '/v1/sessions',
        headers: { authorization: `Bearer ${key}` },
        payload: { greeting: false },
      });
      expect(res.statusCode).toBe(201);
      const id = (res.json() as { sessionId: string }).sessionId;
      return { id, driven: runtime.find(id), owner: server.store.getSession(id)?.ownerKey as string };
    };
    const a = await session(KEY_A);
    const b = await session(KEY_B);
    expect(a.owner).not.toBe(b.owner);
    expect(a.owner).not.toContain(KEY_A);

    // Tenant A's own order, in the agent's database, under the tenant the server gave A's sessions.
    const db = openDatabase(join(dir, 'agents', 'package-tracker', 'orders.db'));
    new OrderStore(db).add({
      tenant: a.owner,
      number: '7003',
      status: 'out_for_delivery',
      carrier: 'UPS',
      eta: 'today',
      delayReason: null,
      trackingUrl: 'https://track.parley.example/7003',
      customerPhone: '+15550109753',
      postcode: '86420',
    });
    db.close();

    const seenByA = await a.driven.userTurn('where is order seven zero zero three');
    expect(seenByA.agentText).toMatch(/^Order seven zero zero three is out for delivery/);
    const seenByB = await b.driven.userTurn('where is order seven zero zero three');
    expect(seenByB.agentText).toBe(
      "I can't find order seven zero zero three. Could you read me the number again?",
    );
    // B knowing A's postcode does not help: the order does not exist for B.
    await b.driven.userTurn('text me the tracking link for order seven zero zero three');
    const check = await b.driven.userTurn('eight six four two zero');
    expect(check.tools).toEqual([
      { name: 'verify_caller', args: { order_number: '7003', postcode: '86420' }, status: 'executed' },
    ]);
    expect(check.agentText).toMatch(/doesn't match/);
    // The sample orders stay available under either key (the README's call).
    expect((await b.driven.userTurn('where is order four two one nine')).agentText).toMatch(
      /^Order four two one nine is in transit/,
    );
  });
});
