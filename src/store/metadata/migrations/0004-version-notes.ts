import type { Kysely } from "kysely";

// A description and tags (key → value) on model versions. Tags get a table of their own so that one key changes
// without rewriting the others, and a version's tags are found by key.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("model_versions").addColumn("description", "text").execute();
  await db.schema
    .createTable("version_tags")
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("version_tags_pk", ["model", "version", "key"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("version_tags").ifExists().execute();
  await db.schema.alterTable("model_versions").dropColumn("description").execute();
}
