/**
 * The kernel contract, after scikit-learn's `sklearn/gaussian_process/kernels.py`: hyperparameters are records with
 * bounds or "fixed"; θ is the log of the free ones, in the order `hyperparameters` lists them (alphabetical within a
 * kernel, then k1's before k2's in a sum or product, as scikit-learn does, so θ vectors line up with it); gradients
 * are dK/dθ, i.e. with respect to the log hyperparameters, computed analytically.
 */
import { invalidInput } from "../../../core/index.js";
import { createMatrix, type Matrix, mirrorLower } from "../../linalg/matrix.js";

/** Positive [lower, upper] bounds for optimisation, or "fixed" to keep the value out of θ. */
export type Bounds = [number, number] | "fixed";

/**
 * One scalar hyperparameter; composite kernels prefix names with `k1__` / `k2__` like scikit-learn. A vector-valued
 * hyperparameter (scikit-learn's `n_elements > 1`, e.g. an ARD `length_scale`) is one record per element, all with
 * the same name and `element` set to the index, so θ keeps one entry per record.
 */
export interface Hyperparameter {
  name: string;
  value: number;
  bounds: Bounds;
  element?: number;
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
  /**
   * Row i of K(X, Y) (Y absent: K(X, X), where white noise sits on the diagonal) for columns 0 … count − 1:
   * out[outOffset + j] = k(x_i, y_j). With `grad`, also ∂k(x_i, y_j)/∂θ_t into grad[gradOffset + t·stride + j] for
   * every free θ_t. Building K a row at a time lets the log marginal likelihood contract each gradient row as it is
   * made, with O(n · |θ|) scratch instead of one n × n matrix per hyperparameter; it is the primitive `k` and
   * `kWithGradient` are built on.
   */
  kRow(
    X: Matrix,
    i: number,
    Y: Matrix | undefined,
    count: number,
    out: Float64Array,
    outOffset: number,
    grad?: Float64Array,
    gradOffset?: number,
    stride?: number,
  ): void;
  /**
   * This kernel, possibly specialised to the inputs X: its `kRow` for rows of K(X) (Y absent) may use per-point
   * features computed once here (e.g. the periodic kernel's sin and cos of each phase, so a pair costs four
   * multiplications instead of a sine). Valid while X is unchanged; the log marginal likelihood prepares once per
   * evaluation. Values equal the unprepared kernel's up to round-off.
   */
  prepare(X: Matrix): Kernel;
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
  /** A number (isotropic), or one length scale per input column (ARD). */
  lengthScale: number | number[];
  /** Shared by every dimension, or (ARD only) one entry per dimension. */
  lengthScaleBounds: Bounds | Bounds[];
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
export interface ExponentiationKernelJSON {
  type: "exponentiation";
  kernel: KernelJSON;
  exponent: number;
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
  | ExponentiationKernelJSON
  | SumKernelJSON
  | ProductKernelJSON;

/** scikit-learn's default bounds for every positive hyperparameter. */
export const DEFAULT_BOUNDS: [number, number] = [1e-5, 1e5];

/**
 * What every kernel derives from its hyperparameter records and its `kRow`: θ, log-bounds, full covariance
 * matrices and gradients. Subclasses provide the records, one row of the covariance (with its gradient) and the
 * diagonal.
 */
export abstract class BaseKernel implements Kernel {
  abstract readonly hyperparameters: readonly Hyperparameter[];
  abstract withTheta(theta: Float64Array): Kernel;
  abstract diag(X: Matrix): Float64Array;
  abstract kRow(
    X: Matrix,
    i: number,
    Y: Matrix | undefined,
    count: number,
    out: Float64Array,
    outOffset: number,
    grad?: Float64Array,
    gradOffset?: number,
    stride?: number,
  ): void;
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

  /**
   * K(X, Y), n × m. K(X) is built from rows j ≤ i and mirrored, so it is exactly symmetric (as scikit-learn's
   * pdist + squareform).
   */
  k(X: Matrix, Y?: Matrix): Matrix {
    const n = X.rows;
    if (Y !== undefined) {
      checkSameFeatures(X, Y);
      const m = Y.rows;
      const K = createMatrix(n, m);
      for (let i = 0; i < n; i++) this.kRow(X, i, Y, m, K.data, i * m);
      return K;
    }
    const K = createMatrix(n, n);
    const k = K.data;
    for (let i = 0; i < n; i++) this.kRow(X, i, undefined, i + 1, k, i * n);
    mirrorLower(k, n);
    return K;
  }

  kWithGradient(X: Matrix): KernelWithGradient {
    const n = X.rows;
    const p = countFree(this.hyperparameters);
    const K = createMatrix(n, n);
    const gradient: Matrix[] = [];
    for (let t = 0; t < p; t++) gradient.push(createMatrix(n, n));
    const rows = new Float64Array(p * n);
    for (let i = 0; i < n; i++) {
      this.kRow(X, i, undefined, i + 1, K.data, i * n, rows, 0, n);
      for (let t = 0; t < p; t++) gradient[t].data.set(rows.subarray(t * n, t * n + i + 1), i * n);
    }
    mirrorLower(K.data, n);
    for (const g of gradient) mirrorLower(g.data, n);
    return { K, gradient };
  }

  gradient(X: Matrix): Matrix[] {
    return this.kWithGradient(X).gradient;
  }

  prepare(_X: Matrix): Kernel {
    return this;
  }
}

/**
 * A reusable row buffer of at least `length` values: composite kernels keep one per instance for a child's row,
 * so evaluating K allocates per kernel, not per row. (Single-threaded: a kernel instance never re-enters its own
 * `kRow`, since kernel trees are immutable and acyclic.)
 */
export function ensureLength(buffer: Float64Array, length: number): Float64Array {
  return buffer.length >= length ? buffer : new Float64Array(Math.max(length, 2 * buffer.length));
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
