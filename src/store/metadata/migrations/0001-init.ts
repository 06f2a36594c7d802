import type { Kysely } from "kysely";

// Migrations take Kysely<unknown>: they must not depend on the current table types, which move on.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("meta")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("value", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("datasets")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("schema_json", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("dataset_versions")
    .addColumn("dataset", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("content_hash", "text", (c) => c.notNull())
    .addColumn("row_count", "integer", (c) => c.notNull())
    .addColumn("artifact_key", "text", (c) => c.notNull())
    .addColumn("sources_json", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("dataset_versions_pk", ["dataset", "version"])
    .execute();
  await db.schema
    .createTable("ingested_files")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("dataset", "text", (c) => c.notNull())
    .addColumn("file_name", "text", (c) => c.notNull())
    .addColumn("file_hash", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("row_count", "integer", (c) => c.notNull())
    .addColumn("rejected_count", "integer", (c) => c.notNull())
    .addColumn("replaced_count", "integer", (c) => c.notNull())
    .addColumn("dataset_version", "integer")
    .addColumn("message", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("ingested_files_by_file")
    .on("ingested_files")
    .columns(["dataset", "file_name", "file_hash"])
    .execute();
  await db.schema
    .createTable("runs")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("task", "text", (c) => c.notNull())
    .addColumn("family", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("params_json", "text", (c) => c.notNull())
    .addColumn("metrics_json", "text", (c) => c.notNull())
    .addColumn("lineage_json", "text", (c) => c.notNull())
    .addColumn("error", "text")
    .addColumn("started_at", "bigint", (c) => c.notNull())
    .addColumn("finished_at", "bigint")
    .execute();
  await db.schema
    .createTable("models")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("task", "text", (c) => c.notNull())
    .addColumn("family", "text", (c) => c.notNull())
    .addColumn("release_policy", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("model_versions")
    .addColumn("model", "text", (c) => c.notNull().references("models.name"))
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("run_id", "text", (c) => c.notNull())
    .addColumn("task", "text", (c) => c.notNull())
    .addColumn("family", "text", (c) => c.notNull())
    .addColumn("artifact_key", "text", (c) => c.notNull())
    .addColumn("metrics_json", "text", (c) => c.notNull())
    .addColumn("lineage_json", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("model_versions_pk", ["model", "version"])
    .execute();
  await db.schema
    .createTable("aliases")
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("alias", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("aliases_pk", ["model", "alias"])
    .execute();
  await db.schema
    .createTable("audit_log")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("at", "bigint", (c) => c.notNull())
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("alias", "text")
    .addColumn("from_version", "integer")
    .addColumn("to_version", "integer")
    .addColumn("reason", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("jobs")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("payload_json", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull())
    .addColumn("max_attempts", "integer", (c) => c.notNull())
    .addColumn("lease_owner", "text")
    .addColumn("lease_expires_at", "bigint")
    .addColumn("run_after", "bigint", (c) => c.notNull())
    .addColumn("result_json", "text")
    .addColumn("error", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("jobs_claimable").on("jobs").columns(["state", "run_after"]).execute();
  await db.schema
    .createTable("prediction_log")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("request_id", "text", (c) => c.notNull())
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("inputs_json", "text", (c) => c.notNull())
    .addColumn("outputs_json", "text", (c) => c.notNull())
    .addColumn("latency_ms", "double precision", (c) => c.notNull())
    .addColumn("at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("prediction_log_by_request").on("prediction_log").column("request_id").execute();
  await db.schema
    .createIndex("prediction_log_by_model")
    .on("prediction_log")
    .columns(["model", "version", "at"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    "prediction_log",
    "jobs",
    "audit_log",
    "aliases",
    "model_versions",
    "models",
    "runs",
    "ingested_files",
    "dataset_versions",
    "datasets",
    "meta",
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
