/**
 * Gaussian-process regression over one input column in O(n) through the kernel's state-space form (see
 * `state-space-model.ts`): the same model, hyperparameters, log marginal likelihood and predictions as the dense
 * `GaussianProcessRegressor` (exact for Matérn, Constant and DotProduct terms; the periodic series is cut at a
 * variance tolerance of 1e-9), for series far longer than an n × n Cholesky allows. The optimiser is the dense
 * path's (bounded L-BFGS from the kernel's θ and seeded restarts); the gradient is a forward difference of the
 * filter's likelihood in θ (line-search trials need the likelihood alone). A fitted model keeps only the filtered state after the last input, so it forecasts at
 * inputs at or after that point and conditions on later observations by filtering on.
 */
import { invalidInput, SlipwayError } from "../../../core/index.js";
import type { Matrix } from "../../linalg/matrix.js";
import type { GaussianProcessOptions } from "../gpr.js";
import { type Kernel, type KernelJSON, kernelFromJSON } from "../kernels/index.js";
import { type OptimizerRun, searchThetaBy } from "../optimize-theta.js";
import { augmentedFilter, BasisCache } from "./augmented-filter.js";
import { type FilteredState, kalmanFilter, propagate } from "./kalman-filter.js";
import { type StateSpaceModel, stateSpaceModel } from "./state-space-model.js";

/**
 * Step in log hyperparameters for the forward-difference gradient: its truncation error h·f''/2 moves the
 * optimum's likelihood by O(h²·n), far below the optimiser's tolerance, at half the passes of a central one.
 */
const GRADIENT_STEP = 1e-6;

/** The dense path's options, with one alpha for every observation (added to the observation variance). */
export interface StateSpaceGaussianProcessOptions extends Omit<GaussianProcessOptions, "alpha"> {
  alpha?: number;
}

/** What a fitted model stores: JSON fields plus the filtered state's typed arrays. */
export interface StateSpaceGaussianProcessState {
  kernel: KernelJSON;
  alpha: number;
  normalizeY: boolean;
  yMean: number;
  yStd: number;
  n: number;
  logMarginalLikelihood: number;
  /** The filtered state after the last training input (on the normalised scale). */
  filtered: FilteredState;
}

/**
 * True when the kernel has a state-space form at its θ and anywhere inside its bounds (the lower bounds give the
 * shortest periodic length scale, which needs the most harmonics).
 */
export function hasStateSpaceForm(kernel: Kernel): boolean {
  if (stateSpaceModel(kernel.toJSON()) === undefined) return false;
  return kernel.theta.length === 0 || stateSpaceModel(kernel.withTheta(kernel.bounds.lower).toJSON()) !== undefined;
}

export class StateSpaceGaussianProcess {
  private state: StateSpaceGaussianProcessState | undefined;
  private fittedKernel: Kernel;
  private runs: OptimizerRun[] = [];

  constructor(private readonly options: StateSpaceGaussianProcessOptions) {
    const optimize = (options.optimize ?? true) && options.kernel.theta.length > 0;
    if (optimize ? !hasStateSpaceForm(options.kernel) : stateSpaceModel(options.kernel.toJSON()) === undefined) {
      throw invalidInput(
        "this kernel has no state-space form: it takes Matérn, ExpSineSquared (length scale ≥ 0.3 within its bounds), Constant, DotProduct and White terms",
        [{ field: "kernel", reason: JSON.stringify(options.kernel.toJSON()) }],
      );
    }
    if ((options.restarts ?? 0) > 0 && options.rng === undefined) {
      throw invalidInput("restarts need a seeded rng", [{ field: "rng", reason: "missing while restarts > 0" }]);
    }
    this.fittedKernel = options.kernel;
  }

  get kernel(): Kernel {
    return this.fittedKernel;
  }

  get optimizerRuns(): readonly OptimizerRun[] {
    return this.runs;
  }

