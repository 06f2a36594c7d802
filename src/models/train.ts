import { type Family, type Frame, numericColumn, SlipwayError, sliceFrame, takeRows } from "../core/index.js";
import { Rng } from "../ml/random.js";
import type { FitOptions, FittedModel, TrainSpec } from "./estimator.js";
import { evaluateModel, primaryMetric } from "./evaluate.js";
import { candidateFamilies, familyFor } from "./families/index.js";

/** How a new model is scored: on a separate test frame, on the last N rows, or on a split of its own. */
export type EvaluationPlan =
  | { kind: "test"; test: Frame }
  | { kind: "holdout"; rows: number }
  | { kind: "split"; share: number };

export interface CandidateScore {
  family: Exclude<Family, "auto">;
  metrics: Record<string, number>;
  error?: string;
}

export interface TrainResult {
  /** The model to register: fitted on every row (or on the training file when a test file scored it). */
  model: FittedModel;
  family: Exclude<Family, "auto">;
  metrics: Record<string, number>;
  /** Every family tried (one unless `auto`), with its score, for the run's record. */
  candidates: CandidateScore[];
  evaluatedRows: number;
}

/** Rows sorted by the time column (forecast data arrives in any order). */
export function sortByTime(frame: Frame, timeColumn: string): Frame {
  const t = numericColumn(frame, timeColumn);
  const order = Int32Array.from({ length: frame.rowCount }, (_, i) => i).sort((a, b) => t[a] - t[b]);
  return takeRows(frame, order);
}

/** Splits `frame` into the rows a candidate is fitted on and the rows it is scored on. */
export function splitForEvaluation(frame: Frame, spec: TrainSpec, plan: EvaluationPlan): { train: Frame; test: Frame } {
  if (plan.kind === "test") return { train: frame, test: plan.test };
  const n = frame.rowCount;
  const testRows = plan.kind === "holdout" ? plan.rows : Math.max(1, Math.round(n * plan.share));
  if (testRows >= n - 1) {
    throw new SlipwayError("SLP_INPUT_INVALID", `cannot hold out ${testRows} of ${n} rows and still train`, [
      { field: "--horizon", reason: `must be less than ${n - 1}` },
    ]);
  }
  if (spec.task === "forecast" || plan.kind === "holdout") {
    return { train: sliceFrame(frame, 0, n - testRows), test: sliceFrame(frame, n - testRows, n) };
  }
  const perm = new Rng(spec.seed).permutation(n);
  return { train: takeRows(frame, perm.subarray(testRows)), test: takeRows(frame, perm.subarray(0, testRows)) };
}

/**
 * Fits each candidate family on the training rows, scores it on the evaluation rows, keeps the best by the task's
 * primary metric, and refits it on every row with the scored hyperparameters (a forecast then starts after the
 * last observation).
 */
export function trainModel(frame: Frame, spec: TrainSpec, family: Family, plan: EvaluationPlan): TrainResult {
  const data = spec.task === "forecast" ? sortByTime(frame, spec.timeColumn as string) : frame;
  const { train, test } = splitForEvaluation(data, spec, plan);
  const metric = primaryMetric(spec.task);
  const candidates: CandidateScore[] = [];
  let best: { family: Exclude<Family, "auto">; model: FittedModel; metrics: Record<string, number> } | null = null;
  const names = candidateFamilies(family, spec.task);
  for (const name of names) {
    const impl = familyFor(name, spec.task);
    try {
      const model = impl.fit(train, spec);
      const metrics = evaluateModel(model, test, spec);
      candidates.push({ family: name, metrics });
      if (!best || (metrics[metric] as number) < (best.metrics[metric] as number))
        best = { family: name, model, metrics };
    } catch (error) {
      // With one family the failure is the answer; under auto another family may still fit.
      if (names.length === 1) throw asTrainError(error);
      candidates.push({ family: name, metrics: {}, error: (error as Error).message });
    }
  }
  if (!best) {
    throw new SlipwayError(
      "SLP_TRAIN_FAILED",
      `no family could fit: ${candidates.map((c) => `${c.family}: ${c.error}`).join("; ")}`,
    );
  }
  // The refit conditions on every row but keeps the hyperparameters that were scored: the registered version is
  // the model that was evaluated, and a later gate can replay them without having seen its own window.
  const model =
    plan.kind === "test"
      ? best.model
      : familyFor(best.family, spec.task).fit(data, spec, { hyperparametersFrom: best.model.state() });
  return { model, family: best.family, metrics: best.metrics, candidates, evaluatedRows: test.rowCount };
}

/** Refits a model of `family` on `train`, optionally with another model's hyperparameters held fixed. */
export function fitFamily(
  family: Exclude<Family, "auto">,
  train: Frame,
  spec: TrainSpec,
  options?: FitOptions,
): FittedModel {
  const data = spec.task === "forecast" ? sortByTime(train, spec.timeColumn as string) : train;
  return familyFor(family, spec.task).fit(data, spec, options);
}

function asTrainError(error: unknown): unknown {
  if (error instanceof SlipwayError) return error;
  return new SlipwayError("SLP_TRAIN_FAILED", `training failed: ${(error as Error).message}`, [], { cause: error });
}
