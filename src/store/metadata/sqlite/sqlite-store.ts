import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { CompiledQuery, type DatabaseConnection, type Driver, Kysely, SqliteDialect, SqliteDriver } from "kysely";
import { type MetadataStore, migrateToLatest } from "../metadata-store.js";
import type { Database } from "../schema.js";

const require = createRequire(import.meta.url);

/**
 * Transactions begin IMMEDIATE: they take the write lock up front, so the busy timeout applies. A deferred
 * transaction that reads and then writes cannot wait: when another process wrote in between, upgrading its read
 * lock fails at once with "database is locked" (seen with a server logging predictions while the CLI promoted).
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(settings);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings);
  }
}

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
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database }) });
  await migrateToLatest(db);
  return {
    db,
    description: `sqlite:${file}`,
    ...(file !== ":memory:" ? { sqlite: { file: resolve(file), driver: require.resolve("better-sqlite3") } } : {}),
    close: () => db.destroy(),
  };
}
