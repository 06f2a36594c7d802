import { join } from "node:path";
import { type Family, type Frame, SlipwayError, type Task } from "../core/index.js";
import { contentHash, inferSchema, readCsvFile, validateRecords, writeRejected } from "../data/index.js";
import {
  type CandidateScore,
  type EvaluationPlan,
  inferTask,
  type MultiSeriesResult,
  type TrainResult,
  type TrainSpec,
  trainModel,
  trainMultiSeries,
} from "../models/index.js";
import type { PipelineContext } from "./context.js";
import { CODE_VERSION, finishRun, registerModel, startRun } from "./register-model.js";

export interface TrainFileRequest {
  data: string;
  target: string;
  time?: string;
  /** The column naming each series of a file holding several (forecast only): one model per series. */
  id?: string;
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
  if (req.id !== undefined && !csv.header.includes(req.id)) {
    throw new SlipwayError("SLP_INPUT_INVALID", `${req.data} has no column ${req.id}`, [
      { field: "--id", reason: "not a column" },
    ]);
  }
  // With several series a time repeats once per series, so times are unique only within a series.
  const rowSchema = req.id !== undefined ? { columns: schema.columns } : schema;
  const validation = validateRecords(rowSchema, csv.header, csv.records);
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
  if (req.id !== undefined && task !== "forecast") {
    throw new SlipwayError("SLP_INPUT_INVALID", "--id splits a file into time series; it needs a forecast task", [
      { field: "--id", reason: `not available for ${task}` },
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
    const test = validateRecords(rowSchema, testCsv.header, testCsv.records);
    plan = { kind: "test", test: test.frame };
  } else if (req.horizon !== undefined) plan = { kind: "holdout", rows: req.horizon };
  else plan = { kind: "split", share: 0.2 };

  const features = schema.columns.filter((c) => c.name !== req.target && c.name !== req.time && c.name !== req.id);
  const seed = req.seed ?? 42;
  const params = req.params ?? {};
  const targetColumn = schema.columns.find((c) => c.name === req.target);
  const spec = {
    task,
    target: req.target,
    ...(req.time ? { timeColumn: req.time } : {}),
    ...(targetColumn ? { targetColumn } : {}),
    features,
    params,
    seed,
  };
  const run = await startRun(ctx, req.name, task, req.family, params);
  try {
    const result: Trained =
      req.id !== undefined
        ? trainSeries(frame, spec, req.family, plan, req.id)
        : trainModel(frame, spec, req.family, plan);
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
        ...(req.id !== undefined ? { idColumn: req.id, series: result.series } : {}),
      },
      // Under a backtest choice each candidate carries its per-fold and pooled backtest scores.
      candidates: result.candidates,
    };
    const version = await registerModel(ctx, {
      name: req.name,
      runId: run.runId,
      model: result.model,
      ...(result.scored ? { scored: result.scored } : {}),
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

/** What a training reports, for one series or several. */
type Trained = Omit<TrainResult, "family"> & { family: string; series?: MultiSeriesResult["series"] };

/** Several series: one model each, reported like a single training (pooled metrics, every series' choice). */
function trainSeries(frame: Frame, spec: TrainSpec, family: Family, plan: EvaluationPlan, idColumn: string): Trained {
  const result = trainMultiSeries(frame, spec, family, plan, idColumn);
  return {
    model: result.model,
    family: result.model.family,
    metrics: result.metrics,
    candidates: result.series.flatMap((s) => s.candidates.map((c) => ({ ...c, series: s.id }))),
    evaluatedRows: result.metrics.n as number,
    series: result.series,
  };
}
