/**
 * Gaussian-process regression after scikit-learn's `sklearn/gaussian_process/_gpr.py` and Rasmussen & Williams,
 * Gaussian Processes for Machine Learning (GPML), Algorithm 2.1: Cholesky of K + αI (with jitter escalation),
 * log marginal likelihood (eq. 2.30) and its gradient (eq. 5.9), maximised over log hyperparameters by bounded
 * L-BFGS from the kernel's θ plus seeded log-uniform restarts. A fitted regressor predicts means, variances and
 * full covariances (eqs. 2.25–2.26), draws joint sample paths, and conditions on new observations by extending its
 * Cholesky factor.
 */
import { invalidInput } from "../../core/index.js";
import { choleskySolve, choleskyWithJitter, solveLowerMatrix } from "../linalg/cholesky.js";
import { gemm } from "../linalg/gemm.js";
import { addToDiagonal, assertShape, cloneMatrix, type Matrix, mirrorLower, transpose } from "../linalg/matrix.js";
import type { Rng } from "../random.js";
import { conditionState } from "./condition.js";
import { type Kernel, kernelFromJSON } from "./kernels/index.js";
import { logMarginalLikelihoodAt, logMarginalLikelihoodFromFactor } from "./log-marginal-likelihood.js";
import { type OptimizerRun, searchTheta } from "./optimize-theta.js";
import { drawGaussianPaths } from "./sample-paths.js";
import type { GaussianProcessState } from "./state.js";

export type { GaussianProcessState } from "./state.js";

/** scipy.optimize L-BFGS-B defaults, which scikit-learn's `fmin_l_bfgs_b` optimizer runs with. */
const SCIPY_PGTOL = 1e-5;
const SCIPY_FTOL = 1e7 * Number.EPSILON;

export interface GaussianProcessOptions {
  kernel: Kernel;
  /** Added to K's diagonal: a scalar, or one value per training sample (default 1e-10, as scikit-learn). */
  alpha?: number | Float64Array;
  /** Centre and scale y before fitting (population std, as scikit-learn); predictions are mapped back. */
  normalizeY?: boolean;
  /** Extra optimiser starts drawn log-uniformly inside the bounds; needs `rng` (default 0). */
  restarts?: number;
  rng?: Rng;
  /** Maximise the log marginal likelihood over θ (default true); false keeps the kernel as given. */
  optimize?: boolean;
  /** L-BFGS iteration cap per start (default 200). */
  maxIterations?: number;
  /**
   * L-BFGS stops when the largest projected-gradient component is below this (default 1e-5, scipy's `pgtol`, which
   * scikit-learn's default optimizer uses).
   */
  gradientTolerance?: number;
  /**
   * L-BFGS stops when one iteration lowers −log p by less than this, relative to max(|f|, 1) (default
   * 2.220446049250313e-9, scipy's `factr` 1e7 × machine ε, as in scikit-learn).
   */
  functionTolerance?: number;
}

export interface PredictOptions {
  returnStd?: boolean;
  returnCov?: boolean;
}

/** Predictive mean, and on request standard deviations and the full covariance (GPML eqs. 2.25–2.26). */
export interface GaussianProcessPrediction {
  mean: Float64Array;
  std?: Float64Array;
  cov?: Matrix;
}

export class GaussianProcessRegressor {
  private readonly options: GaussianProcessOptions;
  private state: GaussianProcessState | undefined;
  private fittedKernel: Kernel;
  private runs: OptimizerRun[] = [];

  constructor(options: GaussianProcessOptions) {
    const restarts = options.restarts ?? 0;
    if (!Number.isInteger(restarts) || restarts < 0) {
      throw invalidInput("restarts must be a non-negative integer", [{ field: "restarts", reason: `${restarts}` }]);
    }
    if (restarts > 0 && options.rng === undefined) {
      throw invalidInput("restarts need a seeded rng", [{ field: "rng", reason: "missing while restarts > 0" }]);
    }
    this.options = options;
    this.fittedKernel = options.kernel;
  }

  /** The kernel with fitted hyperparameters (the prior kernel before `fit`). */
  get kernel(): Kernel {
    return this.fittedKernel;
  }

  get isFitted(): boolean {
    return this.state !== undefined;
  }

  /** One record per optimiser start of the last `fit` (empty when θ was not optimised). */
  get optimizerRuns(): readonly OptimizerRun[] {
    return this.runs;
  }

