import type { Kysely } from "kysely";
import { sql } from "kysely";

// The gate conditions of a model's release policy: a JSON array of metric thresholds (none by default).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("models")
    .addColumn("release_gate_json", "text", (c) => c.notNull().defaultTo(sql`'[]'`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("models").dropColumn("release_gate_json").execute();
}
