/**
 * The package tracker's data, in SQLite: orders (each owned by a tenant), the outbox of messages
 * sent, transfers, and the caller checks that gate side effects and personal data.
 */
import { DEFAULT_TENANT, type Db } from '../../index.js';

export type OrderStatus = 'processing' | 'shipped' | 'in_transit' | 'out_for_delivery' | 'delivered';

export interface Order {
  /** Whose order it is: the API key id that owns the sessions allowed to see it. */
  tenant: string;
  number: string;
  status: OrderStatus;
  carrier: string;
  /** Spoken-style day ("Thursday") or date; what the caller is told. */
  eta: string;
  delayReason: string | null;
  trackingUrl: string;
  customerPhone: string;
  /** Personal: the caller proves who they are with it, it is never spoken. */
  postcode: string;
  cancelled: boolean;
}

interface OrderRow {
  tenant: string;
  number: string;
  status: OrderStatus;
  carrier: string;
  eta: string;
  delay_reason: string | null;
  tracking_url: string;
  customer_phone: string;
  postcode: string;
  cancelled: number;
}

/** Wrong answers to the caller check one session may give before the agent stops asking. */
export const MAX_VERIFY_ATTEMPTS = 3;

/**
 * Which tenants get the sample orders: every tenant its own copy (the demo: the README's call
 * works under any API key, and no tenant sees another's rows), only `DEFAULT_TENANT`, or none.
 */
export type DemoOrders = 'every-tenant' | 'default-tenant' | 'none';

export interface OrderStoreOptions {
  /** Default 'every-tenant'. */
  demoOrders?: DemoOrders;
}

/** What the caller check answers; a wrong postcode and an unknown order look the same. */
export type CallerCheck = { verified: true } | { verified: false; attemptsLeft: number };

const SCHEMA = `
CREATE TABLE IF NOT EXISTS orders (
  tenant TEXT NOT NULL,
  number TEXT NOT NULL,
  status TEXT NOT NULL,
  carrier TEXT NOT NULL,
  eta TEXT NOT NULL,
  delay_reason TEXT,
  tracking_url TEXT NOT NULL,
  customer_phone TEXT NOT NULL,
  postcode TEXT NOT NULL,
  cancelled INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant, number)
);
CREATE TABLE IF NOT EXISTS tenants (
  tenant TEXT PRIMARY KEY,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id TEXT NOT NULL,
  order_number TEXT NOT NULL,
  channel TEXT NOT NULL,
  recipient TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL,
  tenant TEXT NOT NULL DEFAULT 'default'
);
CREATE TABLE IF NOT EXISTS transfers (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  order_number TEXT,
  created_at TEXT NOT NULL,
  tenant TEXT NOT NULL DEFAULT 'default',
  caller_verified INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS caller_checks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id TEXT NOT NULL,
  tenant TEXT NOT NULL,
  order_number TEXT NOT NULL,
  ok INTEGER NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS caller_checks_session ON caller_checks (session_id, tenant);
`;

type Seed = [string, OrderStatus, string, string, string | null, string, string];

/** Sample orders; 4219 (postcode 35812) is the one the docs and tests talk about. */
const SEED: Seed[] = [
  ['4219', 'in_transit', 'UPS', 'Thursday', 'weather', '+15550104219', '35812'],
  ['1234', 'delivered', 'FedEx', 'yesterday', null, '+15550101234', '27513'],
  ['5678', 'processing', 'USPS', 'next Monday', null, '+15550105678', '46391'],
  ['1001', 'shipped', 'DHL', 'Friday', null, '+15550101001', '53124'],
  ['2020', 'out_for_delivery', 'UPS', 'today', null, '+15550102020', '68245'],
  ['3141', 'in_transit', 'FedEx', 'Wednesday', 'a missed connection', '+15550103141', '71936'],
  ['2718', 'delivered', 'USPS', 'last Tuesday', null, '+15550102718', '84357'],
  ['8080', 'in_transit', 'DHL', 'Saturday', 'customs clearance', '+15550108080', '92468'],
  ['9001', 'processing', 'UPS', 'next Wednesday', 'a stock shortage', '+15550109001', '13579'],
  ['7777', 'shipped', 'FedEx', 'Thursday', null, '+15550107777', '24681'],
  ['4321', 'out_for_delivery', 'USPS', 'today', null, '+15550104321', '36925'],
  ['6502', 'in_transit', 'UPS', 'Monday', 'high parcel volume', '+15550106502', '48162'],
  ['1111', 'delivered', 'DHL', 'Sunday', null, '+15550101111', '57283'],
  ['3030', 'processing', 'FedEx', 'next Friday', null, '+15550103030', '69314'],
  ['5150', 'in_transit', 'USPS', 'Tuesday', null, '+15550105150', '72645'],
  ['8675', 'shipped', 'UPS', 'Wednesday', null, '+15550108675', '81756'],
  ['2468', 'in_transit', 'DHL', 'Friday', 'weather', '+15550102468', '93867'],
  ['1357', 'out_for_delivery', 'FedEx', 'today', null, '+15550101357', '14978'],
  ['9999', 'delivered', 'UPS', 'Monday', null, '+15550109999', '25189'],
  ['60601', 'in_transit', 'USPS', 'Thursday', 'a damaged label', '+15550160601', '38216'],
];

