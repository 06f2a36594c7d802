import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { type MetadataStore, migrateToLatest } from "../metadata-store.js";
import type { Database } from "../schema.js";

/**
 * SQLite through better-sqlite3. WAL lets a server read while the CLI writes; the busy timeout makes a writer wait
 * for another process's transaction instead of failing at once.
 */
export async function openSqliteStore(file: string, options: { busyTimeoutMs?: number } = {}): Promise<MetadataStore> {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const database = new BetterSqlite3(file);
  database.pragma("journal_mode = WAL");
  database.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
  database.pragma("synchronous = NORMAL");
  database.pragma("foreign_keys = ON");
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  await migrateToLatest(db);
  return {
    db,
    description: `sqlite:${file}`,
    close: () => db.destroy(),
  };
}
