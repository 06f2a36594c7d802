import type { FeatureMatrix } from "../../features/index.js";
import { type GbdtMatrix, type GbdtModel, type GbdtParams, trainGbdt } from "../../ml/gbdt/index.js";
import { assignRows, foldOfRows, type RowRoles } from "./gbdt-rows.js";

/*
 * How the gbdt family grows its trees on a set of rows, and the out-of-fold predictions a small regression
 * calibrates its interval on.
 */

/** Folds of the out-of-fold calibration of a small regression. */
export const CALIBRATION_FOLDS = 5;

/** Trees grown on the `fit` rows, stopping early on the `stop` rows when there are any. */
export function growTrees(X: FeatureMatrix, target: Float64Array, roles: RowRoles, params: GbdtParams): GbdtModel {
  const pick = (idx: Int32Array) => Float64Array.from(idx, (i) => target[i] as number);
  return roles.stop.length > 0
    ? trainGbdt(rowsOf(X, roles.fit), pick(roles.fit), params, {
        validation: { X: rowsOf(X, roles.stop), y: pick(roles.stop) },
      })
    : trainGbdt(rowsOf(X, roles.fit), pick(roles.fit), { ...params, earlyStoppingRounds: 0 });
}

/**
 * Every row's prediction by trees grown, with the same parameters, on the other {@link CALIBRATION_FOLDS} − 1
 * folds (each fold model dealing its own early-stopping rows when early stopping is on); `rows` are all of them,
 * in order. These are the cross-validation residuals of Barber, Candès, Ramdas & Tibshirani ("Predictive
 * inference with the jackknife+", Ann. Statist. 2021): each is a genuine held-out error, but of trees grown on four
 * fifths of the rows while new rows are predicted by trees grown on all of them, so the interval's coverage rests
 * on the fit being stable rather than on split conformal's finite-sample argument. Trees grown on fewer rows are,
 * if anything, worse, so the residuals err towards a wider interval.
 */
export function outOfFoldPredictions(
  X: FeatureMatrix,
  target: Float64Array,
  params: GbdtParams,
  seed: number,
): { rows: Int32Array; predicted: Float64Array; folds: number } {
  const n = target.length;
  const fold = foldOfRows(n, seed, CALIBRATION_FOLDS);
  const predicted = new Float64Array(n);
  const all = Int32Array.from({ length: n }, (_, i) => i);
  for (let k = 0; k < CALIBRATION_FOLDS; k++) {
    const inside = all.filter((i) => fold[i] !== k);
    const outside = all.filter((i) => fold[i] === k);
    if (outside.length === 0) continue;
    const local = assignRows(inside.length, seed + k + 1, {
      calibrate: false,
      earlyStopping: params.earlyStoppingRounds !== 0,
    });
    const roles: RowRoles = {
      calibrate: new Int32Array(0),
      stop: local.stop.map((i) => inside[i] as number),
      fit: local.fit.map((i) => inside[i] as number),
    };
    const p = growTrees(X, target, roles, params).predict(rowsOf(X, outside));
    outside.forEach((i, r) => {
      predicted[i] = p[r] as number;
    });
  }
  return { rows: all, predicted, folds: CALIBRATION_FOLDS };
}

export function rowsOf(X: FeatureMatrix, rows: Int32Array): GbdtMatrix {
  const data = new Float64Array(rows.length * X.cols);
  for (let r = 0; r < rows.length; r++) {
    const from = (rows[r] as number) * X.cols;
    data.set(X.data.subarray(from, from + X.cols), r * X.cols);
  }
  return { rows: rows.length, cols: X.cols, data };
}
