import { invalidInput, SlipwayError } from "../../core/index.js";
import type { EncodedMatrix } from "../../features/index.js";
import {
  type ElasticNet,
  type ElasticNetState,
  fitElasticNetCV,
  fitRidgeLeaveOneOut,
  RidgeRegression,
  type RidgeState,
} from "../../ml/linear/index.js";
import { Rng } from "../../ml/random.js";
import type { TrainSpec } from "../estimator.js";
import { CONFORMAL_SCORES_BLOB, calibrationScores } from "./conformal-interval.js";
import { choiceParam, numberParam } from "./family-helpers.js";

export const PENALTIES = ["ridge", "lasso", "elasticnet"] as const;
export type Penalty = (typeof PENALTIES)[number];

/** How a regression model's conformity scores were made, and from how many rows. */
export interface RegressionIntervals {
  method: "leave-one-out" | "out-of-fold";
  calibrationRows: number;
  /**
   * How α was set: by the leave-one-out error (ridge) or cross-validation (lasso, elastic net), given, or replayed
   * from a scored model. Absent in bundles of a ridge written before α was chosen (it was given or 1e-6).
   */
  alpha?: "leave-one-out" | "cross-validation" | "given" | "replayed";
  /** Lasso and elastic net: the folds behind the out-of-fold residuals. */
  folds?: number;
}

export interface PenalisedFit {
  penalty: Penalty;
  ridge?: RidgeRegression;
  elasticNet?: ElasticNet;
  intervals: RegressionIntervals;
  /** Each row's prediction by the fit that left it out (leave-one-out or out-of-fold). */
  heldOut: Float64Array;
  /** The sorted conformity scores, as the conformal scores blob. */
  blobs: Record<string, Float64Array>;
}

export function penaltyParam(params: Record<string, unknown>): Penalty {
  return choiceParam(params, "penalty", PENALTIES, "ridge");
}

/**
 * Fits the regression and the residuals its conformal interval is calibrated on; none of those residuals comes
 * from a fit that saw its row.
 *
 * - Ridge: α by the exact leave-one-out error over 10⁻³ … 10³ on the standardised encoded columns, as
 *   scikit-learn's `RidgeCV` (unless `alpha` is given, or a replay fixes it), and the leave-one-out residuals
 *   e_i / (1 − h_ii) at that α, from the one fit (no rows held out).
 * - Lasso and elastic net: α by seeded k-fold cross-validation over the regularisation path (unless `alpha` is
 *   given, or a replay fixes it), and the out-of-fold residuals at that α.
 *
 * These are the jackknife and cross-validation residuals (Barber, Candès, Ramdas & Tibshirani, "Predictive
 * inference with the jackknife+", Ann. Statist. 2021): each residual is exactly a held-out error, but of a fit on
 * n − 1 (or (k − 1)n/k) rows, while a new row is predicted by the fit on all n, so the coverage guarantee is the
 * one for a stable estimator (near the level when the rows clearly outnumber the features), not the exact
 * finite-sample bound of split conformal.
 */
export function fitPenalisedRegression(
  X: EncodedMatrix,
  y: Float64Array,
  spec: TrainSpec,
  previous: { ridge?: RidgeState; elasticNet?: ElasticNetState } = {},
): PenalisedFit {
  const replayed = previous.elasticNet;
  const penalty = previous.ridge
    ? "ridge"
    : replayed
      ? replayed.l1Ratio === 1
        ? "lasso"
        : "elasticnet"
      : penaltyParam(spec.params);
  if (X.rows < 3) {
    throw new SlipwayError("SLP_TRAIN_FAILED", "linear regression needs at least 3 rows with a target value", [
      { field: spec.target, reason: `${X.rows} labelled rows` },
    ]);
  }
  if (penalty === "ridge") return fitRidge(X, y, spec, previous.ridge);
  const l1Ratio = replayed?.l1Ratio ?? (penalty === "lasso" ? 1 : l1RatioParam(spec.params));
  const given = numberParam(spec.params, "alpha", { min: 0, optional: true });
  if (given === 0) {
    throw invalidInput("alpha must be positive for the lasso and the elastic net", [
      { field: "/params/alpha", reason: "must be > 0 (penalty ridge fits without an L1 term)" },
    ]);
  }
  const folds = numberParam(spec.params, "folds", { min: 2, max: 20, integer: true, default: 5 });
  const alpha = replayed?.alpha ?? given;
  const cv = fitElasticNetCV(X, y, {
    l1Ratio,
    folds,
    rng: new Rng(spec.seed),
    ...(alpha !== undefined ? { alphas: Float64Array.of(alpha) } : {}),
  });
  const residuals = y.map((v, i) => v - (cv.outOfFold[i] as number));
  const scores = calibrationScores(residuals);
  return {
    penalty,
    elasticNet: cv.model,
    intervals: {
      method: "out-of-fold",
      calibrationRows: scores.length,
      alpha: replayed ? "replayed" : given !== undefined ? "given" : "cross-validation",
      folds,
    },
    heldOut: cv.outOfFold,
    blobs: { [CONFORMAL_SCORES_BLOB]: scores },
  };
}

/**
 * Ridge at a given α, at a scored model's α (and penalty scale), or at the α of least leave-one-out error. The
 * penalty is on the standardised encoded columns, so a text column's indicators are penalised per standard
 * deviation like the numbers (scikit-learn's `Ridge` after a `StandardScaler`); a replayed model from before this
 * keeps its penalty on the raw indicators.
 */
function fitRidge(X: EncodedMatrix, y: Float64Array, spec: TrainSpec, previous?: RidgeState): PenalisedFit {
  const given = numberParam(spec.params, "alpha", { min: 0, optional: true });
  let ridge: RidgeRegression;
  let residuals: Float64Array;
  let how: RegressionIntervals["alpha"];
  if (previous || given !== undefined) {
    ridge = RidgeRegression.fit(X, y, {
      alpha: previous?.alpha ?? (given as number),
      standardise: previous ? (previous.standardise ?? false) : true,
    });
    residuals = ridge.leaveOneOutResiduals(X, y);
    how = previous ? "replayed" : "given";
  } else {
    const search = fitRidgeLeaveOneOut(X, y, { standardise: true });
    ridge = search.model;
    residuals = search.residuals;
    how = "leave-one-out";
  }
  const scores = calibrationScores(residuals);
  return {
    penalty: "ridge",
    ridge,
    intervals: { method: "leave-one-out", calibrationRows: scores.length, alpha: how },
    heldOut: y.map((v, i) => v - (residuals[i] as number)),
    blobs: { [CONFORMAL_SCORES_BLOB]: scores },
  };
}

function l1RatioParam(params: Record<string, unknown>): number {
  const l1Ratio = numberParam(params, "l1Ratio", { min: 0, max: 1, default: 0.5 });
  if (l1Ratio === 0) {
    throw invalidInput("l1Ratio must be above 0; for a pure L2 penalty use penalty ridge", [
      { field: "/params/l1Ratio", reason: "must be > 0" },
    ]);
  }
  return l1Ratio;
}
