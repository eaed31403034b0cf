/** The embedded store: one SQLite file, written as the call goes so a crash loses no committed turn. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

/**
 * Opens (creating) a SQLite database file. WAL with synchronous=FULL makes every committed
 * write durable before it returns, while readers do not block the writer.
 * Pass ':memory:' only in tests of code that does not care about durability.
 */
export function openDatabase(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}
