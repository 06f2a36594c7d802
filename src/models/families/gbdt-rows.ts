import { type Frame, numericColumn, SlipwayError } from "../../core/index.js";
import { Rng } from "../../ml/random.js";
import type { TrainSpec } from "../estimator.js";
import { encodeLabels } from "../labels.js";

/*
 * The gbdt family's rows: which have a target, and how one seeded shuffle deals them into calibration rows
 * (regression), early-stopping rows and the rows the trees are grown on.
 */

/** Share of the rows watched for early stopping, once the calibration rows are set aside. */
const EARLY_STOPPING_SHARE = 0.1;
/** Fewer rows than this left for fitting, and early stopping would cost more than it saves. */
const EARLY_STOPPING_MIN_ROWS = 20;
/** Share of the rows that calibrate regression intervals. */
const CALIBRATION_SHARE = 0.1;
/**
 * At least this many calibration rows (when a quarter of the rows allows it): ⌈(n + 1)·0.95⌉ ≤ n needs n ≥ 19, so
 * the 95% interval every version is scored with is the exact conformal one.
 */
const CALIBRATION_MIN_ROWS = 19;

/** Which rows calibrate, which stop early, which grow trees: disjoint, from one seeded shuffle of 0 … n − 1. */
export interface RowRoles {
  calibrate: Int32Array;
  stop: Int32Array;
  fit: Int32Array;
}

export function assignRows(n: number, seed: number, options: { calibrate: boolean; earlyStopping: boolean }): RowRoles {
  const order = new Rng(seed ^ 0x5bd1e995).permutation(n);
  const calibrating = options.calibrate
    ? Math.min(Math.max(Math.round(n * CALIBRATION_SHARE), CALIBRATION_MIN_ROWS), Math.floor(n / 4))
    : 0;
  const rest = n - calibrating;
  const stopping =
    options.earlyStopping && rest >= EARLY_STOPPING_MIN_ROWS ? Math.max(1, Math.round(rest * EARLY_STOPPING_SHARE)) : 0;
  return {
    calibrate: order.subarray(0, calibrating),
    stop: order.subarray(calibrating, calibrating + stopping),
    fit: order.subarray(calibrating + stopping),
  };
}

/**
 * The fold (0 … folds − 1) of each of n rows, dealt round-robin from a seeded shuffle, so fold sizes differ by at
 * most one. The shuffle is not the one {@link assignRows} uses, so folds do not follow its groups.
 */
export function foldOfRows(n: number, seed: number, folds: number): Int32Array {
  const order = new Rng(seed ^ 0x27d4eb2f).permutation(n);
  const fold = new Int32Array(n);
  for (let i = 0; i < n; i++) fold[order[i] as number] = i % folds;
  return fold;
}

function labelledRows(n: number, keep: (i: number) => boolean): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (keep(i)) out.push(i);
  return Int32Array.from(out);
}

/** The training target (regression values or class codes), its labelled rows and, for classes, their names. */
export function targetOf(train: Frame, spec: TrainSpec): { y: Float64Array; rows: Int32Array; classes?: string[] } {
  if (spec.task === "regression") {
    const y = numericColumn(train, spec.target);
    return { y, rows: labelledRows(y.length, (i) => Number.isFinite(y[i])) };
  }
  const labels = encodeLabels(train, spec.target);
  if (labels.classes.length < 2) {
    throw new SlipwayError("SLP_TRAIN_FAILED", `classification needs at least two classes in ${spec.target}`, [
      { field: spec.target, reason: `found ${labels.classes.length} class` },
    ]);
  }
  return {
    y: Float64Array.from(labels.y),
    rows: labelledRows(labels.y.length, (i) => (labels.y[i] as number) >= 0),
    classes: labels.classes,
  };
}

/** A Poisson model is of non-negative counts, not all zero; said of the target column, not of a matrix row. */
export function checkCounts(rows: Int32Array, y: Float64Array, target: string): void {
  let sum = 0;
  for (const i of rows) {
    const v = y[i] as number;
    if (v < 0) {
      throw new SlipwayError("SLP_TRAIN_FAILED", `objective poisson needs a non-negative target; ${target} has ${v}`, [
        { field: target, reason: "negative values" },
      ]);
    }
    sum += v;
  }
  if (!(sum > 0)) {
    throw new SlipwayError("SLP_TRAIN_FAILED", "objective poisson needs a target that is not all zero", [
      { field: target, reason: "all zero" },
    ]);
  }
}
