import { join } from "node:path";
import { type Family, SlipwayError, type Task } from "../core/index.js";
import { contentHash, inferSchema, readCsvFile, validateRecords, writeRejected } from "../data/index.js";
import { type CandidateScore, type EvaluationPlan, inferTask, trainModel } from "../models/index.js";
import type { PipelineContext } from "./context.js";
import { CODE_VERSION, finishRun, registerModel, startRun } from "./register-model.js";

export interface TrainFileRequest {
  data: string;
  target: string;
  time?: string;
  task?: Task;
  family: Family;
  test?: string;
  horizon?: number;
  name: string;
  seed?: number;
  params?: Record<string, unknown>;
}

export interface TrainFileResult {
  name: string;
  version: number;
  task: Task;
  family: string;
  metrics: Record<string, number>;
  trainSeconds: number;
  runId: string;
  rejectedRows: number;
  /** Every family tried, with its evaluation scores and, when `auto` chose by one, its backtest (for display). */
  candidates: CandidateScore[];
}

/** `slipway train`: read a CSV the project has never seen, train, evaluate, register a version (no alias moves). */
export async function trainFromFile(ctx: PipelineContext, req: TrainFileRequest): Promise<TrainFileResult> {
  const started = performance.now();
  const csv = await readCsvFile(req.data);
  const schema = inferSchema(csv.header, csv.records, {
    target: req.target,
    ...(req.time ? { timeColumn: req.time } : {}),
  });
  const validation = validateRecords(schema, csv.header, csv.records);
  const rejected = [...csv.malformed, ...validation.rejected];
  if (rejected.length > 0) {
    const path = await writeRejected(join(ctx.stores.quarantineDir, req.name), req.data, csv.header, rejected);
    ctx.logger.warn({ rejected: rejected.length, path }, "rows quarantined");
  }
  const frame = validation.frame;
  const task = req.task ?? inferTask(frame, req.target, req.time);
  if (task === "forecast" && !req.time) {
    throw new SlipwayError("SLP_INPUT_INVALID", "a forecast needs --time COL", [
      { field: "--time", reason: "required for --task forecast" },
    ]);
  }
  const targetType = schema.columns.find((c) => c.name === req.target)?.type;
  if ((task === "regression" || task === "forecast") && targetType !== "number") {
    throw new SlipwayError("SLP_INPUT_INVALID", `${task} needs a numeric target; ${req.target} is ${targetType}`, [
      { field: "--target", reason: "not numeric" },
    ]);
  }
  let plan: EvaluationPlan;
  if (req.test) {
    const testCsv = await readCsvFile(req.test);
    const test = validateRecords(schema, testCsv.header, testCsv.records);
    plan = { kind: "test", test: test.frame };
  } else if (req.horizon !== undefined) plan = { kind: "holdout", rows: req.horizon };
  else plan = { kind: "split", share: 0.2 };

  const features = schema.columns.filter((c) => c.name !== req.target && c.name !== req.time);
  const seed = req.seed ?? 42;
  const params = req.params ?? {};
  const spec = { task, target: req.target, ...(req.time ? { timeColumn: req.time } : {}), features, params, seed };
  const run = await startRun(ctx, req.name, task, req.family, params);
  try {
    const result = trainModel(frame, spec, req.family, plan);
    const lineage = {
      source: req.data,
      datasetHash: contentHash(frame, schema),
      seed,
      params,
      codeVersion: CODE_VERSION,
      evaluation: {
        plan: plan.kind,
        rows: result.evaluatedRows,
        ...(req.test ? { test: req.test } : {}),
        ...(result.selection ? { selection: result.selection } : {}),
      },
      // Under a backtest choice each candidate carries its per-fold and pooled backtest scores.
      candidates: result.candidates,
    };
    const version = await registerModel(ctx, {
      name: req.name,
      runId: run.runId,
      model: result.model,
      metrics: result.metrics,
      lineage,
    });
    await finishRun(ctx, run.runId, "succeeded", { family: result.family, metrics: result.metrics, lineage });
    return {
      name: req.name,
      version,
      task,
      family: result.family,
      metrics: result.metrics,
      trainSeconds: (performance.now() - started) / 1000,
      runId: run.runId,
      rejectedRows: rejected.length,
      candidates: result.candidates,
    };
  } catch (error) {
    await finishRun(ctx, run.runId, "failed", { error: (error as Error).message });
    throw error;
  }
}