function columns(db: Db, table: string): Set<string> {
  const rows = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
  return new Set(rows.map((r) => r.name));
}

/** A database written before orders had tenants: its rows become the default tenant's. */
function migrate(db: Db): void {
  const orders = columns(db, 'orders');
  if (orders.size > 0 && !orders.has('tenant')) {
    db.transaction(() => {
      db.exec('ALTER TABLE orders RENAME TO orders_untenanted');
      db.exec(SCHEMA);
      db.prepare(
        `INSERT INTO orders (tenant, number, status, carrier, eta, delay_reason, tracking_url, customer_phone, postcode, cancelled)
         SELECT ?, number, status, carrier, eta, delay_reason, tracking_url, customer_phone, '', cancelled
         FROM orders_untenanted`,
      ).run(DEFAULT_TENANT);
      db.exec('DROP TABLE orders_untenanted');
      const setPostcode = db.prepare('UPDATE orders SET postcode = ? WHERE tenant = ? AND number = ?');
      for (const seed of SEED) setPostcode.run(seed[6], DEFAULT_TENANT, seed[0]);
    })();
  }
  const outbox = columns(db, 'outbox');
  if (outbox.size > 0 && !outbox.has('tenant'))
    db.exec(`ALTER TABLE outbox ADD COLUMN tenant TEXT NOT NULL DEFAULT '${DEFAULT_TENANT}'`);
  const transfers = columns(db, 'transfers');
  if (transfers.size > 0 && !transfers.has('tenant'))
    db.exec(`ALTER TABLE transfers ADD COLUMN tenant TEXT NOT NULL DEFAULT '${DEFAULT_TENANT}'`);
  if (transfers.size > 0 && !transfers.has('caller_verified'))
    db.exec('ALTER TABLE transfers ADD COLUMN caller_verified INTEGER NOT NULL DEFAULT 0');
}

/** Creates (or upgrades) the tables and gives the default tenant the sample orders once. */
export function prepareOrders(db: Db): void {
  migrate(db);
  db.exec(SCHEMA);
  seedTenant(db, DEFAULT_TENANT);
}

/** Gives `tenant` its own copy of the sample orders the first time it is seen. */
function seedTenant(db: Db, tenant: string): void {
  db.transaction(() => {
    const added = db
      .prepare('INSERT OR IGNORE INTO tenants (tenant, created_at) VALUES (?, ?)')
      .run(tenant, new Date().toISOString());
    if (added.changes !== 1) return;
    const insert = db.prepare(
      `INSERT OR IGNORE INTO orders (tenant, number, status, carrier, eta, delay_reason, tracking_url, customer_phone, postcode, cancelled)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
    );
    for (const [number, status, carrier, eta, delay, phone, postcode] of SEED) {
      insert.run(
        tenant,
        number,
        status,
        carrier,
        eta,
        delay,
        `https://track.parley.example/${number}`,
        phone,
        postcode,
      );
    }
  })();
}

/** A postcode as compared: letters upper-cased, spaces dropped ("sw1a 1aa" = "SW1A1AA"). */
export function normalizePostcode(postcode: string): string {
  return postcode.replace(/\s+/g, '').toUpperCase();
}

function toOrder(row: OrderRow): Order {
  return {
    tenant: row.tenant,
    number: row.number,
    status: row.status,
    carrier: row.carrier,
    eta: row.eta,
    delayReason: row.delay_reason,
    trackingUrl: row.tracking_url,
    customerPhone: row.customer_phone,
    postcode: row.postcode,
    cancelled: row.cancelled !== 0,
  };
}

/**
 * Order data access, always within one tenant: another tenant's order is not found. Statements
 * are prepared once per database.
 */
export class OrderStore {
  private readonly demoOrders: DemoOrders;
  /** Tenants already given their sample orders by this store (saves a write per lookup). */
  private readonly seeded = new Set<string>([DEFAULT_TENANT]);
  private readonly byNumber;
  private readonly markCancelled;
  private readonly insertOrder;
  private readonly insertOutbox;
  private readonly insertTransfer;
  private readonly insertCheck;
  private readonly failedChecks;
  private readonly passedCheck;

