/**
 * The GP log marginal likelihood and its gradient in θ (Rasmussen & Williams, GPML, eqs. 2.30 and 5.9), the
 * objective that `GaussianProcessRegressor` maximises; scikit-learn's `log_marginal_likelihood` in `_gpr.py`.
 */
import { invalidInput } from "../../core/index.js";
import { choleskyInverse, choleskySolve, tryCholeskyWithJitter } from "../linalg/cholesky.js";
import { addToDiagonal, type Matrix } from "../linalg/matrix.js";
import type { Kernel } from "./kernels/index.js";

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * log p(y | X, θ) = −½ yᵀa − Σ log L_ii − (n/2) log 2π, where K + alpha·I = L Lᵀ and a = (K + alpha·I)⁻¹ y (GPML's
 * α; eq. 2.30, Algorithm 2.1), or −∞ when the matrix cannot be factorised even with jitter. With `gradient`, also
 * writes ∂/∂θ_j = ½ tr((a aᵀ − K⁻¹) ∂K/∂θ_j) (GPML eq. 5.9) into it.
 */
export function logMarginalLikelihoodAt(
  kernel: Kernel,
  X: Matrix,
  y: Float64Array,
  alpha: number | Float64Array,
  gradient?: Float64Array,
): number {
  const n = X.rows;
  let K: Matrix;
  let dK: Matrix[] = [];
  if (gradient) {
    const r = kernel.kWithGradient(X);
    K = r.K;
    dK = r.gradient;
    if (gradient.length !== dK.length) {
      throw invalidInput("gradient buffer length does not match theta", [
        { field: "gradient", reason: `expected ${dK.length} values, got ${gradient.length}` },
      ]);
    }
  } else {
    K = kernel.k(X);
  }
  addToDiagonal(K, alpha);
  const factor = tryCholeskyWithJitter(K);
  if (factor === undefined) {
    gradient?.fill(0);
    return Number.NEGATIVE_INFINITY;
  }
  const L = factor.L;
  const a = choleskySolve(L, y);
  const value = logMarginalLikelihoodFromFactor(L, y, a);
  if (gradient) {
    // W = a aᵀ − K⁻¹, formed once; each component is then ½ Σ_ij W_ij (∂K/∂θ)_ij since both are symmetric.
    const W = choleskyInverse(L).data;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) W[i * n + j] = a[i] * a[j] - W[i * n + j];
    }
    for (let t = 0; t < dK.length; t++) {
      const g = dK[t].data;
      let s = 0;
      for (let k = 0; k < g.length; k++) s += W[k] * g[k];
      gradient[t] = 0.5 * s;
    }
  }
  return value;
}

/** The log marginal likelihood from a factor L of K + alpha·I and a = (K + alpha·I)⁻¹ y (GPML eq. 2.30). */
export function logMarginalLikelihoodFromFactor(L: Matrix, y: Float64Array, a: Float64Array): number {
  const n = y.length;
  let fit = 0;
  let logDiag = 0;
  for (let i = 0; i < n; i++) {
    fit += y[i] * a[i];
    logDiag += Math.log(L.data[i * n + i]);
  }
  return -0.5 * fit - logDiag - n * HALF_LOG_2PI;
}
