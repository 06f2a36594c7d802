import { SlipwayError } from "../../core/errors.js";
import type { Rng } from "../random.js";
import { alphaMaxOf, checkL1Ratio, ElasticNet, prepareElasticNet } from "./elastic-net.js";
import { alphaGrid, type ElasticNetPath, type ElasticNetPathOptions, pathOf } from "./elastic-net-path.js";
import { checkDesign, type FeatureMatrix, takeRows } from "./normal-equations.js";

/** Options of {@link fitElasticNetCV}. */
export interface ElasticNetCVOptions extends Omit<ElasticNetPathOptions, "l1Ratio"> {
  /** One L1 share or several to choose among (scikit-learn's `l1_ratio` list). Default 0.5. */
  l1Ratio?: number | readonly number[];
  /** Number of folds, 2 ≤ k ≤ n. Default 5. */
  folds?: number;
  /** Shuffles the rows into folds; the same seed gives the same folds. */
  rng: Rng;
  /**
   * "minimum" takes the α of least mean validation error (scikit-learn's choice); "one-standard-error" the largest
   * α within one standard error of that minimum, a sparser model of statistically indistinguishable error
   * (Hastie, Tibshirani & Friedman, The Elements of Statistical Learning, 2nd ed., §7.10). Default "minimum".
   */
  selection?: "minimum" | "one-standard-error";
}

/** The cross-validation curve of one L1 share. */
export interface ElasticNetCVCurve {
  l1Ratio: number;
  /** Decreasing; shared by every fold (computed on all rows, as scikit-learn does). */
  alphas: Float64Array;
  /** Mean over folds of the validation mean squared error at each α. */
  meanSquaredError: Float64Array;
  /** Standard error of that mean: the folds' sample standard deviation / √k. */
  standardError: Float64Array;
}

export interface ElasticNetCVResult {
  /** Refitted on all rows at the chosen α and L1 share. */
  model: ElasticNet;
  alpha: number;
  l1Ratio: number;
  curves: ElasticNetCVCurve[];
  /**
   * Each row's prediction by the fold fit that left it out, at the chosen α and L1 share: y − outOfFold are the
   * cross-validation residuals, scores of rows no fit that predicted them had seen.
   */
  outOfFold: Float64Array;
  /** The fold of each row (0 … k − 1). */
  folds: Int32Array;
}

/**
 * Chooses α (and the L1 share, given several) by k-fold cross-validation over a regularisation path, then refits
 * on all rows, as scikit-learn's `ElasticNetCV`. Each fold standardises with its own training rows only, so the
 * validation rows never inform the scaling.
 */
