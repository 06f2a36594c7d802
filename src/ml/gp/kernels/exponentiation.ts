import { invalidInput } from "../../../core/index.js";
import type { Matrix } from "../../linalg/matrix.js";
import { BaseKernel, countFree, type ExponentiationKernelJSON, type Hyperparameter, type Kernel } from "./kernel.js";

/**
 * k = k_inner^p with a fixed exponent p (scikit-learn's `Exponentiation`). Its hyperparameters are the inner
 * kernel's, named `kernel__…`; by the chain rule dK/dθ = p K_inner^{p−1} dK_inner/dθ. A non-integer p needs a
 * non-negative inner kernel (e.g. not DotProduct on inputs with negative products), else values are NaN.
 */
export class ExponentiationKernel extends BaseKernel {
  readonly hyperparameters: readonly Hyperparameter[];
  private readonly innerFree: number;

  constructor(
    readonly kernel: Kernel,
    readonly exponent: number,
  ) {
    super();
    if (!Number.isFinite(exponent)) {
      throw invalidInput("exponent must be a finite number", [{ field: "exponent", reason: `got ${exponent}` }]);
    }
    this.hyperparameters = kernel.hyperparameters.map((h) => ({ ...h, name: `kernel__${h.name}` }));
    this.innerFree = countFree(kernel.hyperparameters);
  }

  withTheta(theta: Float64Array): ExponentiationKernel {
    return new ExponentiationKernel(this.kernel.withTheta(theta), this.exponent);
  }

  override prepare(X: Matrix): ExponentiationKernel {
    const inner = this.kernel.prepare(X);
    return inner === this.kernel ? this : new ExponentiationKernel(inner, this.exponent);
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
    const p = this.exponent;
    this.kernel.kRow(X, i, Y, count, out, outOffset, grad, gradOffset, stride);
    if (grad !== undefined) {
      for (let j = 0; j < count; j++) {
        // p K^{p−1}, the factor the chain rule puts on every inner gradient.
        const factor = p * out[outOffset + j] ** (p - 1);
        for (let t = 0; t < this.innerFree; t++) grad[gradOffset + t * stride + j] *= factor;
      }
    }
    for (let j = outOffset; j < outOffset + count; j++) out[j] **= p;
  }

  diag(X: Matrix): Float64Array {
    const d = this.kernel.diag(X);
    for (let i = 0; i < d.length; i++) d[i] **= this.exponent;
    return d;
  }

  toJSON(): ExponentiationKernelJSON {
    return { type: "exponentiation", kernel: this.kernel.toJSON(), exponent: this.exponent };
  }
}

/** k^p, as scikit-learn's `k ** p`. */
export function powerOf(kernel: Kernel, exponent: number): ExponentiationKernel {
  return new ExponentiationKernel(kernel, exponent);
}
