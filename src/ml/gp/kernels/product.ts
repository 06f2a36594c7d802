import type { Matrix } from "../../linalg/matrix.js";
import type { Kernel, KernelWithGradient, ProductKernelJSON } from "./kernel.js";
import { KernelOperator } from "./kernel-operator.js";

/** k = k1 · k2 elementwise; by the product rule dK/dθ = [dK1/dθ1 ⊙ K2, K1 ⊙ dK2/dθ2]. */
export class ProductKernel extends KernelOperator {
  withTheta(theta: Float64Array): ProductKernel {
    const [t1, t2] = this.splitTheta(theta);
    return new ProductKernel(this.k1.withTheta(t1), this.k2.withTheta(t2));
  }

  k(X: Matrix, Y?: Matrix): Matrix {
    const K = this.k1.k(X, Y);
    const k = K.data;
    const k2 = this.k2.k(X, Y).data;
    for (let i = 0; i < k.length; i++) k[i] *= k2[i];
    return K;
  }

  diag(X: Matrix): Float64Array {
    const d = this.k1.diag(X);
    const d2 = this.k2.diag(X);
    for (let i = 0; i < d.length; i++) d[i] *= d2[i];
    return d;
  }

  kWithGradient(X: Matrix): KernelWithGradient {
    const a = this.k1.kWithGradient(X);
    const b = this.k2.kWithGradient(X);
    const k1 = a.K.data;
    const k2 = b.K.data;
    // Children's gradient buffers are fresh per call, so they are scaled in place.
    for (const g of a.gradient) {
      const gd = g.data;
      for (let i = 0; i < gd.length; i++) gd[i] *= k2[i];
    }
    for (const g of b.gradient) {
      const gd = g.data;
      for (let i = 0; i < gd.length; i++) gd[i] *= k1[i];
    }
    for (let i = 0; i < k1.length; i++) k1[i] *= k2[i];
    return { K: a.K, gradient: [...a.gradient, ...b.gradient] };
  }

  toJSON(): ProductKernelJSON {
    return { type: "product", k1: this.k1.toJSON(), k2: this.k2.toJSON() };
  }
}

/** k1 · k2 · … (left-nested, as `k1 * k2 * k3` in scikit-learn). */
export function productOf(first: Kernel, ...rest: Kernel[]): Kernel {
  return rest.reduce<Kernel>((acc, k) => new ProductKernel(acc, k), first);
}
