/**
 * The GP log marginal likelihood and its gradient in θ (Rasmussen & Williams, GPML, eqs. 2.30 and 5.9), the
 * objective that `GaussianProcessRegressor` maximises; scikit-learn's `log_marginal_likelihood` in `_gpr.py`.
 */
import { invalidInput } from "../../core/index.js";
import { choleskyBlock, invertLowerBlock, lowerGramBlock } from "../linalg/blocked.js";
import { choleskySolve } from "../linalg/cholesky.js";
import type { Matrix } from "../linalg/matrix.js";
import type { Kernel } from "./kernels/index.js";

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** The jitter ladder of `tryCholeskyWithJitter` (1e-10, 1e-9, … 1e-6), so both paths factorise the same matrix. */
const INITIAL_JITTER = 1e-10;
const MAX_JITTER = 1e-6;

/**
 * Buffers for repeated evaluations on the same n training points (an optimiser's objective): one n × n matrix that
 * holds K, then its Cholesky factor, then W = a aᵀ − K⁻¹, plus O(n · |θ|) rows. Reusing it keeps an evaluation
 * free of allocation.
 */
export class LogMarginalLikelihoodWorkspace {
  readonly n: number;
  readonly factor: Matrix;
  readonly a: Float64Array;
  /** One row of K and of each ∂K/∂θ_t during the gradient pass. */
  private row: Float64Array;
  private gradientRows: Float64Array;

  constructor(n: number) {
    this.n = n;
    this.factor = { rows: n, cols: n, data: new Float64Array(n * n) };
    this.a = new Float64Array(n);
    this.row = new Float64Array(n);
    this.gradientRows = new Float64Array(0);
  }

  /** Row buffers for |θ| = p hyperparameters. */
  rows(p: number): { row: Float64Array; gradientRows: Float64Array } {
    if (this.gradientRows.length < p * this.n) this.gradientRows = new Float64Array(p * this.n);
    return { row: this.row, gradientRows: this.gradientRows };
  }
}

/**
 * log p(y | X, θ) = −½ yᵀa − Σ log L_ii − (n/2) log 2π, where K + alpha·I = L Lᵀ and a = (K + alpha·I)⁻¹ y (GPML's
 * α; eq. 2.30, Algorithm 2.1), or −∞ when the matrix cannot be factorised even with jitter. With `gradient`, also
 * writes ∂/∂θ_t = ½ tr((a aᵀ − K⁻¹) ∂K/∂θ_t) (GPML eq. 5.9) into it.
 *
 * Cost: n³/3 flops for the factor, and with the gradient n³/3 for L⁻¹ and n³/3 for K⁻¹ = L⁻ᵀ L⁻¹ (one triangle
 * each, LAPACK `dpotri`), then one pass over the lower triangle that evaluates each row of every ∂K/∂θ_t and
 * contracts it with W at once — no n × n matrix per hyperparameter (scikit-learn forms an n × n × |θ| array).
 */
export function logMarginalLikelihoodAt(
  kernel: Kernel,
  X: Matrix,
  y: Float64Array,
  alpha: number | Float64Array,
  gradient?: Float64Array,
  workspace: LogMarginalLikelihoodWorkspace = new LogMarginalLikelihoodWorkspace(X.rows),
): number {
  const n = X.rows;
  const p = kernel.theta.length;
  if (workspace.n !== n) {
    throw invalidInput("workspace size does not match X", [{ field: "workspace", reason: `${workspace.n} ≠ ${n}` }]);
  }
  if (gradient && gradient.length !== p) {
    throw invalidInput("gradient buffer length does not match theta", [
      { field: "gradient", reason: `expected ${p} values, got ${gradient.length}` },
    ]);
  }
  const L = workspace.factor;
  // Both passes below evaluate rows of K(X) only, so per-point features are computed once per evaluation.
  const prepared = kernel.prepare(X);
  if (!factorise(prepared, X, alpha, L.data, n)) {
    gradient?.fill(0);
    return Number.NEGATIVE_INFINITY;
  }
  const a = choleskySolve(L, y, workspace.a);
  const value = logMarginalLikelihoodFromFactor(L, y, a);
  if (gradient) gradientFromFactor(prepared, X, a, workspace, gradient);
  return value;
}

/**
 * Writes the lower triangle of K + alpha·I row by row into `l` and factorises it in place, retrying with the
 * jitter ladder; rebuilding K per retry costs O(n²) kernel work instead of keeping an n × n copy of K.
 */
function factorise(kernel: Kernel, X: Matrix, alpha: number | Float64Array, l: Float64Array, n: number): boolean {
  for (let attempt = 0; ; attempt++) {
    let jitter = 0;
    if (attempt > 0) {
      jitter = INITIAL_JITTER * 10 ** (attempt - 1);
      if (jitter > MAX_JITTER * (1 + 1e-12)) return false;
    }
    for (let i = 0; i < n; i++) {
      kernel.kRow(X, i, undefined, i + 1, l, i * n);
      l[i * n + i] += (typeof alpha === "number" ? alpha : alpha[i]) + jitter;
    }
    if (choleskyBlock(l, 0, n, n)) return true;
  }
}

/**
 * ∂/∂θ_t = ½ Σ_ij W_ij (∂K/∂θ_t)_ij with W = a aᵀ − K⁻¹; both are symmetric, so the sum runs over the lower
 * triangle with off-diagonal terms doubled. K⁻¹ overwrites the factor (only the lower triangle is formed) and W
 * overwrites K⁻¹.
 */
function gradientFromFactor(
  kernel: Kernel,
  X: Matrix,
  a: Float64Array,
  workspace: LogMarginalLikelihoodWorkspace,
  gradient: Float64Array,
): void {
  const n = X.rows;
  const p = gradient.length;
  const w = workspace.factor.data;
  invertLowerBlock(w, 0, n, n);
  lowerGramBlock(w, 0, n, n);
  for (let i = 0; i < n; i++) {
    const ai = a[i];
    const ri = i * n;
    for (let j = 0; j <= i; j++) w[ri + j] = ai * a[j] - w[ri + j];
  }
  gradient.fill(0);
  const { row, gradientRows } = workspace.rows(p);
  for (let i = 0; i < n; i++) {
    kernel.kRow(X, i, undefined, i + 1, row, 0, gradientRows, 0, n);
    const ri = i * n;
    for (let t = 0; t < p; t++) {
      const g = t * n;
      let s = 0;
      for (let j = 0; j < i; j++) s += w[ri + j] * gradientRows[g + j];
      gradient[t] += 2 * s + w[ri + i] * gradientRows[g + i];
    }
  }
  for (let t = 0; t < p; t++) gradient[t] *= 0.5;
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
