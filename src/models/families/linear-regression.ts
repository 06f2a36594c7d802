import { invalidInput, SlipwayError } from "../../core/index.js";
import type { EncodedMatrix } from "../../features/index.js";
import { type ElasticNet, type ElasticNetState, fitElasticNetCV } from "../../ml/linear/index.js";
import { RidgeRegression } from "../../ml/linear/ridge.js";
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
  /** Lasso and elastic net: how α was set, and the folds behind the out-of-fold residuals. */
  alpha?: "cross-validation" | "given" | "replayed";
  folds?: number;
}

export interface PenalisedFit {
  penalty: Penalty;
  ridge?: RidgeRegression;
  elasticNet?: ElasticNet;
  intervals: RegressionIntervals;
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
 * - Ridge: the exact leave-one-out residuals e_i / (1 − h_ii), from the one fit (no rows held out).
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
  previous?: ElasticNetState,
): PenalisedFit {
  const penalty = previous ? (previous.l1Ratio === 1 ? "lasso" : "elasticnet") : penaltyParam(spec.params);
  if (X.rows < 3) {
    throw new SlipwayError("SLP_TRAIN_FAILED", "linear regression needs at least 3 rows with a target value", [
      { field: spec.target, reason: `${X.rows} labelled rows` },
    ]);
  }
  if (penalty === "ridge") {
    const alpha = numberParam(spec.params, "alpha", { min: 0, default: 1e-6 });
    const ridge = RidgeRegression.fit(X, y, { alpha });
    const scores = calibrationScores(ridge.leaveOneOutResiduals(X, y));
    return {
      penalty,
      ridge,
      intervals: { method: "leave-one-out", calibrationRows: scores.length },
      blobs: { [CONFORMAL_SCORES_BLOB]: scores },
    };
  }
  const l1Ratio = previous?.l1Ratio ?? (penalty === "lasso" ? 1 : l1RatioParam(spec.params));
  const given = numberParam(spec.params, "alpha", { min: 0, optional: true });
  if (given === 0) {
    throw invalidInput("alpha must be positive for the lasso and the elastic net", [
      { field: "/params/alpha", reason: "must be > 0 (penalty ridge fits without an L1 term)" },
    ]);
  }
  const folds = numberParam(spec.params, "folds", { min: 2, max: 20, integer: true, default: 5 });
  const alpha = previous?.alpha ?? given;
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
      alpha: previous ? "replayed" : given !== undefined ? "given" : "cross-validation",
      folds,
    },
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
