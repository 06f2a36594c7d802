import { invalidInput, SlipwayError } from "../../core/errors.js";
import { choleskyInPlace, solveLower, solveLowerTranspose } from "../linalg/cholesky.js";
import { type Matrix, matrixFrom } from "../linalg/matrix.js";
import { studentTQuantile } from "../stats/student-t.js";
import { centredCrossProducts, checkDesign, type FeatureMatrix } from "./normal-equations.js";
import { fitFeatureScaling } from "./standardise.js";

/** Fitting options for {@link RidgeRegression.fit}. */
export interface RidgeOptions {
  /** Absolute L2 penalty α on the coefficients (not the intercept), as scikit-learn's `Ridge(alpha)`. Default 0. */
  alpha?: number;
  /**
   * A further penalty of `relativeJitter × (XcᵀXc)_jj` on coefficient j: scale-free, and tiny enough (default
   * 1e-8) to leave well-posed fits unchanged while keeping collinear designs solvable.
   */
  relativeJitter?: number;
  /**
   * Penalise the coefficients of the standardised columns (x − mean)/sd instead of the raw ones, as scikit-learn's
   * `Ridge` after `StandardScaler`: α‖v‖² with v_j = sd_j·w_j, i.e. Λ_jj = α·sd_j² on the original scale.
   * Default false (the raw-scale penalty). Coefficients are reported on both scales either way.
   */
  standardise?: boolean;
}

/** The JSON form of a fitted model (plain numbers; `residualVariance` is null when n ≤ p + 1). */
export interface RidgeState {
  family: "ridge";
  version: 1;
  alpha: number;
  intercept: number;
  coefficients: number[];
  featureMeans: number[];
  /** Lower Cholesky factor L of XcᵀXc + Λ, row-major p × p. */
  factor: number[];
  trainingRows: number;
  residualVariance: number | null;
  /** Whether α applied to standardised coefficients; absent in states written before the option existed. */
  standardise?: boolean;
  /** Population standard deviations of the training columns (1 for a constant column); absent in older states. */
  featureScales?: number[];
}

/** Point predictions with a symmetric prediction interval. */
export interface PredictionInterval {
  mean: Float64Array;
  lower: Float64Array;
  upper: Float64Array;
}

/**
 * Linear regression with an intercept and an L2 penalty, solved through the centred normal equations
 * (XcᵀXc + Λ) w = Xcᵀ(y − ȳ), b = ȳ − x̄ᵀw. Centring is the block elimination of the intercept column, so the
 * intercept is never penalised and the system stays well scaled.
 */
export class RidgeRegression {
  readonly coefficients: Float64Array;
  readonly intercept: number;
  /** σ̂² = RSS / (n − p − 1); NaN when there are no residual degrees of freedom. */
  readonly residualVariance: number;
  /** n − p − 1, the degrees of freedom of σ̂² and of the t quantile in {@link predictInterval}. */
  readonly degreesOfFreedom: number;
  readonly trainingRows: number;
  readonly alpha: number;
  /** Whether α penalised the standardised coefficients ({@link RidgeOptions.standardise}). */
  readonly isStandardised: boolean;
  /** Population standard deviations of the training columns; null for a model restored from an older state. */
  readonly featureScales: Float64Array | null;
  /**
   * Coefficients per training standard deviation of each feature (coefficients_j · featureScales_j), comparable
   * across features whatever their units; null when the scales are unknown.
   */
  readonly standardisedCoefficients: Float64Array | null;
  private readonly featureMeans: Float64Array;
  private readonly factor: Float64Array;
  /** The same factor as a p × p matrix view, for the triangular solves. */
  private readonly factorMatrix: Matrix;
  private readonly scratch: Float64Array;

  private constructor(parts: {
    coefficients: Float64Array;
    intercept: number;
    featureMeans: Float64Array;
    factor: Float64Array;
    trainingRows: number;
    residualVariance: number;
    alpha: number;
    isStandardised: boolean;
    featureScales: Float64Array | null;
  }) {
    this.coefficients = parts.coefficients;
    this.intercept = parts.intercept;
    this.featureMeans = parts.featureMeans;
    this.factor = parts.factor;
    this.factorMatrix = matrixFrom(this.coefficients.length, this.coefficients.length, parts.factor);
    this.trainingRows = parts.trainingRows;
    this.residualVariance = parts.residualVariance;
    this.alpha = parts.alpha;
    this.isStandardised = parts.isStandardised;
    this.featureScales = parts.featureScales;
    const scales = parts.featureScales;
    this.standardisedCoefficients = scales ? this.coefficients.map((c, j) => c * scales[j]) : null;
    this.degreesOfFreedom = parts.trainingRows - parts.coefficients.length - 1;
    this.scratch = new Float64Array(parts.coefficients.length);
  }

