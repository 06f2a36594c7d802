import { type Kysely, Migrator } from "kysely";
import { SlipwayError } from "../../core/index.js";
import { migrationProvider } from "./migrations/index.js";
import type { Database } from "./schema.js";

/**
 * The metadata store: a Kysely instance over the project's tables plus its lifecycle. Backends differ only in the
 * dialect they build; everything above speaks Kysely.
 */
export interface MetadataStore {
  readonly db: Kysely<Database>;
  /** A short description for logs, never including credentials. */
  readonly description: string;
  /**
   * SQLite backends: the database file and the path of the better-sqlite3 module, for writers that open their own
   * connection on another thread (the prediction log).
   */
  readonly sqlite?: { file: string; driver: string };
  close(): Promise<void>;
}

/** Brings the schema to the latest migration; safe to call from several processes on one database. */
export async function migrateToLatest(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === "Error");
  if (error || failed) {
    throw new SlipwayError("SLP_INTERNAL", `metadata migration ${failed?.migrationName ?? ""} failed`, [], {
      cause: error,
    });
  }
}