  /** Fits to one input column X (n × 1, any order) and y. */
  fit(X: Matrix, y: Float64Array): this {
    const { x, values } = sortedColumn(X, y);
    const n = x.length;
    const normalizeY = this.options.normalizeY ?? false;
    let yMean = 0;
    let yStd = 1;
    if (normalizeY) {
      for (let i = 0; i < n; i++) yMean += values[i] / n;
      let ss = 0;
      for (let i = 0; i < n; i++) ss += (values[i] - yMean) ** 2;
      yStd = Math.sqrt(ss / n);
      if (yStd < 10 * Number.EPSILON) yStd = 1;
    }
    const yNorm = values.map((v) => (v - yMean) / yStd);
    const alpha = this.options.alpha ?? 1e-10;
    let kernel = this.options.kernel;
    this.runs = [];
    if ((this.options.optimize ?? true) && kernel.theta.length > 0) {
      const basis = new BasisCache(x, yNorm);
      const search = searchThetaBy(
        kernel,
        (k, gradient) => likelihoodWithGradient(k, x, yNorm, alpha, gradient, basis),
        {
          restarts: this.options.restarts ?? 0,
          rng: this.options.rng,
          maxIterations: this.options.maxIterations ?? 200,
          gradientTolerance: this.options.gradientTolerance ?? 1e-5,
          functionTolerance: this.options.functionTolerance ?? 1e7 * Number.EPSILON,
        },
        (k) => stateSpaceLogLikelihood(k, x, yNorm, alpha, undefined, basis),
      );
      kernel = kernel.withTheta(search.theta);
      this.runs = search.runs;
    }
    const model = requireModel(kernel.toJSON());
    const result = augmentedFilter(model, x, yNorm, model.whiteNoise + alpha);
    this.fittedKernel = kernel;
    this.state = {
      kernel: kernel.toJSON(),
      alpha,
      normalizeY,
      yMean,
      yStd,
      n,
      logMarginalLikelihood: result.logLikelihood,
      filtered: { x: result.x, mean: result.mean, cov: result.cov },
    };
    return this;
  }

  /** log p(y | θ) of the last fit's data is not kept (only its filtered end state): this is the fitted value. */
  logMarginalLikelihood(): number {
    return this.requireFitted().logMarginalLikelihood;
  }

  /**
   * Predictive mean and standard deviation of y (White noise included, as the dense path) at inputs at or after
   * the last training input.
   */
  predict(Xs: Matrix): { mean: Float64Array; std: Float64Array } {
    const s = this.requireFitted();
    const model = requireModel(s.kernel);
    if (Xs.cols !== 1) {
      throw invalidInput("the state-space path takes one input column", [{ field: "X", reason: `${Xs.cols} columns` }]);
    }
    const m = Xs.rows;
    const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => Xs.data[a] - Xs.data[b]);
    const xs = Float64Array.from(order, (i) => Xs.data[i]);
    if (m > 0 && !(xs[0] >= s.filtered.x)) {
      throw invalidInput("the state-space path predicts at or after the last training input only", [
        { field: "X", reason: `${xs[0]} is before the last training input ${s.filtered.x}` },
      ]);
    }
    const { mean, variance } = propagate(model, s.filtered, xs);
    const outMean = new Float64Array(m);
    const outStd = new Float64Array(m);
    for (let k = 0; k < m; k++) {
      outMean[order[k]] = s.yStd * mean[k] + s.yMean;
      outStd[order[k]] = s.yStd * Math.sqrt(variance[k] + model.whiteNoise);
    }
    return { mean: outMean, std: outStd };
  }

  /** A copy conditioned on later observations (inputs at or after the last one), with the same hyperparameters. */
  condition(Xnew: Matrix, ynew: Float64Array): StateSpaceGaussianProcess {
    const s = this.requireFitted();
    const { x, values } = sortedColumn(Xnew, ynew);
    if (x.length > 0 && !(x[0] >= s.filtered.x)) {
      throw invalidInput("new observations must come at or after the last training input", [
        { field: "X", reason: `${x[0]} is before ${s.filtered.x}` },
      ]);
    }
    const model = requireModel(s.kernel);
    const yNorm = values.map((v) => (v - s.yMean) / s.yStd);
    const result = kalmanFilter(model, x, yNorm, model.whiteNoise + s.alpha, s.filtered);
    const gp = new StateSpaceGaussianProcess({ ...this.options, kernel: this.fittedKernel });
    gp.state = {
      ...s,
      n: s.n + x.length,
      logMarginalLikelihood: s.logMarginalLikelihood + result.logLikelihood,
      filtered: { x: result.x, mean: result.mean, cov: result.cov },
    };
    return gp;
  }

  toJSON(): StateSpaceGaussianProcessState {
    const s = this.requireFitted();
    return { ...s, filtered: { x: s.filtered.x, mean: s.filtered.mean.slice(), cov: s.filtered.cov.slice() } };
  }

  static fromJSON(state: StateSpaceGaussianProcessState): StateSpaceGaussianProcess {
    const kernel = kernelFromJSON(state.kernel);
    const model = stateSpaceModel(state.kernel);
    if (model === undefined) {
      throw invalidInput("the stored kernel has no state-space form", [{ field: "kernel", reason: "unsupported" }]);
    }
    const d = model.dim;
    if (!Number.isFinite(state.filtered.x)) {
      throw invalidInput("the stored filtered state has no input position", [
        { field: "filtered.x", reason: `got ${state.filtered.x}` },
      ]);
    }
    if (state.filtered.mean.length !== d || state.filtered.cov.length !== d * d) {
      throw invalidInput("the stored filtered state does not match the kernel's state dimension", [
        { field: "filtered", reason: `expected ${d} and ${d * d} values` },
      ]);
    }
    const gp = new StateSpaceGaussianProcess({ kernel, alpha: state.alpha, normalizeY: state.normalizeY });
    gp.state = {
      ...state,
      filtered: { x: state.filtered.x, mean: state.filtered.mean.slice(), cov: state.filtered.cov.slice() },
    };
    return gp;
  }

  private requireFitted(): StateSpaceGaussianProcessState {
    if (this.state === undefined) {
      throw invalidInput("the Gaussian process is not fitted yet", [{ field: "fit", reason: "call fit(X, y) first" }]);
    }
    return this.state;
  }
}

