import { invalidInput, SlipwayError } from "../../core/errors.js";
import { minimize, type Objective } from "../optim/lbfgs.js";
import { checkDesign, type FeatureMatrix } from "./normal-equations.js";
import { fitFeatureScaling, scaleFeatures } from "./standardise.js";

/** Fitting options for {@link LogisticRegression.fit}. */
export interface LogisticOptions {
  /** Inverse L2 strength, as scikit-learn's `C` (default 1.0); the intercepts are not penalised. */
  C?: number;
  /** Number of classes K; labels must lie in [0, K). Default: the largest label + 1. */
  classCount?: number;
  maxIterations?: number;
  /**
   * L-BFGS stops when the largest gradient component of the averaged objective, in standardised coordinates, is
   * below this.
   */
  gradientTolerance?: number;
  /**
   * Fit on standardised columns (x − mean)/sd, so the penalty ‖v‖²/2 acts on coefficients per standard deviation
   * (as scikit-learn's `LogisticRegression` after `StandardScaler`); the stored parameters are converted back to
   * the original scale, so prediction is unchanged. Default false (the raw-scale penalty).
   */
  standardise?: boolean;
}

/** The JSON form of a fitted model. `parameters` holds one block [w (p), b] per class, or a single block if K = 2. */
export interface LogisticState {
  family: "logistic";
  version: 1;
  classCount: number;
  featureCount: number;
  C: number;
  parameters: number[];
  converged: boolean;
  iterations: number;
  /** Whether the penalty applied to standardised coefficients; absent in states written before the option. */
  standardise?: boolean;
  /** Population standard deviations of the training columns (1 for a constant column); absent in older states. */
  featureScales?: number[];
}

/** Blocks of [w, b] in θ: one (sigmoid) for two classes, K (softmax) otherwise. */
function blockCount(classCount: number): number {
  return classCount === 2 ? 1 : classCount;
}

/**
 * The averaged penalised negative log-likelihood f(θ) = (1/n)Σᵢ ℓᵢ + ‖W‖²/(2Cn) and its gradient. This is
 * scikit-learn's C·Σℓᵢ + ½‖W‖² divided by Cn, so it has the same minimiser but gradients of order one.
 * Binary: ℓ = softplus(z) − yz with z = wᵀx + b, ∂ℓ/∂z = σ(z) − y. Multinomial: ℓ = logΣₖexp(zₖ) − z_y,
 * ∂ℓ/∂zₖ = pₖ − [k = y] (Bishop, PRML, eqs. 4.91 and 4.109). With `penaltyWeights` the penalty is
 * Σⱼ ωⱼ w_kj² / (2Cn) instead, which is how a raw-scale penalty is expressed in standardised coordinates.
 */
export function logisticObjective(
  X: FeatureMatrix,
  y: Int32Array,
  classCount: number,
  C: number,
  penaltyWeights?: Float64Array,
): Objective {
  checkDesign(X, y.length);
  const { rows: n, cols: p, data } = X;
  const blocks = blockCount(classCount);
  const stride = p + 1;
  const z = new Float64Array(blocks);
  const scale = 1 / Math.max(n, 1);
  const penalty = scale / C;
  return (theta, grad) => {
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const base = i * p;
      for (let k = 0; k < blocks; k++) {
        const off = k * stride;
        let s = theta[off + p];
        for (let j = 0; j < p; j++) s += theta[off + j] * data[base + j];
        z[k] = s;
      }
      const label = y[i];
      if (blocks === 1) {
        const zi = z[0];
        // softplus(z) = max(z, 0) + log1p(e^{−|z|}) never overflows.
        loss += Math.max(zi, 0) + Math.log1p(Math.exp(-Math.abs(zi))) - label * zi;
        z[0] = sigmoid(zi) - label;
      } else {
        let max = z[0];
        for (let k = 1; k < blocks; k++) if (z[k] > max) max = z[k];
        // ℓ = log Σ e^{z−max} − (z_y − max): shifting by the max keeps every exponent ≤ 0.
        loss -= z[label] - max;
        let sum = 0;
        for (let k = 0; k < blocks; k++) {
          z[k] = Math.exp(z[k] - max);
          sum += z[k];
        }
        loss += Math.log(sum);
        for (let k = 0; k < blocks; k++) z[k] = z[k] / sum - (k === label ? 1 : 0);
      }
      for (let k = 0; k < blocks; k++) {
        const off = k * stride;
        const dz = z[k];
        for (let j = 0; j < p; j++) grad[off + j] += dz * data[base + j];
        grad[off + p] += dz;
      }
    }
    let squaredNorm = 0;
    for (let k = 0; k < blocks; k++) {
      const off = k * stride;
      for (let j = 0; j < p; j++) {
        const w = theta[off + j];
        const weighted = penaltyWeights ? penaltyWeights[j] * w : w;
        squaredNorm += weighted * w;
        grad[off + j] = grad[off + j] * scale + penalty * weighted;
      }
      grad[off + p] *= scale;
    }
    return loss * scale + 0.5 * penalty * squaredNorm;
  };
}

