import { describe, expect, it } from 'vitest';
import { wordChunks } from '../../index.js';
import { dialogueHarness } from './test-helpers.js';
import { preparePackageTracker } from './index.js';

const harness = () => dialogueHarness();

describe('package tracker dialogue', () => {
  it('looks the order up and answers with the fact first', async () => {
    const { say, tools } = harness();
    const answer = await say('Where is my order number four two one nine?');
    expect(tools).toEqual([{ name: 'get_order_status', args: { order_number: '4219' }, status: 'executed' }]);
    expect(answer).toMatch(/^Order four two one nine is in transit with UPS and should arrive Thursday\./);
    expect(answer).toContain('weather');
  });

  it('understands "forty two nineteen"', async () => {
    const { say, tools } = harness();
    await say("what's the status of forty two nineteen");
    expect(tools[0]?.args).toEqual({ order_number: '4219' });
  });

  it('asks for the order number, then remembers it for later requests', async () => {
    const { say, tools, db } = harness();
    expect(await say('Hi.')).toBe('Hello! How can I help with your order?');
    expect(await say('where is my package')).toMatch(/What's your order number\?$/);
    expect(tools).toHaveLength(0);
    expect(await say('four two one nine')).toMatch(/^Order four two one nine is in transit/);
    expect(await say('can you text me the tracking link')).toBe(
      "Before I can do that, I need to check it's you. What's the postcode on order four two one nine?",
    );
    const link = await say('three five eight one two');
    expect(tools.at(-1)).toEqual({
      name: 'send_tracking_link',
      args: { order_number: '4219' },
      status: 'executed',
    });
    expect(link).toBe(
      "I've texted the tracking link for order four two one nine to the phone ending in four two one nine.",
    );
    const outbox = db.prepare('SELECT order_number, recipient FROM outbox').all();
    expect(outbox).toEqual([{ order_number: '4219', recipient: '+15550104219' }]);
  });

  it('answers a number given after "what is your order number" with the request it answers', async () => {
    const { say, tools } = harness();
    expect(await say('I want to cancel my order')).toMatch(/order number\?$/);
    expect(await say('five six seven eight')).toMatch(/What's the postcode on order five six seven eight\?$/);
    expect(await say('four six three nine one')).toBe('Do you want me to cancel order five six seven eight?');
    expect(tools).toEqual([
      { name: 'verify_caller', args: { order_number: '5678', postcode: '46391' }, status: 'executed' },
      { name: 'cancel_order', args: { order_number: '5678' }, status: 'needs_confirmation' },
    ]);
  });

  it('cancels only after the caller confirms, through the tool gateway', async () => {
    const { say, tools, db, audit } = harness();
    const cancelled = () =>
      (
        db.prepare("SELECT cancelled FROM orders WHERE tenant = 'default' AND number = ?").get('4219') as {
          cancelled: number;
        }
      ).cancelled;

    expect(await say('please cancel order four two one nine')).toMatch(
      /postcode on order four two one nine\?$/,
    );
    expect(await say('three five eight one two')).toBe('Do you want me to cancel order four two one nine?');
    expect(cancelled()).toBe(0);
    expect(await say('yes please', { confirms: true })).toBe('Done. Order four two one nine is cancelled.');
    expect(cancelled()).toBe(1);
    expect(tools.map((t) => t.status)).toEqual(['executed', 'needs_confirmation', 'executed']);
    expect(audit.filter((e) => e.kind === 'executed').map((e) => e.tool)).toEqual([
      'verify_caller',
      'cancel_order',
    ]);
  });

  it('leaves the order alone when the caller says no', async () => {
    const { say, db } = harness();
    await say('cancel my order five six seven eight');
    await say('four six three nine one');
    expect(await say('no')).toBe("Okay, I won't cancel order five six seven eight. Anything else?");
    const row = db
      .prepare("SELECT cancelled FROM orders WHERE tenant = 'default' AND number = ?")
      .get('5678') as {
      cancelled: number;
    };
    expect(row.cancelled).toBe(0);
  });

  it('refuses to cancel a delivered order', async () => {
    const { say } = harness();
    await say('cancel order one two three four');
    await say('two seven five one three');
    expect(await say('yes', { confirms: true })).toBe(
      "Order one two three four was already delivered, so I can't cancel it.",
    );
  });

  it('says so when an order does not exist', async () => {
    const { say } = harness();
    expect(await say('where is order one two three')).toBe(
      "I can't find order one two three. Could you read me the number again?",
    );
  });

  it('transfers to a person and records the hand-off', async () => {
    const { say, db } = harness();
    await say('where is four two one nine');
    expect(await say('can I talk to a real person')).toMatch(/transferring you to a person/);
    expect(db.prepare('SELECT order_number FROM transfers').all()).toEqual([{ order_number: '4219' }]);
  });

  it('keeps out-of-domain questions short and says what it can do', async () => {
    const { say, tools } = harness();
    const answer = await say("what's the weather like in Paris");
    expect(tools).toHaveLength(0);
    expect(answer).toMatch(/^Sorry, I can only help with your orders/);
  });

  it('remembers the order number from pinned facts after a summary', async () => {
    const { say, tools, messages } = harness();
    messages.push({ role: 'system', content: 'Summary so far. Pinned facts: order_number: 4219' });
    await say('when will it arrive');
    expect(tools[0]?.args).toEqual({ order_number: '4219' });
  });

  it('asks again when it catches only a stray word', async () => {
    const { say } = harness();
    expect(await say('why')).toBe("Sorry, I didn't catch that. How can I help with your order?");
  });

  it('says goodbye', async () => {
    const { say } = harness();
    expect(await say('thank you goodbye')).toBe('Thanks for calling. Goodbye!');
  });

  it('streams its answer in word-sized deltas', () => {
    expect(wordChunks('Order four two one nine is late.')).toEqual([
      'Order',
      ' four',
      ' two',
      ' one',
      ' nine',
      ' is',
      ' late.',
    ]);
  });
});

describe('package tracker preparation while the caller talks', () => {
  it('starts the order lookup once the stable words ask where an order is', () => {
    expect(preparePackageTracker('where is my order')).toEqual([]);
    expect(preparePackageTracker('where is my order number four two one nine')).toEqual([
      { name: 'get_order_status', arguments: '{"order_number":"4219"}' },
    ]);
  });

  it('prefetch looked up order 421 while the caller was still reading out 4219 (regression)', () => {
    expect(preparePackageTracker('where is my order four two one')).toEqual([]);
    expect(preparePackageTracker('where is my order forty two')).toEqual([]);
  });

  it('never prepares a side effect', () => {
    expect(preparePackageTracker('cancel order four two one nine')).toEqual([]);
    expect(preparePackageTracker('text me the tracking link for four two one nine')).toEqual([]);
  });
});
