import { cloneMatrix, createMatrix, type Matrix } from "../../linalg/matrix.js";
import {
  BaseKernel,
  type Bounds,
  type ConstantKernelJSON,
  checkHyperparameter,
  checkSameFeatures,
  copyBounds,
  DEFAULT_BOUNDS,
  type Hyperparameter,
  type KernelWithGradient,
  valuesFromTheta,
} from "./kernel.js";

export interface ConstantKernelOptions {
  constantValue?: number;
  constantValueBounds?: Bounds;
}

/** k(x, y) = c. Multiplied into another kernel it sets the signal variance (scikit-learn's `2.0 * RBF()`). */
export class ConstantKernel extends BaseKernel {
  readonly hyperparameters: readonly Hyperparameter[];
  readonly constantValue: number;

  constructor(options: ConstantKernelOptions = {}) {
    super();
    const h = checkHyperparameter(
      "constant_value",
      "constantValue",
      options.constantValue ?? 1,
      options.constantValueBounds ?? DEFAULT_BOUNDS,
    );
    this.hyperparameters = [h];
    this.constantValue = h.value;
  }

  withTheta(theta: Float64Array): ConstantKernel {
    const [constantValue] = valuesFromTheta(this.hyperparameters, theta);
    return new ConstantKernel({ constantValue, constantValueBounds: this.hyperparameters[0].bounds });
  }

  k(X: Matrix, Y?: Matrix): Matrix {
    if (Y !== undefined) checkSameFeatures(X, Y);
    const K = createMatrix(X.rows, (Y ?? X).rows);
    K.data.fill(this.constantValue);
    return K;
  }

  diag(X: Matrix): Float64Array {
    return new Float64Array(X.rows).fill(this.constantValue);
  }

  kWithGradient(X: Matrix): KernelWithGradient {
    const K = this.k(X);
    // dK/d log c = c · 1, which is K itself.
    return { K, gradient: this.hyperparameters[0].bounds === "fixed" ? [] : [cloneMatrix(K)] };
  }

  toJSON(): ConstantKernelJSON {
    return {
      type: "constant",
      constantValue: this.constantValue,
      constantValueBounds: copyBounds(this.hyperparameters[0].bounds),
    };
  }
}
