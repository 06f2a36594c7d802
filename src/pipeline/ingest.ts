import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { type DatasetSchema, type Frame, SlipwayError } from "../core/index.js";
import {
  contentHash,
  deserializeFrame,
  mergeByTime,
  quarantineWholeFile,
  readCsvText,
  serializeFrame,
  shouldQuarantineWholeFile,
  validateRecords,
  writeRejected,
} from "../data/index.js";
import type { PipelineContext } from "./context.js";

export interface DatasetSpec {
  name: string;
  schema: DatasetSchema;
  quarantine: { minRows: number; maxRejectedShare: number };
}

export interface IngestResult {
  file: string;
  status: "accepted" | "partial" | "quarantined" | "unchanged";
  rows: number;
  rejected: number;
  replaced: number;
  /** The dataset version this file produced, or null when the dataset did not change. */
  datasetVersion: number | null;
  quarantinePath: string | null;
}

/**
 * Ingests one CSV file into a dataset: valid rows merge into a new dataset version (a row whose time exists
 * replaces the old one), invalid rows go to the quarantine file, and a file with too many bad rows is quarantined
 * whole. A file already ingested with the same content is skipped.
 */
export async function ingestFile(ctx: PipelineContext, dataset: DatasetSpec, path: string): Promise<IngestResult> {
  const { db } = ctx.stores.metadata;
  const bytes = await readFile(path);
  const fileHash = createHash("sha256").update(bytes).digest("hex");
  const fileName = basename(path);
  const seen = await db
    .selectFrom("ingested_files")
    .select("id")
    .where("dataset", "=", dataset.name)
    .where("file_name", "=", fileName)
    .where("file_hash", "=", fileHash)
    .executeTakeFirst();
  const base = { file: fileName, rows: 0, rejected: 0, replaced: 0, datasetVersion: null, quarantinePath: null };
  if (seen) return { ...base, status: "unchanged" };

  const quarantineDir = join(ctx.stores.quarantineDir, dataset.name);
  const record = (r: IngestResult, message: string) =>
    db
      .insertInto("ingested_files")
      .values({
        dataset: dataset.name,
        file_name: fileName,
        file_hash: fileHash,
        status: r.status,
        row_count: r.rows,
        rejected_count: r.rejected,
        replaced_count: r.replaced,
        dataset_version: r.datasetVersion,
        message,
        created_at: ctx.clock.now(),
      })
      .execute();
  /** Sets the whole file aside with its reason; the dataset does not change. */
  const setAside = async (reason: string, rows: number, rejectedRows: number): Promise<IngestResult> => {
    const q = await quarantineWholeFile(quarantineDir, path, reason);
    const result: IngestResult = {
      ...base,
      status: "quarantined",
      rows,
      rejected: rejectedRows,
      quarantinePath: q.path,
    };
    await record(result, reason);
    ctx.bus.emit("dataset.file.quarantined", { dataset: dataset.name, file: fileName, rejectedRows, wholeFile: true });
    ctx.logger.warn({ dataset: dataset.name, file: fileName, quarantinePath: q.path }, reason);
    return result;
  };

  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    // A file in another encoding would be read as garbage; set it aside rather than guess.
    return setAside("the file is not valid UTF-8 text", 0, 0);
  }
  const csv = readCsvText(text);
  let validation: ReturnType<typeof validateRecords>;
  try {
    validation = validateRecords(dataset.schema, csv.header, csv.records);
  } catch (error) {
    // A header that does not fit the schema (a missing column) makes every row unreadable.
    if (!(error instanceof SlipwayError)) throw error;
    const detail = error.details.map((d) => `${d.field}: ${d.reason}`).join("; ");
    return setAside(`${error.message}${detail ? ` (${detail})` : ""}`, csv.records.length, csv.records.length);
  }
  const rejected = [...csv.malformed, ...validation.rejected].sort((a, b) => a.line - b.line);
  const total = csv.records.length + csv.malformed.length;
  if (shouldQuarantineWholeFile(total, rejected.length, dataset.quarantine)) {
    const first = rejected[0];
    return setAside(
      `${rejected.length} of ${total} rows rejected (over ${dataset.quarantine.maxRejectedShare * 100}%); first: line ${first?.line}: ${first?.error}`,
      total,
      rejected.length,
    );
  }
  const quarantinePath = await writeRejected(quarantineDir, fileName, csv.header, rejected);
  if (rejected.length > 0) {
    ctx.bus.emit("dataset.file.quarantined", {
      dataset: dataset.name,
      file: fileName,
      rejectedRows: rejected.length,
      wholeFile: false,
    });
    ctx.logger.warn(
      { dataset: dataset.name, file: fileName, rejected: rejected.length, quarantinePath },
      "rows quarantined",
    );
  }

  const current = await latestDatasetVersion(ctx, dataset.name);
  const merged = mergeByTime(current?.frame ?? null, validation.frame, dataset.schema.timeColumn);
  const hash = contentHash(merged.frame, dataset.schema);
  const status = rejected.length > 0 ? "partial" : "accepted";
  const result: IngestResult = {
    ...base,
    status,
    rows: validation.frame.rowCount,
    rejected: rejected.length,
    replaced: merged.replacedTimes.length,
    quarantinePath,
  };
  if (validation.frame.rowCount === 0 || hash === current?.contentHash) {
    await record(result, "no change to the dataset");
    return result;
  }
  const version = (current?.version ?? 0) + 1;
  const artifactKey = `datasets/${dataset.name}/${version}.json`;
  await ctx.stores.artifacts.put(artifactKey, serializeFrame(merged.frame));
  const now = ctx.clock.now();
  const sources = [
    ...(current?.sources ?? []),
    { file: fileName, sha256: fileHash, replaced: merged.replacedTimes.map((t) => new Date(t).toISOString()) },
  ];
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto("datasets")
      .values({ name: dataset.name, schema_json: JSON.stringify(dataset.schema), created_at: now })
      .onConflict((oc) => oc.column("name").doUpdateSet({ schema_json: JSON.stringify(dataset.schema) }))
      .execute();
    await trx
      .insertInto("dataset_versions")
      .values({
        dataset: dataset.name,
        version,
        content_hash: hash,
        row_count: merged.frame.rowCount,
        artifact_key: artifactKey,
        sources_json: JSON.stringify(sources),
        created_at: now,
      })
      .execute();
  });
  result.datasetVersion = version;
  await record(result, merged.replacedTimes.length > 0 ? `replaced ${merged.replacedTimes.length} rows` : "added");
  ctx.bus.emit("dataset.version.created", {
    dataset: dataset.name,
    version,
    rowCount: merged.frame.rowCount,
    contentHash: hash,
  });
  ctx.logger.info(
    { dataset: dataset.name, version, rows: merged.frame.rowCount, file: fileName },
    "dataset version created",
  );
  return result;
}

export interface DatasetVersion {
  version: number;
  contentHash: string;
  frame: Frame;
  sources: { file: string; sha256: string; replaced: string[] }[];
}

export async function latestDatasetVersion(ctx: PipelineContext, dataset: string): Promise<DatasetVersion | null> {
  const row = await ctx.stores.metadata.db
    .selectFrom("dataset_versions")
    .selectAll()
    .where("dataset", "=", dataset)
    .orderBy("version", "desc")
    .limit(1)
    .executeTakeFirst();
  if (!row) return null;
  const frame = deserializeFrame((await ctx.stores.artifacts.get(row.artifact_key)).toString("utf8"));
  return { version: row.version, contentHash: row.content_hash, frame, sources: JSON.parse(row.sources_json) };
}
