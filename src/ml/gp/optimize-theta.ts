/**
 * Type-II maximum likelihood for GP hyperparameters (Rasmussen & Williams, GPML, §5.4.1): maximise the log marginal
 * likelihood over θ = log hyperparameters inside the kernel's bounds with bounded L-BFGS, from the kernel's own θ
 * and then from `restarts` points drawn log-uniformly in the bounds, keeping the best — scikit-learn's
 * `GaussianProcessRegressor._constrained_optimization` with `n_restarts_optimizer`.
 */
import type { Matrix } from "../linalg/matrix.js";
import { minimize } from "../optim/lbfgs.js";
import type { Rng } from "../random.js";
import type { Kernel } from "./kernels/index.js";
import { LogMarginalLikelihoodWorkspace, logMarginalLikelihoodAt } from "./log-marginal-likelihood.js";

export interface ThetaSearchOptions {
  /** Extra starts drawn uniformly in log-space bounds; needs `rng`. */
  restarts: number;
  rng: Rng | undefined;
  /** L-BFGS iteration cap per start. */
  maxIterations: number;
  /** Stop when the largest projected-gradient component is below this (scipy's `pgtol`). */
  gradientTolerance: number;
  /** Stop when the relative decrease of −log p over one iteration is below this (scipy's `factr · ε`). */
  functionTolerance: number;
}

/** One optimiser start: where it began, where it stopped and what it cost. */
export interface OptimizerRun {
  start: Float64Array;
  theta: Float64Array;
  logMarginalLikelihood: number;
  iterations: number;
  /** Objective evaluations: the likelihood with its gradient, or alone in line-search trials where cheaper. */
  evaluations: number;
  converged: boolean;
}

/** log p(y | θ) of a kernel, writing d log p / dθ into `gradient` (same length as the kernel's θ). */
export type LogLikelihoodObjective = (kernel: Kernel, gradient: Float64Array) => number;

/** The best θ over all starts (the kernel's θ when every start fails) and the record of each start. */
export function searchTheta(
  kernel: Kernel,
  X: Matrix,
  y: Float64Array,
  alpha: number | Float64Array,
  options: ThetaSearchOptions,
): { theta: Float64Array; runs: OptimizerRun[] } {
  const workspace = new LogMarginalLikelihoodWorkspace(X.rows);
  return searchThetaBy(kernel, (k, gradient) => logMarginalLikelihoodAt(k, X, y, alpha, gradient, workspace), options);
}

/**
 * `searchTheta` for any log marginal likelihood (the dense path's, or a state-space filter's). `valueOnly`, when
 * given, is used for line-search trials where the gradient costs many likelihood evaluations.
 */
export function searchThetaBy(
  kernel: Kernel,
  logLikelihood: LogLikelihoodObjective,
  options: ThetaSearchOptions,
  valueOnly?: (kernel: Kernel) => number,
): { theta: Float64Array; runs: OptimizerRun[] } {
  const { lower, upper } = kernel.bounds;
  let evaluations = 0;
  const objective = (theta: Float64Array, grad: Float64Array): number => {
    evaluations++;
    const value = logLikelihood(kernel.withTheta(theta), grad);
    if (!Number.isFinite(value)) {
      grad.fill(0);
      return Number.POSITIVE_INFINITY;
    }
    for (let i = 0; i < grad.length; i++) grad[i] = -grad[i];
    return -value;
  };
  const value = valueOnly
    ? (theta: Float64Array): number => {
        evaluations++;
        const v = valueOnly(kernel.withTheta(theta));
        return Number.isFinite(v) ? -v : Number.POSITIVE_INFINITY;
      }
    : undefined;
  const runs: OptimizerRun[] = [];
  let best = kernel.theta;
  let bestF = Number.POSITIVE_INFINITY;
  const rng = options.rng;
  const starts = 1 + (rng === undefined ? 0 : options.restarts);
  for (let s = 0; s < starts; s++) {
    let start = kernel.theta;
    if (s > 0 && rng !== undefined) {
      // Uniform in log space = log-uniform in the hyperparameters, as scikit-learn's restarts.
      start = new Float64Array(lower.length);
      for (let i = 0; i < start.length; i++) start[i] = rng.uniform(lower[i], upper[i]);
    }
    evaluations = 0;
    const result = minimize(objective, start, {
      lower,
      upper,
      maxIterations: options.maxIterations,
      gradientTolerance: options.gradientTolerance,
      functionTolerance: options.functionTolerance,
      value,
    });
    runs.push({
      start,
      theta: result.x,
      logMarginalLikelihood: -result.f,
      iterations: result.iterations,
      evaluations,
      converged: result.converged,
    });
    if (result.f < bestF) {
      bestF = result.f;
      best = result.x;
    }
  }
  return { theta: best, runs };
}
