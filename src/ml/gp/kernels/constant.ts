import type { Matrix } from "../../linalg/matrix.js";
import {
  BaseKernel,
  type Bounds,
  type ConstantKernelJSON,
  checkHyperparameter,
  copyBounds,
  DEFAULT_BOUNDS,
  type Hyperparameter,
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

  kRow(
    _X: Matrix,
    _i: number,
    _Y: Matrix | undefined,
    count: number,
    out: Float64Array,
    outOffset: number,
    grad?: Float64Array,
    gradOffset = 0,
  ): void {
    out.fill(this.constantValue, outOffset, outOffset + count);
    // dK/d log c = c · 1, the value itself.
    if (grad && this.hyperparameters[0].bounds !== "fixed")
      grad.fill(this.constantValue, gradOffset, gradOffset + count);
  }

  diag(X: Matrix): Float64Array {
    return new Float64Array(X.rows).fill(this.constantValue);
  }

  toJSON(): ConstantKernelJSON {
    return {
      type: "constant",
      constantValue: this.constantValue,
      constantValueBounds: copyBounds(this.hyperparameters[0].bounds),
    };
  }
}
