import type { Matrix } from "../../linalg/matrix.js";
import {
  BaseKernel,
  type Bounds,
  checkHyperparameter,
  copyBounds,
  DEFAULT_BOUNDS,
  type Hyperparameter,
  valuesFromTheta,
  type WhiteKernelJSON,
} from "./kernel.js";

export interface WhiteKernelOptions {
  noiseLevel?: number;
  noiseLevelBounds?: Bounds;
}

/**
 * Independent noise: k(x_i, x_j) = σ²_n δ_ij over the training set. As in scikit-learn, K(X) carries the noise on
 * its diagonal but the cross-covariance K(X, Y) is zero even when Y equals X, so noise is part of the fit and of
 * predictive variance (`diag`) but never of the predictive mean.
 */
export class WhiteKernel extends BaseKernel {
  readonly hyperparameters: readonly Hyperparameter[];
  readonly noiseLevel: number;

  constructor(options: WhiteKernelOptions = {}) {
    super();
    const h = checkHyperparameter(
      "noise_level",
      "noiseLevel",
      options.noiseLevel ?? 1,
      options.noiseLevelBounds ?? DEFAULT_BOUNDS,
    );
    this.hyperparameters = [h];
    this.noiseLevel = h.value;
  }

  withTheta(theta: Float64Array): WhiteKernel {
    const [noiseLevel] = valuesFromTheta(this.hyperparameters, theta);
    return new WhiteKernel({ noiseLevel, noiseLevelBounds: this.hyperparameters[0].bounds });
  }

  kRow(
    _X: Matrix,
    i: number,
    Y: Matrix | undefined,
    count: number,
    out: Float64Array,
    outOffset: number,
    grad?: Float64Array,
    gradOffset = 0,
  ): void {
    out.fill(0, outOffset, outOffset + count);
    const free = grad !== undefined && this.hyperparameters[0].bounds !== "fixed";
    if (free) grad.fill(0, gradOffset, gradOffset + count);
    if (Y !== undefined || i >= count) return;
    out[outOffset + i] = this.noiseLevel;
    // dK/d log σ²_n = σ²_n I, the value itself.
    if (free) grad[gradOffset + i] = this.noiseLevel;
  }

  diag(X: Matrix): Float64Array {
    return new Float64Array(X.rows).fill(this.noiseLevel);
  }

  toJSON(): WhiteKernelJSON {
    return { type: "white", noiseLevel: this.noiseLevel, noiseLevelBounds: copyBounds(this.hyperparameters[0].bounds) };
  }
}