/**
 * L2-penalised logistic regression, binary (sigmoid) or multinomial (softmax), fitted by L-BFGS from θ = 0 as
 * scikit-learn's `LogisticRegression(solver="lbfgs")`.
 */
export class LogisticRegression {
  readonly classCount: number;
  readonly featureCount: number;
  readonly C: number;
  /** θ as described on {@link LogisticState}. */
  readonly parameters: Float64Array;
  readonly converged: boolean;
  readonly iterations: number;
  readonly isStandardised: boolean;
  /**
   * Weights on the original feature scale, one row of p per block (row-major blocks × p): a single row, the log-odds
   * of class 1, for two classes (scikit-learn's `coef_` shape); one row per class otherwise.
   */
  readonly coefficients: Float64Array;
  /** One intercept per block (multinomial intercepts are centred to sum to 0). */
  readonly intercepts: Float64Array;
  /** Population standard deviations of the training columns; null for a model restored from an older state. */
  readonly featureScales: Float64Array | null;
  /** {@link coefficients} per training standard deviation (w_kj · sd_j); null when the scales are unknown. */
  readonly standardisedCoefficients: Float64Array | null;
  private readonly z: Float64Array;

  private constructor(
    state: Omit<LogisticState, "family" | "version" | "parameters" | "featureScales"> & {
      parameters: Float64Array;
      featureScales: Float64Array | null;
    },
  ) {
    this.classCount = state.classCount;
    this.featureCount = state.featureCount;
    this.C = state.C;
    this.parameters = state.parameters;
    this.converged = state.converged;
    this.iterations = state.iterations;
    this.isStandardised = state.standardise ?? false;
    this.featureScales = state.featureScales;
    this.z = new Float64Array(blockCount(state.classCount));
    const p = state.featureCount;
    const blocks = blockCount(state.classCount);
    this.coefficients = new Float64Array(blocks * p);
    this.intercepts = new Float64Array(blocks);
    for (let k = 0; k < blocks; k++) {
      const off = k * (p + 1);
      this.coefficients.set(state.parameters.subarray(off, off + p), k * p);
      this.intercepts[k] = state.parameters[off + p];
    }
    const scales = state.featureScales;
    this.standardisedCoefficients = scales ? this.coefficients.map((w, i) => w * scales[i % p]) : null;
  }

  /** Fits on `X` (n × p, finite) and integer labels `y` in [0, K). At least two classes must occur. */
  static fit(X: FeatureMatrix, y: Int32Array, options: LogisticOptions = {}): LogisticRegression {
    checkDesign(X, y.length);
    const C = options.C ?? 1;
    if (!(C > 0)) throw new RangeError(`C must be positive, got ${C}`);
    let maxLabel = -1;
    for (let i = 0; i < y.length; i++) {
      if (y[i] < 0) throw new RangeError(`label ${y[i]} at row ${i} is negative`);
      if (y[i] > maxLabel) maxLabel = y[i];
    }
    const classCount = options.classCount ?? Math.max(2, maxLabel + 1);
    if (maxLabel >= classCount) throw new RangeError(`label ${maxLabel} is not below classCount ${classCount}`);
    const seen = new Uint8Array(classCount);
    let distinct = 0;
    for (let i = 0; i < y.length; i++) {
      if (seen[y[i]] === 0) distinct++;
      seen[y[i]] = 1;
    }
    if (distinct < 2) throw new SlipwayError("SLP_TRAIN_FAILED", "logistic regression needs at least two classes");
    for (let i = 0; i < X.data.length; i++)
      if (!Number.isFinite(X.data[i]))
        throw new SlipwayError("SLP_TRAIN_FAILED", "logistic regression needs finite features");

    const p = X.cols;
    const standardise = options.standardise ?? false;
    // L-BFGS always runs on standardised columns, where the loss is well conditioned whatever the units. The raw
    // penalty Σw_j² is Σ(v_j/s_j)² in those coordinates (v_j = s_j·w_j), hence the weights 1/s_j².
    const scaling = fitFeatureScaling(X);
    const design = scaleFeatures(X, scaling);
    const weights = standardise ? undefined : scaling.scales.map((s) => 1 / (s * s));
    const theta0 = new Float64Array(blockCount(classCount) * (p + 1));
    const result = minimize(logisticObjective(design, y, classCount, C, weights), theta0, {
      maxIterations: options.maxIterations ?? 500,
      gradientTolerance: options.gradientTolerance ?? 1e-8,
      functionTolerance: 1e-14,
    });
    // z = (x − m)/s, so vᵀz + c = (v/s)ᵀx + (c − Σ m_j v_j/s_j) on the original scale.
    for (let k = 0; k < blockCount(classCount); k++) {
      const off = k * (p + 1);
      for (let j = 0; j < p; j++) {
        const w = result.x[off + j] / scaling.scales[j];
        result.x[off + j] = w;
        result.x[off + p] -= scaling.means[j] * w;
      }
    }
    if (classCount > 2) {
      // Softmax is unchanged by a shift common to all intercepts (they are unpenalised, so only their differences
      // are identified); centre them, as scikit-learn does, so the stored state is canonical.
      let mean = 0;
      for (let k = 0; k < classCount; k++) mean += result.x[k * (p + 1) + p];
      mean /= classCount;
      for (let k = 0; k < classCount; k++) result.x[k * (p + 1) + p] -= mean;
    }
    return new LogisticRegression({
      classCount,
      featureCount: p,
      C,
      parameters: result.x,
      converged: result.converged,
      iterations: result.iterations,
      standardise,
      featureScales: scaling.scales,
    });
  }

