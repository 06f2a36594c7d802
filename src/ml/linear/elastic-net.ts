import { invalidInput, SlipwayError } from "../../core/errors.js";
import {
  type CoordinateDescentMethod,
  coordinateDescent,
  type ElasticNetProblem,
  elasticNetProblem,
} from "./coordinate-descent.js";
import { checkDesign, type FeatureMatrix, isAllFinite } from "./normal-equations.js";
import {
  centringOnly,
  type FeatureScaling,
  fitFeatureScaling,
  scaleFeatures,
  unscaleCoefficients,
} from "./standardise.js";

/** Fitting options for {@link ElasticNet.fit}. */
export interface ElasticNetOptions {
  /** Overall penalty α > 0 (scikit-learn's `alpha`). Default 1. */
  alpha?: number;
  /** Share of the penalty that is L1, in (0, 1]; 1 is the lasso. Default 0.5 (scikit-learn's default). */
  l1Ratio?: number;
  /**
   * Fit on standardised columns (x − mean)/sd, so the penalty treats features alike whatever their units; the
   * coefficients are reported on both scales either way. Default true. False fits on centred raw columns, as
   * scikit-learn's `ElasticNet` on unscaled X.
   */
  standardise?: boolean;
  /** Full coordinate sweeps before giving up. Default 1000. */
  maxIterations?: number;
  /** Duality-gap tolerance relative to ‖y − ȳ‖²/n (scikit-learn's `tol`). Default 1e-6. */
  tolerance?: number;
  /** Coordinate-descent bookkeeping; "auto" picks covariance updates when n ≥ p. */
  method?: CoordinateDescentMethod | "auto";
  /**
   * Starting coefficients on the fitting scale (a previous fit's `standardisedCoefficients`, or `coefficients`
   * when `standardise` is false), e.g. from a nearby α on the same data. Default zeros.
   */
  warmStart?: Float64Array;
}

/** The JSON form of a fitted model. */
export interface ElasticNetState {
  family: "elastic-net";
  version: 1;
  alpha: number;
  l1Ratio: number;
  standardise: boolean;
  intercept: number;
  /** On the original feature scale: ŷ = intercept + Σ coefficients_j x_j. */
  coefficients: number[];
  /** Per standard deviation of each feature: coefficients_j · featureScales_j. */
  standardisedCoefficients: number[];
  featureMeans: number[];
  /** Population standard deviations of the training columns (1 for a constant column). */
  featureScales: number[];
  trainingRows: number;
  iterations: number;
  dualityGap: number;
  converged: boolean;
}

/** A centred (and optionally standardised) problem, ready for {@link coordinateDescent}. */
export interface PreparedElasticNet {
  problem: ElasticNetProblem;
  /** Means and standard deviations of the columns. */
  deviations: FeatureScaling;
  /** The scaling the problem was built with: `deviations`, or centring only. */
  fitting: FeatureScaling;
  isStandardised: boolean;
  yMean: number;
}

/** The options of one solve on an already prepared problem. */
export type ElasticNetSolveOptions = Omit<ElasticNetOptions, "standardise" | "method">;

/** Validates X and y and builds the centred problem; shared by the single fit, the path and cross-validation. */
export function prepareElasticNet(
  X: FeatureMatrix,
  y: Float64Array,
  standardise: boolean,
  method: CoordinateDescentMethod | "auto" = "auto",
): PreparedElasticNet {
  checkDesign(X, y.length);
  if (X.rows === 0) throw new SlipwayError("SLP_TRAIN_FAILED", "the elastic net needs at least one training row");
  if (!isAllFinite(X.data) || !isAllFinite(y))
    throw new SlipwayError("SLP_TRAIN_FAILED", "the elastic net needs finite features and targets");
  const deviations = fitFeatureScaling(X);
  const fitting = standardise ? deviations : centringOnly(deviations);
  let yMean = 0;
  for (let i = 0; i < y.length; i++) yMean += y[i];
  yMean /= y.length;
  const yc = Float64Array.from(y, (v) => v - yMean);
  const problem = elasticNetProblem(scaleFeatures(X, fitting), yc, method);
  return { problem, deviations, fitting, isStandardised: standardise, yMean };
}

/**
 * The smallest α at which every coefficient is zero: at w = 0 the subgradient condition is
 * |z_jᵀ(y − ȳ)|/n ≤ α·l1Ratio for all j, so α_max = max_j |z_jᵀ(y − ȳ)| / (n·l1Ratio), on the fitting scale.
 */
export function elasticNetAlphaMax(
  X: FeatureMatrix,
  y: Float64Array,
  options: { l1Ratio?: number; standardise?: boolean } = {},
): number {
  const l1Ratio = checkL1Ratio(options.l1Ratio ?? 0.5);
  return alphaMaxOf(prepareElasticNet(X, y, options.standardise ?? true).problem, l1Ratio);
}

/** {@link elasticNetAlphaMax} of a prepared problem (c = Zᵀy/n is already there). */
export function alphaMaxOf(problem: ElasticNetProblem, l1Ratio: number): number {
  let max = 0;
  for (let j = 0; j < problem.cols; j++) max = Math.max(max, Math.abs(problem.xty[j]));
  return max / l1Ratio;
}

export function checkL1Ratio(l1Ratio: number): number {
  if (!(l1Ratio > 0 && l1Ratio <= 1))
    throw new RangeError(`l1Ratio must be in (0, 1], got ${l1Ratio}; for a pure L2 penalty use RidgeRegression`);
  return l1Ratio;
}