/** The state-space form of a kernel already checked to have one (at fit, or when a stored state is loaded). */
function requireModel(kernel: KernelJSON): StateSpaceModel {
  const model = stateSpaceModel(kernel);
  if (model === undefined) {
    throw new SlipwayError("SLP_INTERNAL", "a checked kernel lost its state-space form", [
      { field: "kernel", reason: JSON.stringify(kernel) },
    ]);
  }
  return model;
}

/**
 * log p(y | θ) by the Kalman filter at ascending x; −∞ where the kernel leaves the state-space form. `harmonics`
 * pins the periodic series' lengths (see `stateSpaceModel`).
 */
export function stateSpaceLogLikelihood(
  kernel: Kernel,
  x: Float64Array,
  y: Float64Array,
  alpha: number,
  harmonics?: readonly number[],
  basis?: BasisCache,
): number {
  const model = stateSpaceModel(kernel.toJSON(), harmonics);
  if (model === undefined) return Number.NEGATIVE_INFINITY;
  return augmentedFilter(model, x, y, model.whiteNoise + alpha, basis).logLikelihood;
}

/** The likelihood and its forward-difference gradient in θ (|θ| + 1 filter passes, one series length). */
function likelihoodWithGradient(
  kernel: Kernel,
  x: Float64Array,
  y: Float64Array,
  alpha: number,
  gradient: Float64Array,
  basis: BasisCache,
): number {
  const model = stateSpaceModel(kernel.toJSON());
  if (model === undefined) return Number.NEGATIVE_INFINITY;
  const value = augmentedFilter(model, x, y, model.whiteNoise + alpha, basis).logLikelihood;
  if (!Number.isFinite(value)) return value;
  const theta = kernel.theta;
  const probe = theta.slice();
  for (let t = 0; t < theta.length; t++) {
    probe[t] = theta[t] + GRADIENT_STEP;
    const up = stateSpaceLogLikelihood(kernel.withTheta(probe), x, y, alpha, model.harmonics, basis);
    probe[t] = theta[t];
    gradient[t] = (up - value) / GRADIENT_STEP;
  }
  return value;
}

function sortedColumn(X: Matrix, y: Float64Array): { x: Float64Array; values: Float64Array } {
  const n = X.rows;
  if (X.cols !== 1) {
    throw invalidInput("the state-space path takes one input column", [{ field: "X", reason: `${X.cols} columns` }]);
  }
  if (n === 0 || y.length !== n) {
    throw invalidInput("X and y must have the same, non-zero number of rows", [
      { field: "y", reason: `X has ${n} rows, y has ${y.length} values` },
    ]);
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(X.data[i]) || !Number.isFinite(y[i])) {
      throw invalidInput("X and y must be finite", [{ field: "y", reason: `row ${i} is not finite` }]);
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => X.data[a] - X.data[b]);
  return { x: Float64Array.from(order, (i) => X.data[i]), values: Float64Array.from(order, (i) => y[i]) };
}
