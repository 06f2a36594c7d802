import type { Kysely } from "kysely";
import { sql } from "kysely";

// Canary and shadow releases, and which route answered each logged prediction.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("traffic_splits")
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("share", "double precision", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("traffic_splits_pk", ["model", "kind"])
    .execute();
  await db.schema
    .alterTable("prediction_log")
    .addColumn("route", "text", (c) => c.notNull().defaultTo(sql`'production'`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("prediction_log").dropColumn("route").execute();
  await db.schema.dropTable("traffic_splits").ifExists().execute();
}
