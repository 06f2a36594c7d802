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
  type RationalQuadraticKernelJSON,
  valuesFromTheta,
} from "./kernel.js";

export interface RationalQuadraticKernelOptions {
  lengthScale?: number;
  alpha?: number;
  lengthScaleBounds?: Bounds;
  alphaBounds?: Bounds;
}

/**
 * k = (1 + d² / 2αℓ²)^(−α) (Rasmussen & Williams eq. 4.19): a scale mixture of RBFs. θ order is [alpha,
 * length_scale], scikit-learn's (alphabetical) order.
 */
export class RationalQuadraticKernel extends BaseKernel {
  readonly hyperparameters: readonly Hyperparameter[];
  readonly lengthScale: number;
  readonly alpha: number;

  constructor(options: RationalQuadraticKernelOptions = {}) {
    super();
    const a = checkHyperparameter("alpha", "alpha", options.alpha ?? 1, options.alphaBounds ?? DEFAULT_BOUNDS);
    const l = checkHyperparameter(
      "length_scale",
      "lengthScale",
      options.lengthScale ?? 1,
      options.lengthScaleBounds ?? DEFAULT_BOUNDS,
    );
    this.hyperparameters = [a, l];
    this.alpha = a.value;
    this.lengthScale = l.value;
  }

  withTheta(theta: Float64Array): RationalQuadraticKernel {
    const [alpha, lengthScale] = valuesFromTheta(this.hyperparameters, theta);
    return new RationalQuadraticKernel({
      alpha,
      lengthScale,
      alphaBounds: this.hyperparameters[0].bounds,
      lengthScaleBounds: this.hyperparameters[1].bounds,
    });
  }

  k(X: Matrix, Y?: Matrix): Matrix {
    const K = squaredDistances(X, Y);
    const k = K.data;
    const scale = 1 / (2 * this.alpha * this.lengthScale * this.lengthScale);
    for (let i = 0; i < k.length; i++) k[i] = (1 + k[i] * scale) ** -this.alpha;
    return K;
  }

  diag(X: Matrix): Float64Array {
    return new Float64Array(X.rows).fill(1);
  }

  kWithGradient(X: Matrix): KernelWithGradient {
    const D = squaredDistances(X);
    const n = X.rows;
    const K = createMatrix(n, n);
    const alphaFree = this.hyperparameters[0].bounds !== "fixed";
    const lengthFree = this.hyperparameters[1].bounds !== "fixed";
    const dAlpha = alphaFree ? createMatrix(n, n) : undefined;
    const dLength = lengthFree ? createMatrix(n, n) : undefined;
    const a = this.alpha;
    const l2 = this.lengthScale * this.lengthScale;
    const scale = 1 / (2 * a * l2); // as in k(), so both paths give bit-identical K
    const d = D.data;
    const k = K.data;
    // With b = 1 + d²/(2αℓ²), log K = −α log b, so
    //   dK/d log ℓ = K d² / (ℓ² b),   dK/d log α = K (−α log b + d² / (2ℓ² b)).
    for (let i = 0; i < d.length; i++) {
      const d2 = d[i];
      const b = 1 + d2 * scale;
      const kv = b ** -a;
      k[i] = kv;
      if (dAlpha) dAlpha.data[i] = kv * (-a * Math.log(b) + d2 / (2 * l2 * b));
      if (dLength) dLength.data[i] = (kv * d2) / (l2 * b);
    }
    const gradient: Matrix[] = [];
    if (dAlpha) gradient.push(dAlpha);
    if (dLength) gradient.push(dLength);
    return { K, gradient };
  }

  toJSON(): RationalQuadraticKernelJSON {
    return {
      type: "rational-quadratic",
      lengthScale: this.lengthScale,
      alpha: this.alpha,
      lengthScaleBounds: copyBounds(this.hyperparameters[1].bounds),
      alphaBounds: copyBounds(this.hyperparameters[0].bounds),
    };
  }
}
