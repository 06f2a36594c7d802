import { SlipwayError } from "../../core/index.js";
import { ConformalCalibration } from "../../ml/conformal/index.js";
import type { RegressionPrediction } from "../estimator.js";

/** The blob a tabular regression model keeps its sorted conformity scores in. */
export const CONFORMAL_SCORES_BLOB = "conformal.scores";

/**
 * The half-width of a symmetric conformal interval at `level`: the ⌈(n + 1)·level⌉-th smallest of the n scores.
 * When n is too small for the level (that rank exceeds n) the exact answer is an unbounded interval, which a JSON
 * answer cannot carry; the largest score is used instead, whose coverage is still at least n / (n + 1).
 */
export function conformalHalfWidth(calibration: ConformalCalibration, level: number): number {
  if (calibration.size === 0)
    throw new SlipwayError("SLP_INTERNAL", "the model has no calibration scores for its intervals");
  const q = calibration.quantile(level);
  return Number.isFinite(q) ? q : (calibration.scores[calibration.size - 1] as number);
}

/** `value ± half-width` for every point prediction. */
export function conformalPredictions(
  values: Float64Array,
  calibration: ConformalCalibration,
  level: number,
): RegressionPrediction[] {
  const half = conformalHalfWidth(calibration, level);
  const out = new Array<RegressionPrediction>(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    out[i] = { value, lower: value - half, upper: value + half };
  }
  return out;
}

/** The calibration of a stored model, or null for a bundle written before it kept one. */
export function storedCalibration(blobs: Record<string, Float64Array>): ConformalCalibration | null {
  const scores = blobs[CONFORMAL_SCORES_BLOB];
  return scores ? ConformalCalibration.fromScores(scores) : null;
}

/** Absolute residuals as sorted conformity scores, ready to store. */
export function calibrationScores(residuals: Float64Array): Float64Array {
  return ConformalCalibration.fromScores(Float64Array.from(residuals, Math.abs)).scores;
}