export function fitElasticNetCV(X: FeatureMatrix, y: Float64Array, options: ElasticNetCVOptions): ElasticNetCVResult {
  checkDesign(X, y.length);
  const n = X.rows;
  const k = options.folds ?? 5;
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`folds must be an integer ≥ 2, got ${k}`);
  if (n < k)
    throw new SlipwayError("SLP_TRAIN_FAILED", `${k}-fold cross-validation needs at least ${k} rows, got ${n}`);
  const standardise = options.standardise ?? true;
  const method = options.method ?? "auto";
  const ratios = typeof options.l1Ratio === "number" ? [options.l1Ratio] : (options.l1Ratio ?? [0.5]);
  if (ratios.length === 0) throw new RangeError("l1Ratio must list at least one value");
  const full = prepareElasticNet(X, y, standardise, method);

  // Row perm[i] goes to fold i mod k: folds differ in size by at most one row.
  const fold = new Int32Array(n);
  const perm = options.rng.permutation(n);
  for (let i = 0; i < n; i++) fold[perm[i]] = i % k;
  const foldRows = Array.from({ length: k }, (_, f) => {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < n; i++) (fold[i] === f ? test : train).push(i);
    return { train: Int32Array.from(train), test: Int32Array.from(test) };
  });
  const prepared = foldRows.map(({ train }) =>
    prepareElasticNet(takeRows(X, train), take(y, train), standardise, method),
  );

  // Every fold's path, per L1 share, so the out-of-fold predictions at the chosen α need no refit.
  const paths: ElasticNetPath[][] = [];
  const curves: ElasticNetCVCurve[] = ratios.map((l1Ratio) => {
    checkL1Ratio(l1Ratio);
    const alphas = options.alphas
      ? Float64Array.from(options.alphas).sort().reverse()
      : alphaGrid(alphaMaxOf(full.problem, l1Ratio), options.alphaCount ?? 100, options.epsilon ?? 1e-3);
    const pathOptions = { l1Ratio, alphas, maxIterations: options.maxIterations, tolerance: options.tolerance };
    const m = alphas.length;
    const errors = new Float64Array(k * m);
    const foldPaths: ElasticNetPath[] = [];
    paths.push(foldPaths);
    for (let f = 0; f < k; f++) {
      const path = pathOf(prepared[f], pathOptions);
      foldPaths.push(path);
      const { test } = foldRows[f];
      for (let a = 0; a < m; a++)
        errors[f * m + a] = meanSquaredError(X, y, test, path.coefficients, a, path.intercepts[a]);
    }
    const meanSquared = new Float64Array(m);
    const standardError = new Float64Array(m);
    for (let a = 0; a < m; a++) {
      let mean = 0;
      for (let f = 0; f < k; f++) mean += errors[f * m + a] / k;
      let ss = 0;
      for (let f = 0; f < k; f++) ss += (errors[f * m + a] - mean) ** 2;
      meanSquared[a] = mean;
      standardError[a] = Math.sqrt(ss / (k - 1) / k);
    }
    return { l1Ratio, alphas, meanSquaredError: meanSquared, standardError };
  });

  let best = { curve: 0, index: 0 };
  curves.forEach((curve, c) => {
    for (let a = 0; a < curve.alphas.length; a++)
      if (curve.meanSquaredError[a] < curves[best.curve].meanSquaredError[best.index]) best = { curve: c, index: a };
  });
  const curve = curves[best.curve];
  let index = best.index;
  if (options.selection === "one-standard-error") {
    const limit = curve.meanSquaredError[index] + curve.standardError[index];
    // Alphas decrease along the curve, so the first index within the limit is the largest such α.
    index = curve.meanSquaredError.findIndex((e) => e <= limit);
  }
  const alpha = curve.alphas[index];
  const outOfFold = new Float64Array(n);
  const p = X.cols;
  foldRows.forEach(({ test }, f) => {
    const path = paths[best.curve][f];
    const off = index * p;
    for (const i of test) {
      let fitted = path.intercepts[index];
      for (let j = 0; j < p; j++) fitted += X.data[i * p + j] * path.coefficients[off + j];
      outOfFold[i] = fitted;
    }
  });
  const model = ElasticNet.fitPrepared(full, {
    alpha,
    l1Ratio: curve.l1Ratio,
    maxIterations: options.maxIterations,
    tolerance: options.tolerance,
  });
  return { model, alpha, l1Ratio: curve.l1Ratio, curves, outOfFold, folds: fold };
}

function meanSquaredError(
  X: FeatureMatrix,
  y: Float64Array,
  rows: Int32Array,
  coefficients: Float64Array,
  alphaIndex: number,
  intercept: number,
): number {
  const p = X.cols;
  const off = alphaIndex * p;
  let sum = 0;
  for (const i of rows) {
    let fitted = intercept;
    for (let j = 0; j < p; j++) fitted += X.data[i * p + j] * coefficients[off + j];
    sum += (y[i] - fitted) ** 2;
  }
  return sum / rows.length;
}

function take(values: Float64Array, rows: Int32Array): Float64Array {
  return Float64Array.from(rows, (i) => values[i]);
}
