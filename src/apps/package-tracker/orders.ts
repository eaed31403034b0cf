/** The package tracker's data: orders, the outbox of messages sent and transfers, in SQLite. */
import type { Db } from '../../index.js';

export type OrderStatus = 'processing' | 'shipped' | 'in_transit' | 'out_for_delivery' | 'delivered';

export interface Order {
  number: string;
  status: OrderStatus;
  carrier: string;
  /** Spoken-style day ("Thursday") or date; what the caller is told. */
  eta: string;
  delayReason: string | null;
  trackingUrl: string;
  customerPhone: string;
  cancelled: boolean;
}

interface OrderRow {
  number: string;
  status: OrderStatus;
  carrier: string;
  eta: string;
  delay_reason: string | null;
  tracking_url: string;
  customer_phone: string;
  cancelled: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS orders (
  number TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  carrier TEXT NOT NULL,
  eta TEXT NOT NULL,
  delay_reason TEXT,
  tracking_url TEXT NOT NULL,
  customer_phone TEXT NOT NULL,
  cancelled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id TEXT NOT NULL,
  order_number TEXT NOT NULL,
  channel TEXT NOT NULL,
  recipient TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS transfers (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  order_number TEXT,
  created_at TEXT NOT NULL
);
`;

type Seed = [string, OrderStatus, string, string, string | null, string];

/** Sample orders; 4219 is the one the docs and tests talk about. */
const SEED: Seed[] = [
  ['4219', 'in_transit', 'UPS', 'Thursday', 'weather', '+15550104219'],
  ['1234', 'delivered', 'FedEx', 'yesterday', null, '+15550101234'],
  ['5678', 'processing', 'USPS', 'next Monday', null, '+15550105678'],
  ['1001', 'shipped', 'DHL', 'Friday', null, '+15550101001'],
  ['2020', 'out_for_delivery', 'UPS', 'today', null, '+15550102020'],
  ['3141', 'in_transit', 'FedEx', 'Wednesday', 'a missed connection', '+15550103141'],
  ['2718', 'delivered', 'USPS', 'last Tuesday', null, '+15550102718'],
  ['8080', 'in_transit', 'DHL', 'Saturday', 'customs clearance', '+15550108080'],
  ['9001', 'processing', 'UPS', 'next Wednesday', 'a stock shortage', '+15550109001'],
  ['7777', 'shipped', 'FedEx', 'Thursday', null, '+15550107777'],
  ['4321', 'out_for_delivery', 'USPS', 'today', null, '+15550104321'],
  ['6502', 'in_transit', 'UPS', 'Monday', 'high parcel volume', '+15550106502'],
  ['1111', 'delivered', 'DHL', 'Sunday', null, '+15550101111'],
  ['3030', 'processing', 'FedEx', 'next Friday', null, '+15550103030'],
  ['5150', 'in_transit', 'USPS', 'Tuesday', null, '+15550105150'],
  ['8675', 'shipped', 'UPS', 'Wednesday', null, '+15550108675'],
  ['2468', 'in_transit', 'DHL', 'Friday', 'weather', '+15550102468'],
  ['1357', 'out_for_delivery', 'FedEx', 'today', null, '+15550101357'],
  ['9999', 'delivered', 'UPS', 'Monday', null, '+15550109999'],
  ['60601', 'in_transit', 'USPS', 'Thursday', 'a damaged label', '+15550160601'],
];

/** Creates the tables and seeds the sample orders when the orders table is empty. */
export function prepareOrders(db: Db): void {
  db.exec(SCHEMA);
  const { n } = db.prepare('SELECT count(*) AS n FROM orders').get() as { n: number };
  if (n > 0) return;
  const insert = db.prepare(
    `INSERT INTO orders (number, status, carrier, eta, delay_reason, tracking_url, customer_phone, cancelled)
     VALUES (?, ?, ?, ?, ?, ?, ?, 0)`,
  );
  db.transaction(() => {
    for (const [number, status, carrier, eta, delay, phone] of SEED) {
      insert.run(number, status, carrier, eta, delay, `https://track.parley.example/${number}`, phone);
    }
  })();
}

function toOrder(row: OrderRow): Order {
  return {
    number: row.number,
    status: row.status,
    carrier: row.carrier,
    eta: row.eta,
    delayReason: row.delay_reason,
    trackingUrl: row.tracking_url,
    customerPhone: row.customer_phone,
    cancelled: row.cancelled !== 0,
  };
}

/** Order data access; statements are prepared once per database. */
export class OrderStore {
  private readonly byNumber;
  private readonly markCancelled;
  private readonly insertOutbox;
  private readonly insertTransfer;

  constructor(private readonly db: Db) {
    prepareOrders(db);
    this.byNumber = db.prepare('SELECT * FROM orders WHERE number = ?');
    this.markCancelled = db.prepare('UPDATE orders SET cancelled = 1 WHERE number = ? AND cancelled = 0');
    this.insertOutbox = db.prepare(
      `INSERT INTO outbox (session_id, order_number, channel, recipient, body, created_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.insertTransfer = db.prepare(
      'INSERT INTO transfers (session_id, reason, order_number, created_at) VALUES (?, ?, ?, ?)',
    );
  }

  find(number: string): Order | undefined {
    const row = this.byNumber.get(number) as OrderRow | undefined;
    return row ? toOrder(row) : undefined;
  }

  /** True when this call changed the order (false if it was already cancelled). */
  cancel(number: string): boolean {
    return this.markCancelled.run(number).changes === 1;
  }

  recordMessage(sessionId: string, orderNumber: string, recipient: string, body: string): number {
    const info = this.insertOutbox.run(
      sessionId,
      orderNumber,
      'sms',
      recipient,
      body,
      new Date().toISOString(),
    );
    return Number(info.lastInsertRowid);
  }

  recordTransfer(sessionId: string, reason: string, orderNumber: string | undefined): number {
    const info = this.insertTransfer.run(sessionId, reason, orderNumber ?? null, new Date().toISOString());
    return Number(info.lastInsertRowid);
  }

  get database(): Db {
    return this.db;
  }
}
