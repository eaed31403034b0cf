/**
 * The store controller's own data, beside the package tracker's orders in the same database:
 * returns started (one per order) and the refund policy callers ask about.
 */
import { DEFAULT_TENANT, type Db } from '../../index.js';
import type { OrderStatus, OrderStore } from '../package-tracker/orders.js';

export const RETURN_REASONS = [
  'damaged',
  'defective',
  'wrong_item',
  'wrong_size',
  'not_needed',
  'late',
] as const;
export type ReturnReason = (typeof RETURN_REASONS)[number];

export const REFUND_METHODS = ['original_payment', 'store_credit'] as const;
export type RefundMethod = (typeof REFUND_METHODS)[number];

export const POLICY_TOPICS = [
  'overview',
  'refund_timing',
  'store_credit',
  'return_window',
  'return_shipping',
  'damaged_items',
] as const;
export type PolicyTopic = (typeof POLICY_TOPICS)[number];

export interface ReturnRecord {
  id: number;
  orderNumber: string;
  reason: ReturnReason;
  refundMethod: RefundMethod;
}

/** Why an order cannot be returned; refused in data so the caller hears why. */
export type ReturnRefusal = 'not_found' | 'cancelled' | 'not_delivered' | 'already_returned';

export type Eligibility =
  | { orderNumber: string; eligible: true; deliveredOn: string }
  | {
      orderNumber: string;
      eligible: false;
      refusal: ReturnRefusal;
      orderStatus?: OrderStatus;
      eta?: string;
      existingReturn?: { reason: ReturnReason; refundMethod: RefundMethod };
    };

const SCHEMA = `
CREATE TABLE IF NOT EXISTS returns (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant TEXT NOT NULL DEFAULT 'default',
  order_number TEXT NOT NULL,
  reason TEXT NOT NULL,
  refund_method TEXT NOT NULL,
  session_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (tenant, order_number)
);
CREATE TABLE IF NOT EXISTS refund_policies (
  topic TEXT PRIMARY KEY,
  policy TEXT NOT NULL
);
`;

/** The policy as the store states it; spoken as is, so plain sentences with numbers in words. */
const POLICIES: Record<PolicyTopic, string> = {
  overview:
    'You can return a delivered order within thirty days. Returns are free, and you can choose a refund to your original payment or store credit.',
  refund_timing:
    'Refunds to your original payment take five to seven business days after we receive the item. Store credit is added the same day.',
  store_credit:
    'Yes, you can choose store credit instead of a refund. It is added to your account the same day and never expires.',
  return_window: 'You can return an order within thirty days of delivery.',
  return_shipping: 'Returns are free. We email you a prepaid return label as soon as the return is started.',
  damaged_items:
    'If an item arrives damaged or broken, we refund it in full, shipping included, once the return is started.',
};

/** 9999 was already returned: the sample for the "already returned" refusal. */
const SEED_RETURNS: [string, ReturnReason, RefundMethod][] = [['9999', 'not_needed', 'store_credit']];

interface ReturnRow {
  id: number;
  order_number: string;
  reason: ReturnReason;
  refund_method: RefundMethod;
}

export class ReturnStore {
  private readonly byOrder;
  private readonly insert;
  private readonly policyOf;

  /** Tenants whose sample return is in place, as the order store gives each tenant its sample orders. */
  private readonly seeded = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly orders: OrderStore,
  ) {
    migrateToTenants(db);
    db.exec(SCHEMA);
    this.byOrder = db.prepare('SELECT * FROM returns WHERE tenant = ? AND order_number = ?');
    this.insert = db.prepare(
      `INSERT OR IGNORE INTO returns (tenant, order_number, reason, refund_method, session_id, created_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.policyOf = db.prepare('SELECT policy FROM refund_policies WHERE topic = ?');
    const seedPolicy = db.prepare('INSERT OR IGNORE INTO refund_policies (topic, policy) VALUES (?, ?)');
    db.transaction(() => {
      for (const [topic, policy] of Object.entries(POLICIES)) seedPolicy.run(topic, policy);
    })();
    this.seed(DEFAULT_TENANT);
  }

  /** A tenant's sample return goes in the first time it is seen (INSERT OR IGNORE keeps this idempotent). */
  private seed(tenant: string): void {
    if (this.seeded.has(tenant)) return;
    this.seeded.add(tenant);
    if (!this.orders.find(SEED_RETURNS[0]?.[0] ?? '', tenant)) return;
    this.db.transaction(() => {
      for (const [order, reason, method] of SEED_RETURNS)
        this.insert.run(tenant, order, reason, method, 'seed', new Date().toISOString());
    })();
  }

  find(orderNumber: string, tenant: string = DEFAULT_TENANT): ReturnRecord | undefined {
    this.seed(tenant);
    const row = this.byOrder.get(tenant, orderNumber) as ReturnRow | undefined;
    if (!row) return undefined;
    return { id: row.id, orderNumber: row.order_number, reason: row.reason, refundMethod: row.refund_method };
  }

  /** Only delivered, uncancelled orders with no return yet can be returned. */
  eligibility(orderNumber: string, tenant: string = DEFAULT_TENANT): Eligibility {
    const order = this.orders.find(orderNumber, tenant);
    if (!order) return { orderNumber, eligible: false, refusal: 'not_found' };
    if (order.cancelled) return { orderNumber, eligible: false, refusal: 'cancelled' };
    if (order.status !== 'delivered') {
      return {
        orderNumber,
        eligible: false,
        refusal: 'not_delivered',
        orderStatus: order.status,
        eta: order.eta,
      };
    }
    const existing = this.find(orderNumber, tenant);
    if (existing) {
      return {
        orderNumber,
        eligible: false,
        refusal: 'already_returned',
        existingReturn: { reason: existing.reason, refundMethod: existing.refundMethod },
      };
    }
    return { orderNumber, eligible: true, deliveredOn: order.eta };
  }

  /** The new return's id, or undefined when the order already has one. */
  record(
    orderNumber: string,
    reason: ReturnReason,
    method: RefundMethod,
    sessionId: string,
    tenant: string = DEFAULT_TENANT,
  ): number | undefined {
    this.seed(tenant);
    const info = this.insert.run(tenant, orderNumber, reason, method, sessionId, new Date().toISOString());
    return info.changes === 1 ? Number(info.lastInsertRowid) : undefined;
  }

  policy(topic: PolicyTopic): string {
    const row = this.policyOf.get(topic) as { policy: string } | undefined;
    return row?.policy ?? POLICIES[topic];
  }
}

/** A returns table from before tenants (order numbers unique store-wide): its rows become the default tenant's. */
function migrateToTenants(db: Db): void {
  const columns = db.prepare("SELECT name FROM pragma_table_info('returns')").all() as { name: string }[];
  if (columns.length === 0 || columns.some((c) => c.name === 'tenant')) return;
  db.transaction(() => {
    db.exec('ALTER TABLE returns RENAME TO returns_before_tenants');
    db.exec(SCHEMA);
    db.exec(
      `INSERT INTO returns (id, tenant, order_number, reason, refund_method, session_id, created_at)
       SELECT id, 'default', order_number, reason, refund_method, session_id, created_at FROM returns_before_tenants`,
    );
    db.exec('DROP TABLE returns_before_tenants');
  })();
}