  /** Fits on the rows of `X` (n × p, finite) against `y` (length n, finite). */
  static fit(X: FeatureMatrix, y: Float64Array, options: RidgeOptions = {}): RidgeRegression {
    checkDesign(X, y.length);
    const alpha = options.alpha ?? 0;
    const relativeJitter = options.relativeJitter ?? 1e-8;
    if (!(alpha >= 0) || !(relativeJitter >= 0)) throw new RangeError("alpha and relativeJitter must be ≥ 0");
    const n = X.rows;
    const p = X.cols;
    if (n === 0) throw new SlipwayError("SLP_TRAIN_FAILED", "ridge regression needs at least one training row");
    if (!allFinite(X.data) || !allFinite(y))
      throw new SlipwayError("SLP_TRAIN_FAILED", "ridge regression needs finite features and targets");

    const standardise = options.standardise ?? false;
    const { means, scales } = fitFeatureScaling(X);
    let yMean = 0;
    for (let i = 0; i < n; i++) yMean += y[i];
    yMean /= n;
    const { gram, xty } = centredCrossProducts(X, y, means, yMean);
    const factor = factorPenalised(gram, p, alpha, relativeJitter, standardise ? scales : null);

    const w = Float64Array.from(xty);
    const L = matrixFrom(p, p, factor);
    solveLower(L, w, w);
    solveLowerTranspose(L, w, w);
    let intercept = yMean;
    for (let j = 0; j < p; j++) intercept -= means[j] * w[j];

    let rss = 0;
    for (let i = 0; i < n; i++) {
      let fitted = intercept;
      const base = i * p;
      for (let j = 0; j < p; j++) fitted += X.data[base + j] * w[j];
      const r = y[i] - fitted;
      rss += r * r;
    }
    const dof = n - p - 1;
    return new RidgeRegression({
      coefficients: w,
      intercept,
      featureMeans: means,
      factor,
      trainingRows: n,
      residualVariance: dof > 0 ? rss / dof : Number.NaN,
      alpha,
      isStandardised: standardise,
      featureScales: scales,
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

  /**
   * The OLS prediction interval ŷ ± t_{(1+level)/2, n−p−1} · σ̂ · √(1 + x₀ᵀ(ZᵀZ)⁻¹x₀), Z = [1 X] the design with
   * its intercept column. By block inversion x₀ᵀ(ZᵀZ)⁻¹x₀ = 1/n + (x₀ − x̄)ᵀ(XcᵀXc)⁻¹(x₀ − x̄), computed as
   * 1/n + ‖L⁻¹(x₀ − x̄)‖²; with a penalty, XcᵀXc + Λ stands in for XcᵀXc.
   */
  predictInterval(X: FeatureMatrix, level = 0.95): PredictionInterval {
    if (!(level > 0 && level < 1)) throw new RangeError(`interval level ${level} is not in (0, 1)`);
    if (!(this.degreesOfFreedom > 0) || !Number.isFinite(this.residualVariance))
      throw new SlipwayError(
        "SLP_TRAIN_FAILED",
        `prediction intervals need more training rows than features + 1 (n = ${this.trainingRows}, p = ${this.coefficients.length})`,
      );
    const mean = this.predict(X);
    const lower = new Float64Array(X.rows);
    const upper = new Float64Array(X.rows);
    const p = this.coefficients.length;
    const tq = studentTQuantile((1 + level) / 2, this.degreesOfFreedom);
    const sigma = Math.sqrt(this.residualVariance);
    const v = this.scratch;
    const invN = 1 / this.trainingRows;
    for (let i = 0; i < X.rows; i++) {
      const base = i * p;
      for (let j = 0; j < p; j++) v[j] = X.data[base + j] - this.featureMeans[j];
      solveLower(this.factorMatrix, v, v);
      let leverage = invN;
      for (let j = 0; j < p; j++) leverage += v[j] * v[j];
      const half = tq * sigma * Math.sqrt(1 + leverage);
      lower[i] = mean[i] - half;
      upper[i] = mean[i] + half;
    }
    return { mean, lower, upper };
  }

  /**
   * The leverage h = 1/n + (x − x̄)ᵀ(XcᵀXc + Λ)⁻¹(x − x̄) of each row of `X`: for a training row, the diagonal
   * entry of the hat matrix of this fit with its unpenalised intercept (block inversion of [1 X]ᵀ[1 X] + diag(0, Λ)),
   * computed as 1/n + ‖L⁻¹(x − x̄)‖².
   */
  leverage(X: FeatureMatrix, out: Float64Array = new Float64Array(X.rows)): Float64Array {
    checkDesign(X, out.length);
    const p = this.coefficients.length;
    if (X.cols !== p) throw new RangeError(`model has ${p} features, matrix has ${X.cols} columns`);
    const v = this.scratch;
    const invN = 1 / this.trainingRows;
    for (let i = 0; i < X.rows; i++) {
      const base = i * p;
      for (let j = 0; j < p; j++) v[j] = X.data[base + j] - this.featureMeans[j];
      solveLower(this.factorMatrix, v, v);
      let h = invN;
      for (let j = 0; j < p; j++) h += v[j] * v[j];
      out[i] = h;
    }
    return out;
  }

  /**
   * The leave-one-out residuals y_i − ŷ₍₋ᵢ₎(x_i) = e_i / (1 − h_ii) of the training rows `X`, `y` (the rows this
   * model was fitted on), without n refits. Exact for a fixed penalty Λ: removing row i is a rank-one downdate of
   * the normal equations, and Sherman–Morrison gives the refit's prediction at x_i in closed form (Hastie,
   * Tibshirani & Friedman, The Elements of Statistical Learning, 2nd ed., eq. 7.52 and §7.10.1). A row that alone
   * determines a coefficient has h_ii → 1; its denominator is floored at 1e-12 so its residual stays finite (and
   * large, which is what it is).
   */
  leaveOneOutResiduals(X: FeatureMatrix, y: Float64Array): Float64Array {
    checkDesign(X, y.length);
    if (X.rows !== this.trainingRows)
      throw new RangeError(`model was fitted on ${this.trainingRows} rows, got ${X.rows}`);
    const fitted = this.predict(X);
    const h = this.leverage(X);
    const out = new Float64Array(X.rows);
    for (let i = 0; i < X.rows; i++) out[i] = (y[i] - fitted[i]) / Math.max(1 - h[i], 1e-12);
    return out;
  }

  /** Plain-JSON state; `fromJSON` restores a model that predicts identically. */
  toJSON(): RidgeState {
    return {
      family: "ridge",
      version: 1,
      alpha: this.alpha,
      intercept: this.intercept,
      coefficients: Array.from(this.coefficients),
      featureMeans: Array.from(this.featureMeans),
      factor: Array.from(this.factor),
      trainingRows: this.trainingRows,
      residualVariance: Number.isFinite(this.residualVariance) ? this.residualVariance : null,
      standardise: this.isStandardised,
      ...(this.featureScales ? { featureScales: Array.from(this.featureScales) } : {}),
    };
  }

  /** Rebuilds a model from {@link toJSON}'s output; throws `SLP_INPUT_INVALID` when the arrays disagree in size. */
  static fromJSON(state: RidgeState): RidgeRegression {
    const p = state.coefficients.length;
    const details = [];
    if (state.family !== "ridge" || state.version !== 1)
      details.push({ field: "/family", reason: `expected ridge version 1` });
    if (state.featureMeans.length !== p) details.push({ field: "/featureMeans", reason: `expected ${p} entries` });
    if (state.factor.length !== p * p) details.push({ field: "/factor", reason: `expected ${p * p} entries` });
    if (!Number.isInteger(state.trainingRows) || state.trainingRows < 1)
      details.push({ field: "/trainingRows", reason: "expected a positive integer" });
    if (state.featureScales !== undefined && state.featureScales.length !== p)
      details.push({ field: "/featureScales", reason: `expected ${p} entries` });
    if (details.length > 0) throw invalidInput("ridge model state is inconsistent", details);
    return new RidgeRegression({
      coefficients: Float64Array.from(state.coefficients),
      intercept: state.intercept,
      featureMeans: Float64Array.from(state.featureMeans),
      factor: Float64Array.from(state.factor),
      trainingRows: state.trainingRows,
      residualVariance: state.residualVariance ?? Number.NaN,
      alpha: state.alpha,
      isStandardised: state.standardise ?? false,
      featureScales: state.featureScales ? Float64Array.from(state.featureScales) : null,
    });
  }
}

/**
 * Cholesky of G + Λ, Λ_jj = α·s_j² + jitter·G_jj (s_j = 1 unless standardising, when s_j is the column's standard
 * deviation). A constant column (G_jj = 0) gets Λ_jj = 1 when unpenalised, which
 * pins its coefficient to 0 (its right-hand side is 0). If rounding still leaves the matrix indefinite, the
 * jitter grows a hundredfold at a time before giving up.
 */
function factorPenalised(
  gram: Float64Array,
  p: number,
  alpha: number,
  relativeJitter: number,
  scales: Float64Array | null,
): Float64Array {
  const a = new Float64Array(p * p);
  let jitter = relativeJitter;
  for (let attempt = 0; attempt < 6; attempt++) {
    a.set(gram);
    for (let j = 0; j < p; j++) {
      const gjj = gram[j * p + j];
      const s = scales ? scales[j] : 1;
      const penalty = alpha * s * s + jitter * gjj;
      a[j * p + j] = gjj + (gjj === 0 && penalty === 0 ? 1 : penalty);
    }
    if (choleskyInPlace(matrixFrom(p, p, a))) return a;
    jitter = Math.max(jitter * 100, 1e-12);
  }
  throw new SlipwayError("SLP_TRAIN_FAILED", "the ridge normal equations are not positive definite");
}

function allFinite(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}
