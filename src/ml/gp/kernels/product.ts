import type { Matrix } from "../../linalg/matrix.js";
import { ConstantKernel } from "./constant.js";
import { ensureLength, type Kernel, type ProductKernelJSON } from "./kernel.js";
import { KernelOperator } from "./kernel-operator.js";

/** k = k1 · k2 elementwise; by the product rule dK/dθ = [dK1/dθ1 ⊙ K2, K1 ⊙ dK2/dθ2]. */
export class ProductKernel extends KernelOperator {
  private scratch: Float64Array = new Float64Array(0);

  withTheta(theta: Float64Array): ProductKernel {
    const [t1, t2] = this.splitTheta(theta);
    return new ProductKernel(this.k1.withTheta(t1), this.k2.withTheta(t2));
  }

  override prepare(X: Matrix): ProductKernel {
    const k1 = this.k1.prepare(X);
    const k2 = this.k2.prepare(X);
    return k1 === this.k1 && k2 === this.k2 ? this : new ProductKernel(k1, k2);
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
    if (this.kRowScaled(X, i, Y, count, out, outOffset, grad, gradOffset, stride)) return;
    this.scratch = ensureLength(this.scratch, count);
    const k2 = this.scratch;
    const p1 = this.k1Free;
    const g2 = gradOffset + p1 * stride;
    this.k1.kRow(X, i, Y, count, out, outOffset, grad, gradOffset, stride);
    this.k2.kRow(X, i, Y, count, k2, 0, grad, g2, stride);
    if (grad !== undefined) {
      for (let t = 0; t < p1; t++) {
        const row = gradOffset + t * stride;
        for (let j = 0; j < count; j++) grad[row + j] *= k2[j];
      }
      for (let t = 0; t < this.k2Free; t++) {
        const row = g2 + t * stride;
        for (let j = 0; j < count; j++) grad[row + j] *= out[outOffset + j];
      }
    }
    for (let j = 0; j < count; j++) out[outOffset + j] *= k2[j];
  }

  /**
   * c · k or k · c (scikit-learn's `C * k` idiom, the common case): the other factor's row scaled by c, without a
   * row buffer for the constant. The same products as the general path, so the values are identical. Returns false
   * when neither factor is a constant.
   */
  private kRowScaled(
    X: Matrix,
    i: number,
    Y: Matrix | undefined,
    count: number,
    out: Float64Array,
    outOffset: number,
    grad: Float64Array | undefined,
    gradOffset: number,
    stride: number,
  ): boolean {
    let constant: ConstantKernel;
    let other: Kernel;
    // θ order is k1's then k2's: the constant's gradient row comes first or last.
    let constantRow: number;
    let otherOffset: number;
    let constantFree: number;
    let otherFree: number;
    if (this.k1 instanceof ConstantKernel) {
      [constant, other, constantFree, otherFree] = [this.k1, this.k2, this.k1Free, this.k2Free];
      constantRow = gradOffset;
      otherOffset = gradOffset + constantFree * stride;
    } else if (this.k2 instanceof ConstantKernel) {
      [constant, other, constantFree, otherFree] = [this.k2, this.k1, this.k2Free, this.k1Free];
      otherOffset = gradOffset;
      constantRow = gradOffset + otherFree * stride;
    } else {
      return false;
    }
    const c = constant.constantValue;
    other.kRow(X, i, Y, count, out, outOffset, grad, otherOffset, stride);
    if (grad !== undefined) {
      for (let t = 0; t < otherFree; t++) {
        const row = otherOffset + t * stride;
        for (let j = 0; j < count; j++) grad[row + j] *= c;
      }
      // d(c·k)/d log c = c·k.
      if (constantFree > 0) for (let j = 0; j < count; j++) grad[constantRow + j] = c * out[outOffset + j];
    }
    for (let j = 0; j < count; j++) out[outOffset + j] *= c;
    return true;
  }

  diag(X: Matrix): Float64Array {
    const d = this.k1.diag(X);
    const d2 = this.k2.diag(X);
    for (let i = 0; i < d.length; i++) d[i] *= d2[i];
    return d;
  }

  toJSON(): ProductKernelJSON {
    return { type: "product", k1: this.k1.toJSON(), k2: this.k2.toJSON() };
  }
}

/** k1 · k2 · … (left-nested, as `k1 * k2 * k3` in scikit-learn). */
export function productOf(first: Kernel, ...rest: Kernel[]): Kernel {
  return rest.reduce<Kernel>((acc, k) => new ProductKernel(acc, k), first);
}