  /** Fits to X (n × d) and y (n); optimises θ first unless `optimize` is false. */
  fit(X: Matrix, y: Float64Array): this {
    const n = X.rows;
    if (n === 0 || y.length !== n) {
      throw invalidInput("X and y must have the same, non-zero number of rows", [
        { field: "y", reason: `X has ${n} rows, y has ${y.length} values` },
      ]);
    }
    checkFinite(X.data, "X");
    checkFinite(y, "y");
    const alpha = this.options.alpha ?? 1e-10;
    if (typeof alpha !== "number" && alpha.length !== n) {
      throw invalidInput("alpha must be a scalar or one value per sample", [
        { field: "alpha", reason: `expected ${n} values, got ${alpha.length}` },
      ]);
    }
    const normalizeY = this.options.normalizeY ?? false;
    let yMean = 0;
    let yStd = 1;
    if (normalizeY) {
      for (let i = 0; i < n; i++) yMean += y[i];
      yMean /= n;
      let ss = 0;
      for (let i = 0; i < n; i++) ss += (y[i] - yMean) ** 2;
      yStd = Math.sqrt(ss / n);
      // A constant target would divide by ~0; scikit-learn's _handle_zeros_in_scale uses 1 instead.
      if (yStd < 10 * Number.EPSILON) yStd = 1;
    }
    const yTrain = new Float64Array(n);
    for (let i = 0; i < n; i++) yTrain[i] = (y[i] - yMean) / yStd;
    const xTrain = cloneMatrix(X);

    let kernel = this.options.kernel;
    this.runs = [];
    if ((this.options.optimize ?? true) && kernel.theta.length > 0) {
      const search = searchTheta(kernel, xTrain, yTrain, alpha, {
        restarts: this.options.restarts ?? 0,
        rng: this.options.rng,
        maxIterations: this.options.maxIterations ?? 200,
        gradientTolerance: this.options.gradientTolerance ?? SCIPY_PGTOL,
        functionTolerance: this.options.functionTolerance ?? SCIPY_FTOL,
      });
      kernel = kernel.withTheta(search.theta);
      this.runs = search.runs;
    }
    const K = kernel.k(xTrain);
    addToDiagonal(K, alpha);
    const { L, jitter } = choleskyWithJitter(K);
    const dualCoef = choleskySolve(L, yTrain);
    this.fittedKernel = kernel;
    this.state = {
      kernel: kernel.toJSON(),
      alpha: typeof alpha === "number" ? alpha : alpha.slice(),
      normalizeY,
      xTrain,
      yTrain,
      yMean,
      yStd,
      dualCoef,
      L,
      jitter,
      logMarginalLikelihood: logMarginalLikelihoodFromFactor(L, yTrain, dualCoef),
    };
    return this;
  }

  /** log p(y | X, θ) (GPML eq. 2.30); without θ, the value at the fitted hyperparameters. */
  logMarginalLikelihood(theta?: Float64Array): number {
    const s = this.requireFitted();
    if (theta === undefined) return s.logMarginalLikelihood;
    return logMarginalLikelihoodAt(this.fittedKernel.withTheta(theta), s.xTrain, s.yTrain, s.alpha);
  }

  /** The log marginal likelihood and its gradient with respect to θ (GPML eq. 5.9). */
  logMarginalLikelihoodWithGradient(theta: Float64Array = this.fittedKernel.theta): {
    value: number;
    gradient: Float64Array;
  } {
    const s = this.requireFitted();
    const gradient = new Float64Array(theta.length);
    const value = logMarginalLikelihoodAt(this.fittedKernel.withTheta(theta), s.xTrain, s.yTrain, s.alpha, gradient);
    return { value, gradient };
  }