/**
 * Linear regression with an intercept and the penalty α·l1Ratio·‖w‖₁ + (α(1 − l1Ratio)/2)‖w‖² on the
 * coefficients of the standardised features (the intercept is not penalised), scaled as scikit-learn's
 * `ElasticNet`: the loss is (1/(2n))‖y − Xw − b‖². Solved by cyclic coordinate descent to a duality-gap
 * tolerance (see coordinate-descent.ts).
 */
export class ElasticNet {
  readonly alpha: number;
  readonly l1Ratio: number;
  readonly isStandardised: boolean;
  readonly intercept: number;
  /** On the original feature scale. */
  readonly coefficients: Float64Array;
  /** Per training standard deviation of each feature (coefficients_j · featureScales_j). */
  readonly standardisedCoefficients: Float64Array;
  readonly featureMeans: Float64Array;
  readonly featureScales: Float64Array;
  readonly trainingRows: number;
  readonly iterations: number;
  readonly dualityGap: number;
  readonly converged: boolean;

  private constructor(state: ElasticNetState) {
    this.alpha = state.alpha;
    this.l1Ratio = state.l1Ratio;
    this.isStandardised = state.standardise;
    this.intercept = state.intercept;
    this.coefficients = Float64Array.from(state.coefficients);
    this.standardisedCoefficients = Float64Array.from(state.standardisedCoefficients);
    this.featureMeans = Float64Array.from(state.featureMeans);
    this.featureScales = Float64Array.from(state.featureScales);
    this.trainingRows = state.trainingRows;
    this.iterations = state.iterations;
    this.dualityGap = state.dualityGap;
    this.converged = state.converged;
  }

  /** Fits on the rows of `X` (n × p, finite) against `y` (length n, finite). */
  static fit(X: FeatureMatrix, y: Float64Array, options: ElasticNetOptions = {}): ElasticNet {
    const standardise = options.standardise ?? true;
    return ElasticNet.fitPrepared(prepareElasticNet(X, y, standardise, options.method ?? "auto"), options);
  }

  /** Fits on a problem from {@link prepareElasticNet}; the path and cross-validation reuse one preparation. */
  static fitPrepared(prepared: PreparedElasticNet, options: ElasticNetSolveOptions = {}): ElasticNet {
    const alpha = options.alpha ?? 1;
    const l1Ratio = checkL1Ratio(options.l1Ratio ?? 0.5);
    if (!(alpha > 0 && Number.isFinite(alpha)))
      throw new RangeError(`alpha must be positive and finite, got ${alpha}; for no penalty use RidgeRegression`);
    const { problem, deviations, fitting } = prepared;
    const p = problem.cols;
    const w = new Float64Array(p);
    if (options.warmStart) {
      if (options.warmStart.length !== p)
        throw new RangeError(`warm start has ${options.warmStart.length} entries, expected ${p}`);
      w.set(options.warmStart);
    }
    const result = coordinateDescent(problem, alpha * l1Ratio, alpha * (1 - l1Ratio), w, {
      maxIterations: options.maxIterations ?? 1000,
      tolerance: options.tolerance ?? 1e-6,
    });
    const { coefficients, intercept } = unscaleCoefficients(w, prepared.yMean, fitting);
    return new ElasticNet({
      family: "elastic-net",
      version: 1,
      alpha,
      l1Ratio,
      standardise: prepared.isStandardised,
      intercept,
      coefficients: Array.from(coefficients),
      standardisedCoefficients: Array.from(coefficients, (c, j) => c * deviations.scales[j]),
      featureMeans: Array.from(deviations.means),
      featureScales: Array.from(deviations.scales),
      trainingRows: problem.rows,
      iterations: result.iterations,
      dualityGap: result.dualityGap,
      converged: result.converged,
    });
  }

  /** ŷ = b + Xw for each row of `X`, written into `out` when given. */
  predict(X: FeatureMatrix, out: Float64Array = new Float64Array(X.rows)): Float64Array {
    checkDesign(X, out.length);
    const p = this.coefficients.length;
    if (X.cols !== p) throw new RangeError(`model has ${p} features, matrix has ${X.cols} columns`);
    const w = this.coefficients;
    for (let i = 0; i < X.rows; i++) {
      let s = this.intercept;
      const base = i * p;
      for (let j = 0; j < p; j++) s += X.data[base + j] * w[j];
      out[i] = s;
    }
    return out;
  }

  /** Plain-JSON state; `fromJSON` restores a model that predicts identically. */
  toJSON(): ElasticNetState {
    return {
      family: "elastic-net",
      version: 1,
      alpha: this.alpha,
      l1Ratio: this.l1Ratio,
      standardise: this.isStandardised,
      intercept: this.intercept,
      coefficients: Array.from(this.coefficients),
      standardisedCoefficients: Array.from(this.standardisedCoefficients),
      featureMeans: Array.from(this.featureMeans),
      featureScales: Array.from(this.featureScales),
      trainingRows: this.trainingRows,
      iterations: this.iterations,
      dualityGap: this.dualityGap,
      converged: this.converged,
    };
  }

  /** Rebuilds a model from {@link toJSON}'s output; throws `SLP_INPUT_INVALID` when the arrays disagree in size. */
  static fromJSON(state: ElasticNetState): ElasticNet {
    const p = state.coefficients.length;
    const details = [];
    if (state.family !== "elastic-net" || state.version !== 1)
      details.push({ field: "/family", reason: "expected elastic-net version 1" });
    for (const key of ["standardisedCoefficients", "featureMeans", "featureScales"] as const)
      if (state[key].length !== p) details.push({ field: `/${key}`, reason: `expected ${p} entries` });
    if (!Number.isInteger(state.trainingRows) || state.trainingRows < 1)
      details.push({ field: "/trainingRows", reason: "expected a positive integer" });
    if (details.length > 0) throw invalidInput("elastic-net model state is inconsistent", details);
    return new ElasticNet({ ...state });
  }
}
