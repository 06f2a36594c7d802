import { createMatrix, type Matrix } from "../../linalg/matrix.js";
import { squaredDistances } from "./distance.js";
import {
  BaseKernel,
  type Bounds,
  checkHyperparameter,
  copyBounds,
  DEFAULT_BOUNDS,
  type Hyperparameter,
  type KernelWithGradient,
  type RBFKernelJSON,
  valuesFromTheta,
} from "./kernel.js";

export interface RBFKernelOptions {
  lengthScale?: number;
  lengthScaleBounds?: Bounds;
}

/** Squared exponential, k = exp(−d² / 2ℓ²) (Rasmussen & Williams eq. 4.9), isotropic length scale ℓ. */
export class RBFKernel extends BaseKernel {
  readonly hyperparameters: readonly Hyperparameter[];
  readonly lengthScale: number;

  constructor(options: RBFKernelOptions = {}) {
    super();
    const h = checkHyperparameter(
      "length_scale",
      "lengthScale",
      options.lengthScale ?? 1,
      options.lengthScaleBounds ?? DEFAULT_BOUNDS,
    );
    this.hyperparameters = [h];
    this.lengthScale = h.value;
  }

  withTheta(theta: Float64Array): RBFKernel {
    const [lengthScale] = valuesFromTheta(this.hyperparameters, theta);
    return new RBFKernel({ lengthScale, lengthScaleBounds: this.hyperparameters[0].bounds });
  }

  k(X: Matrix, Y?: Matrix): Matrix {
    const K = squaredDistances(X, Y);
    const k = K.data;
    const inv = 1 / (this.lengthScale * this.lengthScale);
    for (let i = 0; i < k.length; i++) k[i] = Math.exp(-0.5 * k[i] * inv);
    return K;
  }

  diag(X: Matrix): Float64Array {
    return new Float64Array(X.rows).fill(1);
  }

  kWithGradient(X: Matrix): KernelWithGradient {
    const D = squaredDistances(X);
    const n = X.rows;
    const K = createMatrix(n, n);
    const k = K.data;
    const g = D.data;
    const inv = 1 / (this.lengthScale * this.lengthScale);
    // With u = d²/ℓ²: K = exp(−u/2) and dK/d log ℓ = u K; the distance buffer becomes the gradient.
    for (let i = 0; i < g.length; i++) {
      const u = g[i] * inv;
      const kv = Math.exp(-0.5 * u);
      k[i] = kv;
      g[i] = u * kv;
    }
    return { K, gradient: this.hyperparameters[0].bounds === "fixed" ? [] : [D] };
  }

  toJSON(): RBFKernelJSON {
    return {
      type: "rbf",
      lengthScale: this.lengthScale,
      lengthScaleBounds: copyBounds(this.hyperparameters[0].bounds),
    };
  }
}