  /** Class probabilities, row-major n × K (each row sums to 1), written into `out` when given. */
  predictProba(X: FeatureMatrix, out: Float64Array = new Float64Array(X.rows * this.classCount)): Float64Array {
    checkDesign(X);
    const p = this.featureCount;
    const K = this.classCount;
    if (X.cols !== p) throw new RangeError(`model has ${p} features, matrix has ${X.cols} columns`);
    if (out.length !== X.rows * K) throw new RangeError(`output needs ${X.rows * K} entries, has ${out.length}`);
    const theta = this.parameters;
    const z = this.z;
    const blocks = z.length;
    for (let i = 0; i < X.rows; i++) {
      const base = i * p;
      for (let k = 0; k < blocks; k++) {
        const off = k * (p + 1);
        let s = theta[off + p];
        for (let j = 0; j < p; j++) s += theta[off + j] * X.data[base + j];
        z[k] = s;
      }
      if (blocks === 1) {
        const p1 = sigmoid(z[0]);
        out[i * 2] = 1 - p1;
        out[i * 2 + 1] = p1;
        continue;
      }
      let max = z[0];
      for (let k = 1; k < K; k++) if (z[k] > max) max = z[k];
      let sum = 0;
      for (let k = 0; k < K; k++) {
        z[k] = Math.exp(z[k] - max);
        sum += z[k];
      }
      for (let k = 0; k < K; k++) out[i * K + k] = z[k] / sum;
    }
    return out;
  }

  /** The most probable class of each row (ties go to the lower label). */
  predict(X: FeatureMatrix): Int32Array {
    const K = this.classCount;
    const proba = this.predictProba(X);
    const labels = new Int32Array(X.rows);
    for (let i = 0; i < X.rows; i++) {
      let best = 0;
      for (let k = 1; k < K; k++) if (proba[i * K + k] > proba[i * K + best]) best = k;
      labels[i] = best;
    }
    return labels;
  }

  /** Plain-JSON state; `fromJSON` restores a model that predicts identically. */
  toJSON(): LogisticState {
    return {
      family: "logistic",
      version: 1,
      classCount: this.classCount,
      featureCount: this.featureCount,
      C: this.C,
      parameters: Array.from(this.parameters),
      converged: this.converged,
      iterations: this.iterations,
      standardise: this.isStandardised,
      ...(this.featureScales ? { featureScales: Array.from(this.featureScales) } : {}),
    };
  }

  /** Rebuilds a model from {@link toJSON}'s output; throws `SLP_INPUT_INVALID` when the sizes disagree. */
  static fromJSON(state: LogisticState): LogisticRegression {
    const details = [];
    if (state.family !== "logistic" || state.version !== 1)
      details.push({ field: "/family", reason: "expected logistic version 1" });
    if (!Number.isInteger(state.classCount) || state.classCount < 2)
      details.push({ field: "/classCount", reason: "expected an integer ≥ 2" });
    if (!Number.isInteger(state.featureCount) || state.featureCount < 0)
      details.push({ field: "/featureCount", reason: "expected a non-negative integer" });
    const expected = blockCount(state.classCount) * (state.featureCount + 1);
    if (state.parameters.length !== expected)
      details.push({ field: "/parameters", reason: `expected ${expected} entries` });
    if (state.featureScales !== undefined && state.featureScales.length !== state.featureCount)
      details.push({ field: "/featureScales", reason: `expected ${state.featureCount} entries` });
    if (details.length > 0) throw invalidInput("logistic model state is inconsistent", details);
    return new LogisticRegression({
      ...state,
      parameters: Float64Array.from(state.parameters),
      featureScales: state.featureScales ? Float64Array.from(state.featureScales) : null,
    });
  }
}

function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}
