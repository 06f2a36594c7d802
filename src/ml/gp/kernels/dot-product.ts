import type { Matrix } from "../../linalg/matrix.js";
import {
  BaseKernel,
  type Bounds,
  checkHyperparameter,
  copyBounds,
  DEFAULT_BOUNDS,
  type DotProductKernelJSON,
  type Hyperparameter,
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

  kRow(
    X: Matrix,
    i: number,
    Y: Matrix | undefined,
    count: number,
    out: Float64Array,
    outOffset: number,
    grad?: Float64Array,
    gradOffset = 0,
  ): void {
    const other = Y ?? X;
    const d = X.cols;
    const x = X.data;
    const y = other.data;
    const xi = i * d;
    const s2 = this.sigma0 * this.sigma0;
    for (let j = 0; j < count; j++) {
      const yj = j * d;
      let s = s2;
      for (let c = 0; c < d; c++) s += x[xi + c] * y[yj + c];
      out[outOffset + j] = s;
    }
    // dK/d log σ₀ = 2σ₀², the same for every pair.
    if (grad && this.hyperparameters[0].bounds !== "fixed") grad.fill(2 * s2, gradOffset, gradOffset + count);
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

  toJSON(): DotProductKernelJSON {
    return { type: "dot-product", sigma0: this.sigma0, sigma0Bounds: copyBounds(this.hyperparameters[0].bounds) };
  }
}
