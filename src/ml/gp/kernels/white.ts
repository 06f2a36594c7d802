import { cloneMatrix, createMatrix, type Matrix } from "../../linalg/matrix.js";
import {
  BaseKernel,
  type Bounds,
  checkHyperparameter,
  checkSameFeatures,
  copyBounds,
  DEFAULT_BOUNDS,
  type Hyperparameter,
  type KernelWithGradient,
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

  k(X: Matrix, Y?: Matrix): Matrix {
    if (Y !== undefined) {
      checkSameFeatures(X, Y);
      return createMatrix(X.rows, Y.rows);
    }
    const n = X.rows;
    const K = createMatrix(n, n);
    for (let i = 0; i < n; i++) K.data[i * n + i] = this.noiseLevel;
    return K;
  }

  diag(X: Matrix): Float64Array {
    return new Float64Array(X.rows).fill(this.noiseLevel);
  }

  kWithGradient(X: Matrix): KernelWithGradient {
    const K = this.k(X);
    // dK/d log σ²_n = σ²_n I = K.
    return { K, gradient: this.hyperparameters[0].bounds === "fixed" ? [] : [cloneMatrix(K)] };
  }

  toJSON(): WhiteKernelJSON {
    return { type: "white", noiseLevel: this.noiseLevel, noiseLevelBounds: copyBounds(this.hyperparameters[0].bounds) };
  }
}
