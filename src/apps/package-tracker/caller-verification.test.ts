/** Finding 5 of issue 15: callers are identified before side effects and personal data; orders belong to a tenant. */
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../store/database.js';
import { dialogueHarness } from './test-helpers.js';
import { OrderStore } from './orders.js';

const cancelledFlag = (db: ReturnType<typeof openDatabase>, tenant: string, number: string) =>
  (
    db.prepare('SELECT cancelled FROM orders WHERE tenant = ? AND number = ?').get(tenant, number) as {
      cancelled: number;
    }
  ).cancelled;

describe('caller verification (finding 5)', () => {
  it('a caller who does not verify cannot cancel an order even after "yes" (finding 5)', async () => {
    const { say, tools, db } = dialogueHarness();
    expect(await say('cancel my order four two one nine')).toMatch(/postcode on order four two one nine\?$/);
    expect(await say('yes', { confirms: true })).toMatch(/postcode/);
    expect(tools.filter((t) => t.name === 'cancel_order')).toEqual([]);
    expect(cancelledFlag(db, 'default', '4219')).toBe(0);
  });

  it('a brain that skips the check still cannot cancel: the tool refuses after the yes (finding 5)', async () => {
    const { gateway, db } = dialogueHarness();
    const propose = (turnId: number) =>
      gateway.propose(
        {
          callId: `c${turnId}`,
          name: 'cancel_order',
          arguments: '{"order_number":"4219"}',
          sessionId: 's1',
          turnId,
          phase: 'committed',
        },
        new AbortController().signal,
      );
    expect((await propose(1)).status).toBe('needs_confirmation');
    gateway.confirmPending(2);
    const outcome = await propose(2);
    expect(outcome).toMatchObject({
      status: 'executed',
      result: { cancelled: false, refusal: 'not_verified' },
    });
    expect(cancelledFlag(db, 'default', '4219')).toBe(0);
  });

  it('a wrong postcode cancels nothing; attempts are counted and after 3 the agent offers a person (finding 5)', async () => {
    const { say, tools, results, db, gateway } = dialogueHarness();
    await say('please cancel order four two one nine');
    expect(await say('one one one one one')).toMatch(
      /^That doesn't match our records\. You have two more tries\./,
    );
    expect(await say('two two two two two')).toMatch(/You have one more try\. What's the postcode/);
    expect(await say('nine nine nine nine nine')).toMatch(/transfer you to a person\?$/);
    expect(tools.map((t) => t.name)).toEqual(['verify_caller', 'verify_caller', 'verify_caller']);
    expect(results.map((r) => (r as { attemptsLeft?: number }).attemptsLeft)).toEqual([2, 1, 0]);
    // Even the right postcode is no longer compared in this call.
    const late = await gateway.propose(
      {
        callId: 'late',
        name: 'verify_caller',
        arguments: '{"order_number":"4219","postcode":"35812"}',
        sessionId: 's1',
        turnId: 9,
        phase: 'committed',
      },
      new AbortController().signal,
    );
    expect(late.result).toEqual({ orderNumber: '4219', verified: false, attemptsLeft: 0 });
    expect(await say('yes please')).toMatch(/transferring you to a person/);
    expect(db.prepare('SELECT reason, order_number, caller_verified FROM transfers').all()).toEqual([
      { reason: 'caller could not be verified', order_number: '4219', caller_verified: 0 },
    ]);
    expect(cancelledFlag(db, 'default', '4219')).toBe(0);
    expect(db.prepare('SELECT count(*) AS n FROM caller_checks WHERE ok = 0').get()).toEqual({ n: 3 });
  });

  it('the tracking link reply does not speak the phone digits before verification (finding 5)', async () => {
    const db = openDatabase(':memory:');
    const store = new OrderStore(db);
    store.add({
      tenant: 'default',
      number: '7001',
      status: 'shipped',
      carrier: 'UPS',
      eta: 'Friday',
      delayReason: null,
      trackingUrl: 'https://track.parley.example/7001',
      customerPhone: '+15550108642',
      postcode: '24680',
    });
    const { say, db: same } = dialogueHarness({ db });
    const before = await say('text me the tracking link for order seven zero zero one');
    expect(before).not.toMatch(/eight six four two|ending in/);
    expect(before).toMatch(/postcode on order seven zero zero one\?$/);
    expect(same.prepare('SELECT count(*) AS n FROM outbox').get()).toEqual({ n: 0 });
    const after = await say('two four six eight zero');
    expect(after).toBe(
      "I've texted the tracking link for order seven zero zero one to the phone ending in eight six four two.",
    );
  });

  it('digits keyed on the phone answer the postcode question (finding 5)', async () => {
    // The phone path hands keyed digits to the session as a text turn: submitText('35812').
    const { say, tools } = dialogueHarness();
    await say('I want to cancel order four two one nine');
    expect(await say('35812')).toBe('Do you want me to cancel order four two one nine?');
    expect(tools[0]).toEqual({
      name: 'verify_caller',
      args: { order_number: '4219', postcode: '35812' },
      status: 'executed',
    });
  });

  it('a verified caller\'s "yes please" with a stray word the recognizer added still confirms', async () => {
    const { say, db } = dialogueHarness();
    await say('cancel order four two one nine');
    await say('three five eight one two');
    expect(await say('yes please ship', { confirms: true })).toBe(
      'Done. Order four two one nine is cancelled.',
    );
    expect(cancelledFlag(db, 'default', '4219')).toBe(1);
  });

  it('order status stays answerable without verification: it is not personal (finding 5)', async () => {
    const { say, tools } = dialogueHarness();
    expect(await say('where is my order four two one nine')).toMatch(
      /^Order four two one nine is in transit/,
    );
    expect(tools.map((t) => t.name)).toEqual(['get_order_status']);
  });

  it('the postcode the caller read out is not taken for an order number later (finding 5)', async () => {
    const { say, tools } = dialogueHarness();
    await say('cancel order four two one nine');
    await say('three five eight one two');
    await say('no');
    await say('where is it');
    expect(tools.at(-1)).toEqual({
      name: 'get_order_status',
      args: { order_number: '4219' },
      status: 'executed',
    });
  });
});

describe('orders belong to a tenant (finding 5)', () => {
  it("an order of tenant A is unknown to tenant B, and B's cancel leaves A's copy alone (finding 5)", async () => {
    const db = openDatabase(':memory:');
    new OrderStore(db).add({
      tenant: 'tenant-a',
      number: '7002',
      status: 'in_transit',
      carrier: 'DHL',
      eta: 'Monday',
      delayReason: null,
      trackingUrl: 'https://track.parley.example/7002',
      customerPhone: '+15550107531',
      postcode: '13579',
    });
    const a = dialogueHarness({ db, tenant: 'tenant-a', sessionId: 'sa' });
    const b = dialogueHarness({ db, tenant: 'tenant-b', sessionId: 'sb' });
    expect(await a.say('where is order seven zero zero two')).toMatch(
      /^Order seven zero zero two is in transit/,
    );
    expect(await b.say('where is order seven zero zero two')).toBe(
      "I can't find order seven zero zero two. Could you read me the number again?",
    );
    // The right postcode for A's order does not verify B's caller: for B it does not exist.
    await b.say('cancel order seven zero zero two');
    expect(await b.say('one three five seven nine')).toMatch(/doesn't match/);
    // Each tenant has its own copy of the sample orders.
    await b.say('cancel order four two one nine');
    await b.say('three five eight one two');
    expect(await b.say('yes', { confirms: true })).toBe('Done. Order four two one nine is cancelled.');
    expect(cancelledFlag(db, 'tenant-b', '4219')).toBe(1);
    expect(cancelledFlag(db, 'tenant-a', '4219')).toBe(0);
    expect(cancelledFlag(db, 'default', '4219')).toBe(0);
  });

  it('a database written before tenants keeps its orders for the default tenant (finding 5)', () => {
    const db = openDatabase(':memory:');
    db.exec(`CREATE TABLE orders (number TEXT PRIMARY KEY, status TEXT NOT NULL, carrier TEXT NOT NULL,
      eta TEXT NOT NULL, delay_reason TEXT, tracking_url TEXT NOT NULL, customer_phone TEXT NOT NULL,
      cancelled INTEGER NOT NULL DEFAULT 0)`);
    db.prepare(
      "INSERT INTO orders VALUES ('4219', 'in_transit', 'UPS', 'Thursday', 'weather', 'u', '+1', 1)",
    ).run();
    const store = new OrderStore(db);
    expect(store.find('4219')).toMatchObject({ tenant: 'default', cancelled: true, postcode: '35812' });
    expect(store.find('5678')).toMatchObject({ tenant: 'default', status: 'processing' });
  });
});
