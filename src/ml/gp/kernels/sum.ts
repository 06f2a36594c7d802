import type { Matrix } from "../../linalg/matrix.js";
import { ensureLength, type Kernel, type SumKernelJSON } from "./kernel.js";
import { KernelOperator } from "./kernel-operator.js";

/** k = k1 + k2; dK/dθ is k1's gradients followed by k2's. */
export class SumKernel extends KernelOperator {
  private scratch: Float64Array = new Float64Array(0);

  withTheta(theta: Float64Array): SumKernel {
    const [t1, t2] = this.splitTheta(theta);
    return new SumKernel(this.k1.withTheta(t1), this.k2.withTheta(t2));
  }

  override prepare(X: Matrix): SumKernel {
    const k1 = this.k1.prepare(X);
    const k2 = this.k2.prepare(X);
    return k1 === this.k1 && k2 === this.k2 ? this : new SumKernel(k1, k2);
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
    this.scratch = ensureLength(this.scratch, count);
    const k2 = this.scratch;
    this.k1.kRow(X, i, Y, count, out, outOffset, grad, gradOffset, stride);
    this.k2.kRow(X, i, Y, count, k2, 0, grad, gradOffset + this.k1Free * stride, stride);
    for (let j = 0; j < count; j++) out[outOffset + j] += k2[j];
  }

  diag(X: Matrix): Float64Array {
    const d = this.k1.diag(X);
    const d2 = this.k2.diag(X);
    for (let i = 0; i < d.length; i++) d[i] += d2[i];
    return d;
  }

  toJSON(): SumKernelJSON {
    return { type: "sum", k1: this.k1.toJSON(), k2: this.k2.toJSON() };
  }
}

/** k1 + k2 + … (left-nested, as `k1 + k2 + k3` in scikit-learn). */
export function sumOf(first: Kernel, ...rest: Kernel[]): Kernel {
  return rest.reduce<Kernel>((acc, k) => new SumKernel(acc, k), first);
}
