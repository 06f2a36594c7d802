import type { Matrix } from "../../linalg/matrix.js";
import { squaredDistanceRow } from "./distance.js";
import {
  BaseKernel,
  type Bounds,
  checkHyperparameter,
  copyBounds,
  DEFAULT_BOUNDS,
  type Hyperparameter,
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

  kRow(
    X: Matrix,
    i: number,
    Y: Matrix | undefined,
    count: number,
    out: Float64Array,
    outOffset: number,
    grad?: Float64Array,
    gradOffset = 0,
    stride = 0,
  ): void {
    squaredDistanceRow(X, i, Y, count, out, outOffset);
    const alphaFree = grad !== undefined && this.hyperparameters[0].bounds !== "fixed";
    const lengthFree = grad !== undefined && this.hyperparameters[1].bounds !== "fixed";
    const a = this.alpha;
    const l2 = this.lengthScale * this.lengthScale;
    const scale = 1 / (2 * a * l2);
    const alphaRow = gradOffset;
    const lengthRow = gradOffset + (alphaFree ? stride : 0);
    // With b = 1 + d²/(2αℓ²), log K = −α log b, so
    //   dK/d log ℓ = K d² / (ℓ² b),   dK/d log α = K (−α log b + d² / (2ℓ² b)).
    for (let j = 0; j < count; j++) {
      const d2 = out[outOffset + j];
      const b = 1 + d2 * scale;
      const kv = b ** -a;
      out[outOffset + j] = kv;
      if (alphaFree) grad[alphaRow + j] = kv * (-a * Math.log(b) + d2 / (2 * l2 * b));
      if (lengthFree) grad[lengthRow + j] = (kv * d2) / (l2 * b);
    }
  }

  diag(X: Matrix): Float64Array {
    return new Float64Array(X.rows).fill(1);
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