  constructor(
    private readonly db: Db,
    opts: OrderStoreOptions = {},
  ) {
    this.demoOrders = opts.demoOrders ?? 'every-tenant';
    prepareOrders(db);
    this.byNumber = db.prepare('SELECT * FROM orders WHERE tenant = ? AND number = ?');
    this.markCancelled = db.prepare(
      'UPDATE orders SET cancelled = 1 WHERE tenant = ? AND number = ? AND cancelled = 0',
    );
    this.insertOrder = db.prepare(
      `INSERT INTO orders (tenant, number, status, carrier, eta, delay_reason, tracking_url, customer_phone, postcode, cancelled)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertOutbox = db.prepare(
      `INSERT INTO outbox (session_id, order_number, channel, recipient, body, created_at, tenant)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertTransfer = db.prepare(
      `INSERT INTO transfers (session_id, reason, order_number, created_at, tenant, caller_verified)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.insertCheck = db.prepare(
      `INSERT INTO caller_checks (session_id, tenant, order_number, ok, created_at) VALUES (?, ?, ?, ?, ?)`,
    );
    this.failedChecks = db.prepare(
      'SELECT count(*) AS n FROM caller_checks WHERE session_id = ? AND tenant = ? AND ok = 0',
    );
    this.passedCheck = db.prepare(
      'SELECT 1 FROM caller_checks WHERE session_id = ? AND tenant = ? AND order_number = ? AND ok = 1 LIMIT 1',
    );
  }

  private within(tenant: string): string {
    if (!this.seeded.has(tenant)) {
      if (this.demoOrders === 'every-tenant') seedTenant(this.db, tenant);
      this.seeded.add(tenant);
    }
    return tenant;
  }

  find(number: string, tenant: string = DEFAULT_TENANT): Order | undefined {
    const row = this.byNumber.get(this.within(tenant), number) as OrderRow | undefined;
    return row ? toOrder(row) : undefined;
  }

  /** Adds one order for `tenant` (its own data, or a test's). */
  add(order: Omit<Order, 'cancelled'> & { cancelled?: boolean }): void {
    this.insertOrder.run(
      this.within(order.tenant),
      order.number,
      order.status,
      order.carrier,
      order.eta,
      order.delayReason,
      order.trackingUrl,
      order.customerPhone,
      order.postcode,
      order.cancelled ? 1 : 0,
    );
  }

  /** True when this call changed the order (false if it was already cancelled). */
  cancel(number: string, tenant: string = DEFAULT_TENANT): boolean {
    return this.markCancelled.run(this.within(tenant), number).changes === 1;
  }

  /**
   * The caller check: whether `postcode` is the one on the order, recorded for the session. After
   * `MAX_VERIFY_ATTEMPTS` wrong answers in a session nothing more is compared.
   */
  checkCaller(tenant: string, sessionId: string, number: string, postcode: string): CallerCheck {
    const failed = (this.failedChecks.get(sessionId, tenant) as { n: number }).n;
    if (failed >= MAX_VERIFY_ATTEMPTS) return { verified: false, attemptsLeft: 0 };
    const order = this.find(number, tenant);
    const ok =
      order !== undefined &&
      order.postcode !== '' &&
      normalizePostcode(postcode) === normalizePostcode(order.postcode);
    this.insertCheck.run(sessionId, tenant, number, ok ? 1 : 0, new Date().toISOString());
    return ok ? { verified: true } : { verified: false, attemptsLeft: MAX_VERIFY_ATTEMPTS - failed - 1 };
  }

  /** Whether this session's caller passed the check for this order. */
  isVerified(tenant: string, sessionId: string, number: string): boolean {
    return this.passedCheck.get(sessionId, tenant, number) !== undefined;
  }

  recordMessage(
    sessionId: string,
    orderNumber: string,
    recipient: string,
    body: string,
    tenant: string = DEFAULT_TENANT,
  ): number {
    const info = this.insertOutbox.run(
      sessionId,
      orderNumber,
      'sms',
      recipient,
      body,
      new Date().toISOString(),
      tenant,
    );
    return Number(info.lastInsertRowid);
  }

  recordTransfer(
    sessionId: string,
    reason: string,
    orderNumber: string | undefined,
    tenant: string = DEFAULT_TENANT,
    callerVerified = false,
  ): number {
    const info = this.insertTransfer.run(
      sessionId,
      reason,
      orderNumber ?? null,
      new Date().toISOString(),
      tenant,
      callerVerified ? 1 : 0,
    );
    return Number(info.lastInsertRowid);
  }

  get database(): Db {
    return this.db;
  }
}
