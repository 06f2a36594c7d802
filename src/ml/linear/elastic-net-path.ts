import { type CoordinateDescentMethod, coordinateDescent } from "./coordinate-descent.js";
import { alphaMaxOf, checkL1Ratio, type PreparedElasticNet, prepareElasticNet } from "./elastic-net.js";
import type { FeatureMatrix } from "./normal-equations.js";
import { unscaleCoefficients } from "./standardise.js";

/** Options of {@link elasticNetPath}; the grid defaults follow scikit-learn's `enet_path`. */
export interface ElasticNetPathOptions {
  /** Share of the penalty that is L1, in (0, 1]. Default 0.5. */
  l1Ratio?: number;
  /** An explicit grid of positive α (fitted largest first); overrides `alphaCount` and `epsilon`. */
  alphas?: Float64Array;
  /** Grid size, geometric from α_max down to ε·α_max. Default 100. */
  alphaCount?: number;
  /** Ratio of the smallest to the largest α of the grid. Default 1e-3. */
  epsilon?: number;
  /** As {@link ElasticNetOptions.standardise}. Default true. */
  standardise?: boolean;
  /** Sweeps per α. Default 1000. */
  maxIterations?: number;
  /** Duality-gap tolerance per α, relative to ‖y − ȳ‖²/n. Default 1e-6. */
  tolerance?: number;
  method?: CoordinateDescentMethod | "auto";
}

/** Solutions along a decreasing α grid, each fit warm-started from the previous one. */
export interface ElasticNetPath {
  l1Ratio: number;
  /** Decreasing. */
  alphas: Float64Array;
  /** Row k (p entries) holds the original-scale coefficients at alphas[k]. */
  coefficients: Float64Array;
  /** Row k holds the coefficients per training standard deviation at alphas[k]. */
  standardisedCoefficients: Float64Array;
  intercepts: Float64Array;
  /** Duality gap reached at each α (relative tolerance applies to it). */
  dualityGaps: Float64Array;
  /** Whether every α met the tolerance within `maxIterations`. */
  isConverged: boolean;
}

/** count values geometric from alphaMax down to epsilon·alphaMax (α_max = 0, a constant target, gives a grid at 1). */
export function alphaGrid(alphaMax: number, count = 100, epsilon = 1e-3): Float64Array {
  if (!Number.isInteger(count) || count < 1)
    throw new RangeError(`alphaCount must be a positive integer, got ${count}`);
  if (!(epsilon > 0 && epsilon <= 1)) throw new RangeError(`epsilon must be in (0, 1], got ${epsilon}`);
  const top = alphaMax > 0 ? alphaMax : 1;
  const grid = new Float64Array(count);
  for (let k = 0; k < count; k++) grid[k] = count === 1 ? top : top * epsilon ** (k / (count - 1));
  return grid;
}

/**
 * The regularisation path: the elastic net at each α of a decreasing grid (from α_max, where every coefficient is
 * zero), each solve warm-started at the previous solution, which is what makes a whole path cost a few single
 * fits (Friedman, Hastie & Tibshirani 2010, §2.5).
 */
export function elasticNetPath(X: FeatureMatrix, y: Float64Array, options: ElasticNetPathOptions = {}): ElasticNetPath {
  const prepared = prepareElasticNet(X, y, options.standardise ?? true, options.method ?? "auto");
  return pathOf(prepared, options);
}

/** {@link elasticNetPath} on a prepared problem; cross-validation calls it once per fold. */
export function pathOf(prepared: PreparedElasticNet, options: ElasticNetPathOptions = {}): ElasticNetPath {
  const l1Ratio = checkL1Ratio(options.l1Ratio ?? 0.5);
  const alphas = options.alphas
    ? Float64Array.from(options.alphas).sort().reverse()
    : alphaGrid(alphaMaxOf(prepared.problem, l1Ratio), options.alphaCount ?? 100, options.epsilon ?? 1e-3);
  for (const alpha of alphas)
    if (!(alpha > 0 && Number.isFinite(alpha))) throw new RangeError(`path alphas must be positive, got ${alpha}`);
  const { problem, deviations, fitting, yMean } = prepared;
  const p = problem.cols;
  const m = alphas.length;
  const coefficients = new Float64Array(m * p);
  const standardisedCoefficients = new Float64Array(m * p);
  const intercepts = new Float64Array(m);
  const dualityGaps = new Float64Array(m);
  let isConverged = true;
  const w = new Float64Array(p);
  const solve = { maxIterations: options.maxIterations ?? 1000, tolerance: options.tolerance ?? 1e-6 };
  for (let k = 0; k < m; k++) {
    const alpha = alphas[k];
    const result = coordinateDescent(problem, alpha * l1Ratio, alpha * (1 - l1Ratio), w, solve);
    const original = unscaleCoefficients(w, yMean, fitting);
    coefficients.set(original.coefficients, k * p);
    for (let j = 0; j < p; j++) standardisedCoefficients[k * p + j] = original.coefficients[j] * deviations.scales[j];
    intercepts[k] = original.intercept;
    dualityGaps[k] = result.dualityGap;
    isConverged &&= result.converged;
  }
  return { l1Ratio, alphas, coefficients, standardisedCoefficients, intercepts, dualityGaps, isConverged };
}
