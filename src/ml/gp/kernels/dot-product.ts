import { createMatrix, type Matrix } from "../../linalg/matrix.js";
import {
  BaseKernel,
  type Bounds,
  checkHyperparameter,
  checkSameFeatures,
  copyBounds,
  DEFAULT_BOUNDS,
  type DotProductKernelJSON,
  type Hyperparameter,
  type KernelWithGradient,
  valuesFromTheta,
} from "./kernel.js";

export interface DotProductKernelOptions {
  sigma0?: number;
  sigma0Bounds?: Bounds;
}

/**
 * Linear (non-stationary) kernel k = σ₀² + x · y: Bayesian linear regression with an N(0, σ₀²) intercept and
 * N(0, 1) weights (Rasmussen & Williams §4.2.2).
 */
export class DotProductKernel extends BaseKernel {
  readonly hyperparameters: readonly Hyperparameter[];
  readonly sigma0: number;

  constructor(options: DotProductKernelOptions = {}) {
    super();
    const h = checkHyperparameter("sigma_0", "sigma0", options.sigma0 ?? 1, options.sigma0Bounds ?? DEFAULT_BOUNDS);
    this.hyperparameters = [h];
    this.sigma0 = h.value;
  }

  withTheta(theta: Float64Array): DotProductKernel {
    const [sigma0] = valuesFromTheta(this.hyperparameters, theta);
    return new DotProductKernel({ sigma0, sigma0Bounds: this.hyperparameters[0].bounds });
  }

  k(X: Matrix, Y?: Matrix): Matrix {
    const other = Y ?? X;
    if (Y !== undefined) checkSameFeatures(X, Y);
    const n = X.rows;
    const m = other.rows;
    const d = X.cols;
    const x = X.data;
    const y = other.data;
    const s2 = this.sigma0 * this.sigma0;
    const K = createMatrix(n, m);
    const k = K.data;
    for (let i = 0; i < n; i++) {
      const xi = i * d;
      for (let j = 0; j < m; j++) {
        const yj = j * d;
        let s = s2;
        for (let c = 0; c < d; c++) s += x[xi + c] * y[yj + c];
        k[i * m + j] = s;
      }
    }
    return K;
  }

  diag(X: Matrix): Float64Array {
    const n = X.rows;
    const d = X.cols;
    const x = X.data;
    const s2 = this.sigma0 * this.sigma0;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = s2;
      for (let c = 0; c < d; c++) s += x[i * d + c] * x[i * d + c];
      out[i] = s;
    }
    return out;
  }

  kWithGradient(X: Matrix): KernelWithGradient {
    const K = this.k(X);
    if (this.hyperparameters[0].bounds === "fixed") return { K, gradient: [] };
    // dK/d log σ₀ = 2σ₀², the same for every pair.
    const G = createMatrix(X.rows, X.rows);
    G.data.fill(2 * this.sigma0 * this.sigma0);
    return { K, gradient: [G] };
  }

  toJSON(): DotProductKernelJSON {
    return { type: "dot-product", sigma0: this.sigma0, sigma0Bounds: copyBounds(this.hyperparameters[0].bounds) };
  }
}
