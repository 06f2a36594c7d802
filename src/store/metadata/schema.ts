import type { ColumnType, Generated } from "kysely";

/** Table types of the metadata store. Times are epoch milliseconds; JSON columns are text. */
export interface Database {
  meta: { key: string; value: string };
  datasets: { name: string; schema_json: string; created_at: number };
  dataset_versions: {
    dataset: string;
    version: number;
    content_hash: string;
    row_count: number;
    artifact_key: string;
    sources_json: string;
    created_at: number;
  };
  ingested_files: {
    id: Generated<number>;
    dataset: string;
    file_name: string;
    file_hash: string;
    status: "accepted" | "partial" | "quarantined" | "unchanged";
    row_count: number;
    rejected_count: number;
    replaced_count: number;
    dataset_version: number | null;
    message: string;
    created_at: number;
  };
  runs: {
    id: string;
    model: string;
    task: string;
    family: string;
    status: "running" | "succeeded" | "failed" | "gate_failed";
    params_json: string;
    metrics_json: string;
    lineage_json: string;
    error: string | null;
    started_at: number;
    finished_at: number | null;
  };
  models: {
    name: string;
    task: string;
    family: string;
    release_policy: string;
    /** The release policy's gate conditions, a JSON array (`[]`: none). */
    release_gate_json: ColumnType<string, string | undefined, string>;
    created_at: number;
  };
  model_versions: {
    model: string;
    version: number;
    run_id: string;
    task: string;
    family: string;
    artifact_key: string;
    metrics_json: string;
    lineage_json: string;
    created_at: number;
    /** Free text for people; null when none was set. */
    description: ColumnType<string | null, string | null | undefined, string | null>;
  };
  /** Tags of model versions: one row per (model, version, key). */
  version_tags: { model: string; version: number; key: string; value: string; updated_at: number };
  aliases: { model: string; alias: string; version: number; updated_at: number };
  audit_log: {
    id: Generated<number>;
    at: number;
    actor: string;
    action: string;
    model: string;
    alias: string | null;
    from_version: number | null;
    to_version: number | null;
    reason: string;
  };
  approval_requests: {
    id: Generated<number>;
    model: string;
    version: number;
    state: "pending" | "approved" | "rejected" | "superseded";
    requested_by: string;
    requested_at: number;
    reason: string;
    decided_by: string | null;
    decided_at: number | null;
    decision_reason: string | null;
  };
  api_tokens: {
    id: string;
    name: string;
    token_hash: string;
    scopes_json: string;
    created_at: number;
    revoked_at: number | null;
  };
  jobs: {
    id: string;
    kind: string;
    payload_json: string;
    state: "queued" | "running" | "succeeded" | "failed";
    attempts: number;
    max_attempts: number;
    lease_owner: string | null;
    lease_expires_at: number | null;
    run_after: number;
    result_json: string | null;
    error: string | null;
    created_at: number;
    updated_at: number;
  };
  prediction_log: {
    id: Generated<number>;
    request_id: string;
    model: string;
    version: number;
    kind: "predict" | "forecast";
    inputs_json: string;
    outputs_json: string;
    latency_ms: number;
    at: number;
    /** Which route answered: `production`, `canary`, `pinned` (a version in the path) or `shadow` (not returned). */
    route: ColumnType<string, string | undefined, string>;
  };
  traffic_splits: {
    model: string;
    kind: "canary" | "shadow";
    version: number;
    share: number;
    updated_at: number;
    /** A canary's schedule (see `registry/canary-stepper.ts`); null without one. */
    step: ColumnType<number | null, number | null | undefined, number | null>;
    every_ms: ColumnType<number | null, number | null | undefined, number | null>;
    max_latency_ratio: ColumnType<number | null, number | null | undefined, number | null>;
    /** Epoch ms at which the stepper takes the next step. */
    next_step_at: ColumnType<number | null, number | null | undefined, number | null>;
  };
}

export type Json = ColumnType<string, string, string>;