  /**
   * Predictive distribution at Xs (m × d). Before `fit` this is the prior (zero mean). Variances that round-off
   * makes negative are set to 0, as scikit-learn does.
   */
  predict(Xs: Matrix, options: PredictOptions = {}): GaussianProcessPrediction {
    const m = Xs.rows;
    const kernel = this.fittedKernel;
    const s = this.state;
    if (s === undefined) {
      const prior: GaussianProcessPrediction = { mean: new Float64Array(m) };
      if (options.returnStd) prior.std = kernel.diag(Xs).map(Math.sqrt);
      if (options.returnCov) prior.cov = kernel.k(Xs);
      return prior;
    }
    const n = s.xTrain.rows;
    const Ks = kernel.k(Xs, s.xTrain); // m × n cross-covariance K(X*, X)
    const mean = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      let v = 0;
      for (let i = 0; i < n; i++) v += Ks.data[j * n + i] * s.dualCoef[i];
      mean[j] = s.yStd * v + s.yMean;
    }
    const out: GaussianProcessPrediction = { mean };
    if (!options.returnStd && !options.returnCov) return out;
    // V = L⁻¹ K(X, X*), so the posterior covariance is K(X*, X*) − VᵀV (GPML Algorithm 2.1, lines 5–6).
    const V = solveLowerMatrix(s.L, transpose(Ks));
    const v = V.data;
    const scale = s.yStd * s.yStd;
    if (options.returnCov) {
      // K(X*, X*) − VᵀV as one blocked GEMM on the lower triangle, mirrored so the result is exactly symmetric.
      const C = kernel.k(Xs);
      const c = C.data;
      gemm(true, false, m, m, n, -1, v, 0, m, v, 0, m, c, 0, m, "lower");
      mirrorLower(c, m);
      for (let k = 0; k < c.length; k++) c[k] *= scale;
      out.cov = C;
    }
    if (options.returnStd) {
      const variance = kernel.diag(Xs);
      for (let i = 0; i < n; i++) {
        for (let a = 0; a < m; a++) variance[a] -= v[i * m + a] * v[i * m + a];
      }
      const std = new Float64Array(m);
      for (let a = 0; a < m; a++) std[a] = Math.sqrt(Math.max(variance[a], 0) * scale);
      out.std = std;
    }
    return out;
  }

  /**
   * `count` joint draws of y at Xs from the predictive distribution (the prior before `fit`): mean + L z with
   * L Lᵀ the predictive covariance plus a small jitter and z ~ N(0, I) from `rng`, as scikit-learn's `sample_y`.
   * Like `predict`'s covariance, the draws include a White kernel's noise.
   */
  samplePaths(Xs: Matrix, count: number, rng: Rng): Float64Array[] {
    if (!Number.isInteger(count) || count < 0) {
      throw invalidInput("count must be a non-negative integer", [{ field: "count", reason: `${count}` }]);
    }
    const { mean, cov } = this.predict(Xs, { returnCov: true });
    // returnCov always yields the covariance.
    return drawGaussianPaths(mean, cov!, count, rng);
  }

  /**
   * A new fitted regressor with the same hyperparameters, conditioned on (Xnew, ynew) as well as the training data,
   * without re-optimising: the Cholesky factor gains k rows in O(n²k) instead of being refactored. With normalizeY
   * the original y mean and scale are kept, so the prior is unchanged. A per-sample alpha needs `alpha` for the new
   * points; a scalar one is reused.
   */
  condition(
    Xnew: Matrix,
    ynew: Float64Array,
    options: { alpha?: number | Float64Array } = {},
  ): GaussianProcessRegressor {
    const s = this.requireFitted();
    if (typeof s.alpha !== "number" && options.alpha === undefined) {
      throw invalidInput("alpha is per sample: pass alpha for the new points", [
        { field: "alpha", reason: "missing for the new points" },
      ]);
    }
    const state = conditionState(s, this.fittedKernel, Xnew, ynew, options.alpha);
    const gp = new GaussianProcessRegressor({ ...this.options, kernel: this.fittedKernel, alpha: state.alpha });
    gp.state = state;
    return gp;
  }

  /** The fitted state (copies), for storing in a model bundle. */
  toJSON(): GaussianProcessState {
    const s = this.requireFitted();
    return {
      ...s,
      kernel: this.fittedKernel.toJSON(),
      alpha: typeof s.alpha === "number" ? s.alpha : s.alpha.slice(),
      xTrain: cloneMatrix(s.xTrain),
      yTrain: s.yTrain.slice(),
      dualCoef: s.dualCoef.slice(),
      L: cloneMatrix(s.L),
    };
  }

  /** Rebuilds a fitted regressor from `toJSON()` output; its predictions are bit-identical to the original's. */
  static fromJSON(state: GaussianProcessState): GaussianProcessRegressor {
    const kernel = kernelFromJSON(state.kernel);
    const n = state.xTrain.rows;
    assertShape(state.xTrain, n, state.xTrain.cols, "xTrain");
    assertShape(state.L, n, n, "L");
    checkLength(state.yTrain, n, "yTrain");
    checkLength(state.dualCoef, n, "dualCoef");
    if (typeof state.alpha !== "number") checkLength(state.alpha, n, "alpha");
    if (!(Number.isFinite(state.yMean) && Number.isFinite(state.yStd) && state.yStd > 0)) {
      throw invalidInput("y normalisation must be finite with a positive scale", [
        { field: "yStd", reason: `mean ${state.yMean}, std ${state.yStd}` },
      ]);
    }
    const alpha = typeof state.alpha === "number" ? state.alpha : state.alpha.slice();
    const gp = new GaussianProcessRegressor({ kernel, alpha, normalizeY: state.normalizeY });
    gp.state = {
      ...state,
      kernel: kernel.toJSON(),
      alpha,
      xTrain: cloneMatrix(state.xTrain),
      yTrain: state.yTrain.slice(),
      dualCoef: state.dualCoef.slice(),
      L: cloneMatrix(state.L),
    };
    return gp;
  }

  private requireFitted(): GaussianProcessState {
    if (this.state === undefined) {
      throw invalidInput("the Gaussian process is not fitted yet", [{ field: "fit", reason: "call fit(X, y) first" }]);
    }
    return this.state;
  }
}

function checkFinite(values: Float64Array, field: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw invalidInput(`${field} contains a non-finite value`, [{ field, reason: `index ${i} is ${values[i]}` }]);
    }
  }
}

function checkLength(values: Float64Array, n: number, field: string): void {
  if (values.length !== n) {
    throw invalidInput(`${field} length does not match xTrain`, [
      { field, reason: `${values.length} values, expected ${n}` },
    ]);
  }
}
