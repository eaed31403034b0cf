/**
 * Schema of Parley's own tables in the shared SQLite file (apps keep their tables beside them).
 * Migrations are ordered and tracked in `parley_schema` (not `user_version`, which apps may use),
 * so reopening an older file upgrades it.
 */
import type { Db } from './database.js';

const MIGRATIONS: string[] = [
  `CREATE TABLE IF NOT EXISTS parley_sessions (
     id TEXT PRIMARY KEY,
     agent TEXT NOT NULL,
     owner_key TEXT NOT NULL,
     created_at TEXT NOT NULL,
     ended_at TEXT,
     end_reason TEXT,
     budget_json TEXT NOT NULL DEFAULT '{}',
     stt_audio_ms REAL NOT NULL DEFAULT 0,
     input_tokens INTEGER NOT NULL DEFAULT 0,
     output_tokens INTEGER NOT NULL DEFAULT 0,
     tts_chars INTEGER NOT NULL DEFAULT 0,
     tool_calls INTEGER NOT NULL DEFAULT 0,
     cost_usd REAL NOT NULL DEFAULT 0
   );
   CREATE INDEX IF NOT EXISTS parley_sessions_owner ON parley_sessions (owner_key, created_at);
   CREATE TABLE IF NOT EXISTS parley_turns (
     session_id TEXT NOT NULL REFERENCES parley_sessions (id),
     turn_id INTEGER NOT NULL,
     user_text TEXT NOT NULL,
     agent_text TEXT NOT NULL DEFAULT '',
     heard_text TEXT NOT NULL DEFAULT '',
     discarded_text TEXT NOT NULL DEFAULT '',
     interrupted INTEGER NOT NULL DEFAULT 0,
     marks_json TEXT NOT NULL DEFAULT '{}',
     ttfa_ms REAL,
     tools_json TEXT NOT NULL DEFAULT '[]',
     complete INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (session_id, turn_id)
   );
   CREATE TABLE IF NOT EXISTS parley_tool_audit (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     session_id TEXT NOT NULL REFERENCES parley_sessions (id),
     turn_id INTEGER NOT NULL,
     call_id TEXT NOT NULL,
     tool TEXT NOT NULL,
     kind TEXT NOT NULL,
     at_ms REAL NOT NULL,
     detail_json TEXT NOT NULL
   );
   CREATE INDEX IF NOT EXISTS parley_tool_audit_session ON parley_tool_audit (session_id, seq);`,
];

/** Brings the file's Parley tables to the current version (idempotent). */
export function migrate(db: Db): void {
  db.exec('CREATE TABLE IF NOT EXISTS parley_schema (version INTEGER NOT NULL)');
  const row = db.prepare('SELECT version FROM parley_schema').get() as { version: number } | undefined;
  if (!row) db.prepare('INSERT INTO parley_schema (version) VALUES (0)').run();
  for (let version = row?.version ?? 0; version < MIGRATIONS.length; version++) {
    const apply = db.transaction(() => {
      db.exec(MIGRATIONS[version] as string);
      db.prepare('UPDATE parley_schema SET version = ?').run(version + 1);
    });
    apply();
  }
}
