/**
 * The kernel contract, after scikit-learn's `sklearn/gaussian_process/kernels.py`: hyperparameters are records with
 * bounds or "fixed"; θ is the log of the free ones, in the order `hyperparameters` lists them (alphabetical within a
 * kernel, then k1's before k2's in a sum or product, as scikit-learn does, so θ vectors line up with it); gradients
 * are dK/dθ, i.e. with respect to the log hyperparameters, computed analytically.
 */
import { invalidInput } from "../../../core/index.js";
import type { Matrix } from "../../linalg/matrix.js";

/** Positive [lower, upper] bounds for optimisation, or "fixed" to keep the value out of θ. */
export type Bounds = [number, number] | "fixed";

/** One scalar hyperparameter; composite kernels prefix names with `k1__` / `k2__` like scikit-learn. */
export interface Hyperparameter {
  name: string;
  value: number;
  bounds: Bounds;
}

/** K(X, X) and its derivative with respect to each θ component (one n × n matrix per free hyperparameter). */
export interface KernelWithGradient {
  K: Matrix;
  gradient: Matrix[];
}

/** A covariance function over rows of n × d input matrices. Kernels are immutable: `withTheta` returns a copy. */
export interface Kernel {
  readonly hyperparameters: readonly Hyperparameter[];
  /** log of the free hyperparameter values. */
  readonly theta: Float64Array;
  /** log of the free hyperparameters' bounds, aligned with `theta`. */
  readonly bounds: { lower: Float64Array; upper: Float64Array };
  /** The same kernel with free hyperparameters exp(θ). */
  withTheta(theta: Float64Array): Kernel;
  /** K(X, Y), n × m; Y defaults to X (for a white-noise kernel only the default puts noise on the diagonal). */
  k(X: Matrix, Y?: Matrix): Matrix;
  /** diag K(X, X) without forming K. */
  diag(X: Matrix): Float64Array;
  /** dK(X, X)/dθ, analytic. */
  gradient(X: Matrix): Matrix[];
  /** K(X, X) and dK/dθ from one pass (products need both factors' values and gradients). */
  kWithGradient(X: Matrix): KernelWithGradient;
  toJSON(): KernelJSON;
}

export interface ConstantKernelJSON {
  type: "constant";
  constantValue: number;
  constantValueBounds: Bounds;
}
export interface WhiteKernelJSON {
  type: "white";
  noiseLevel: number;
  noiseLevelBounds: Bounds;
}
export interface RBFKernelJSON {
  type: "rbf";
  lengthScale: number;
  lengthScaleBounds: Bounds;
}
export interface ExpSineSquaredKernelJSON {
  type: "exp-sine-squared";
  lengthScale: number;
  periodicity: number;
  lengthScaleBounds: Bounds;
  periodicityBounds: Bounds;
}
export interface DotProductKernelJSON {
  type: "dot-product";
  sigma0: number;
  sigma0Bounds: Bounds;
}
export interface MaternKernelJSON {
  type: "matern";
  lengthScale: number;
  lengthScaleBounds: Bounds;
  nu: 0.5 | 1.5 | 2.5;
}
export interface RationalQuadraticKernelJSON {
  type: "rational-quadratic";
  lengthScale: number;
  alpha: number;
  lengthScaleBounds: Bounds;
  alphaBounds: Bounds;
}
export interface SumKernelJSON {
  type: "sum";
  k1: KernelJSON;
  k2: KernelJSON;
}
export interface ProductKernelJSON {
  type: "product";
  k1: KernelJSON;
  k2: KernelJSON;
}

/** The stored form of a kernel: plain JSON, enough to rebuild it with `kernelFromJSON`. */
export type KernelJSON =
  | ConstantKernelJSON
  | WhiteKernelJSON
  | RBFKernelJSON
  | ExpSineSquaredKernelJSON
  | DotProductKernelJSON
  | MaternKernelJSON
  | RationalQuadraticKernelJSON
  | SumKernelJSON
  | ProductKernelJSON;

/** scikit-learn's default bounds for every positive hyperparameter. */
export const DEFAULT_BOUNDS: [number, number] = [1e-5, 1e5];

