import type { Kysely } from "kysely";

// A canary's schedule: raise the share by `step` every `every_ms`, checking latency against production first;
// all null for a canary stepped by hand, and for a shadow.
export async function up(db: Kysely<unknown>): Promise<void> {
  // One column a statement: SQLite's ALTER TABLE adds one at a time.
  await db.schema.alterTable("traffic_splits").addColumn("step", "double precision").execute();
  await db.schema.alterTable("traffic_splits").addColumn("every_ms", "bigint").execute();
  await db.schema.alterTable("traffic_splits").addColumn("max_latency_ratio", "double precision").execute();
  await db.schema.alterTable("traffic_splits").addColumn("next_step_at", "bigint").execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of ["next_step_at", "max_latency_ratio", "every_ms", "step"]) {
    await db.schema.alterTable("traffic_splits").dropColumn(column).execute();
  }
}
