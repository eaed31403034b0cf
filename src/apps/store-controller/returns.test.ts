import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../store/database.js';
import { OrderStore } from '../package-tracker/orders.js';
import { ReturnStore } from './returns.js';

describe('ReturnStore tenants', () => {
  it("one tenant's return neither shows nor blocks another tenant's order of the same number (finding 5)", () => {
    const db = openDatabase(':memory:');
    const returns = new ReturnStore(db, new OrderStore(db));
    const delivered = ['tenant-a', 'tenant-b']
      .map((t) => ({ t, e: returns.eligibility('1234', t) }))
      .filter(({ e }) => e.eligible);
    // Every tenant gets the sample orders; pick one delivered in both.
    expect(delivered.length).toBe(2);
    expect(returns.record('1234', 'damaged', 'store_credit', 's-a', 'tenant-a')).toBeTypeOf('number');
    expect(returns.eligibility('1234', 'tenant-a')).toMatchObject({
      eligible: false,
      refusal: 'already_returned',
    });
    expect(returns.eligibility('1234', 'tenant-b')).toMatchObject({ eligible: true });
    expect(returns.find('1234', 'tenant-b')).toBeUndefined();
  });

  it('keeps the returns of a database from before tenants, as the default tenant', () => {
    const db = openDatabase(':memory:');
    db.exec(`CREATE TABLE returns (
      id INTEGER PRIMARY KEY AUTOINCREMENT, order_number TEXT NOT NULL UNIQUE, reason TEXT NOT NULL,
      refund_method TEXT NOT NULL, session_id TEXT NOT NULL, created_at TEXT NOT NULL)`);
    db.prepare(
      "INSERT INTO returns (order_number, reason, refund_method, session_id, created_at) VALUES ('5678', 'late', 'original_payment', 'old', '2026-01-01')",
    ).run();
    const returns = new ReturnStore(db, new OrderStore(db));
    expect(returns.find('5678')).toMatchObject({ orderNumber: '5678', reason: 'late' });
    expect(returns.find('5678', 'tenant-b')).toBeUndefined();
  });
});