/**
 * What every kernel derives from its hyperparameter records: θ, log-bounds and the gradient shortcut. Subclasses
 * provide the records, the covariance and its gradient.
 */
export abstract class BaseKernel implements Kernel {
  abstract readonly hyperparameters: readonly Hyperparameter[];
  abstract withTheta(theta: Float64Array): Kernel;
  abstract k(X: Matrix, Y?: Matrix): Matrix;
  abstract diag(X: Matrix): Float64Array;
  abstract kWithGradient(X: Matrix): KernelWithGradient;
  abstract toJSON(): KernelJSON;

  get theta(): Float64Array {
    const free = this.hyperparameters.filter((h) => h.bounds !== "fixed");
    const theta = new Float64Array(free.length);
    for (let i = 0; i < free.length; i++) theta[i] = Math.log(free[i].value);
    return theta;
  }

  get bounds(): { lower: Float64Array; upper: Float64Array } {
    const free = this.hyperparameters.filter((h) => h.bounds !== "fixed");
    const lower = new Float64Array(free.length);
    const upper = new Float64Array(free.length);
    for (let i = 0; i < free.length; i++) {
      const b = free[i].bounds;
      if (b !== "fixed") {
        lower[i] = Math.log(b[0]);
        upper[i] = Math.log(b[1]);
      }
    }
    return { lower, upper };
  }

  gradient(X: Matrix): Matrix[] {
    return this.kWithGradient(X).gradient;
  }
}

/**
 * Checks and returns a positive hyperparameter record. `name` is scikit-learn's (`length_scale`), `field` the
 * option or JSON key it came from (`lengthScale`), which errors name.
 */
export function checkHyperparameter(name: string, field: string, value: number, bounds: Bounds): Hyperparameter {
  if (!(Number.isFinite(value) && value > 0)) {
    throw invalidInput(`kernel hyperparameter ${field} must be a positive finite number`, [
      { field, reason: `got ${value}` },
    ]);
  }
  if (bounds !== "fixed") {
    const ok =
      Array.isArray(bounds) &&
      bounds.length === 2 &&
      Number.isFinite(bounds[0]) &&
      Number.isFinite(bounds[1]) &&
      bounds[0] > 0 &&
      bounds[0] <= bounds[1];
    if (!ok) {
      throw invalidInput(`${field}Bounds must be "fixed" or [lower, upper] with 0 < lower ≤ upper < ∞`, [
        { field: `${field}Bounds`, reason: `got ${JSON.stringify(bounds)}` },
      ]);
    }
  }
  return { name, value, bounds: bounds === "fixed" ? "fixed" : [bounds[0], bounds[1]] };
}

/** The number of free hyperparameters (the length of θ). */
export function countFree(hyperparameters: readonly Hyperparameter[]): number {
  let n = 0;
  for (const h of hyperparameters) if (h.bounds !== "fixed") n++;
  return n;
}

/** New hyperparameter values for θ: exp(θ_i) for the free ones in order, unchanged values for the fixed ones. */
export function valuesFromTheta(hyperparameters: readonly Hyperparameter[], theta: Float64Array): Float64Array {
  const expected = countFree(hyperparameters);
  if (theta.length !== expected) {
    throw invalidInput("theta has the wrong length for this kernel", [
      { field: "theta", reason: `expected ${expected} values, got ${theta.length}` },
    ]);
  }
  const values = new Float64Array(hyperparameters.length);
  let t = 0;
  for (let i = 0; i < hyperparameters.length; i++) {
    const h = hyperparameters[i];
    values[i] = h.bounds === "fixed" ? h.value : Math.exp(theta[t++]);
  }
  return values;
}

/** Checks that X and Y have the same number of columns (features). */
export function checkSameFeatures(X: Matrix, Y: Matrix): void {
  if (X.cols !== Y.cols) {
    throw invalidInput("kernel inputs differ in their number of features", [
      { field: "Y", reason: `X has ${X.cols} columns, Y has ${Y.cols}` },
    ]);
  }
}

/** A copy of bounds, so JSON handed out never aliases a kernel's records. */
export function copyBounds(bounds: Bounds): Bounds {
  return bounds === "fixed" ? "fixed" : [bounds[0], bounds[1]];
}
