import { newId, SlipwayError } from "../core/index.js";
import { type FittedModel, readBundle, saveBundle } from "../models/index.js";
import type { ReleasePolicy } from "../registry/index.js";
import type { ArtifactStore } from "../store/index.js";
import type { PipelineContext } from "./context.js";

/** Everything recorded about how a version came to be. */
export interface Lineage {
  dataset?: string;
  datasetVersion?: number;
  datasetHash?: string;
  source?: string;
  seed: number;
  params: Record<string, unknown>;
  codeVersion: string;
  evaluation: Record<string, unknown>;
  candidates?: unknown[];
}

export interface RunRecord {
  runId: string;
  startedAt: number;
}

export async function startRun(
  ctx: PipelineContext,
  model: string,
  task: string,
  family: string,
  params: Record<string, unknown>,
): Promise<RunRecord> {
  const runId = newId("run");
  const startedAt = ctx.clock.now();
  await ctx.stores.metadata.db
    .insertInto("runs")
    .values({
      id: runId,
      model,
      task,
      family,
      status: "running",
      params_json: JSON.stringify(params),
      metrics_json: "{}",
      lineage_json: "{}",
      error: null,
      started_at: startedAt,
      finished_at: null,
    })
    .execute();
  return { runId, startedAt };
}

export async function finishRun(
  ctx: PipelineContext,
  runId: string,
  status: "succeeded" | "failed" | "gate_failed",
  fields: { family?: string; metrics?: Record<string, number>; lineage?: Lineage; error?: string },
): Promise<void> {
  await ctx.stores.metadata.db
    .updateTable("runs")
    .set({
      status,
      ...(fields.family ? { family: fields.family } : {}),
      ...(fields.metrics ? { metrics_json: JSON.stringify(fields.metrics) } : {}),
      ...(fields.lineage ? { lineage_json: JSON.stringify(fields.lineage) } : {}),
      error: fields.error ?? null,
      finished_at: ctx.clock.now(),
    })
    .where("id", "=", runId)
    .execute();
}

/**
 * Where a version keeps the model that was scored, when the registered one is a fresh fit on every row (see
 * `TrainResult.scored`): the gate replays its hyperparameters.
 */
export function scoredBundleKey(artifactKey: string): string {
  return `${artifactKey}/scored`;
}

/** The bundle a gate replays for a version: its scored model's when it keeps one, else its own. */
export async function readGateBundle(store: ArtifactStore, artifactKey: string): ReturnType<typeof readBundle> {
  const scored = scoredBundleKey(artifactKey);
  return readBundle(store, (await store.exists(`${scored}/manifest.json`)) ? scored : artifactKey);
}

/**
 * Saves the bundle under the run's own prefix (and the scored model's beside it, when there is one), then registers
 * it as the model's next version.
 */
export async function registerModel(
  ctx: PipelineContext,
  input: {
    name: string;
    runId: string;
    model: FittedModel;
    /** The model that was scored, when `model` was fitted afresh on every row. */
    scored?: FittedModel;
    metrics: Record<string, number>;
    lineage: Lineage;
    releasePolicy?: ReleasePolicy;
  },
): Promise<number> {
  const artifactKey = `runs/${input.runId}/model`;
  const extra = { metrics: input.metrics, lineage: input.lineage as unknown as Record<string, unknown> };
  // The scored bundle first: the version's own manifest, written last, is what makes it loadable.
  if (input.scored) await saveBundle(ctx.stores.artifacts, scoredBundleKey(artifactKey), input.scored, extra);
  await saveBundle(ctx.stores.artifacts, artifactKey, input.model, extra);
  try {
    return await ctx.registry.registerVersion({
      model: input.name,
      task: input.model.signature.task,
      family: input.model.family,
      runId: input.runId,
      artifactKey,
      metrics: input.metrics,
      lineage: input.lineage as unknown as Record<string, unknown>,
      ...(input.releasePolicy ? { releasePolicy: input.releasePolicy } : {}),
    });
  } catch (error) {
    throw error instanceof SlipwayError
      ? error
      : new SlipwayError("SLP_INTERNAL", "registering the version failed", [], { cause: error });
  }
}

export const CODE_VERSION = "0.1.0";
