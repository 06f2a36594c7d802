/**
 * The Kalman filter with the deterministic terms marginalised in closed form (de Jong, "The diffuse Kalman
 * filter", Annals of Statistics 1991; Durbin & Koopman, Time Series Analysis by State Space Methods, §6.2).
 * Constant, DotProduct and undamped periodic terms have no process noise: their contribution is Φβ, with
 * φ(x) = H_D A_D(x − x₀) and the initial state β ~ N(0, B). With Σ the covariance of the stochastic terms plus noise,
 *   y ~ N(0, Σ + Φ B Φᵀ),  M = B⁻¹ + Φᵀ Σ⁻¹ Φ,
 *   log p(y) = −½ [n log 2π + log|Σ| + log|B| + log|M| + yᵀΣ⁻¹y − bᵀ M⁻¹ b],  b = Φᵀ Σ⁻¹ y,
 * by the determinant lemma and Woodbury. Σ⁻¹ enters only through one filter pass of the stochastic part over
 * the columns [y, Φ], whose covariance recursion converges to steady state; the full filter would carry the
 * deterministic states in its covariance, never converge (their variance shrinks like 1/n), and cost
 * O(n · d²) with d the full state size.
 */
import {
  type CholeskyFactor,
  choleskyInverse,
  choleskySolve,
  logDeterminantFromCholesky,
  tryCholeskyWithJitter,
} from "../../linalg/cholesky.js";
import { matrixFrom } from "../../linalg/matrix.js";
import { DiscretizationCache, type FilterResult, filterColumns, kalmanFilter } from "./kalman-filter.js";
import type { StateSpaceModel } from "./state-space-model.js";

/**
 * Columns [y, φ(x_k)] ((1 + p) × n, column after column) for fixed inputs, reused while the deterministic terms' basis stays the same
 * (an optimiser changing only variances, length scales of the stochastic terms or the noise).
 */
export class BasisCache {
  private key = "";
  private columns: Float64Array | undefined;

  constructor(
    private readonly x: Float64Array,
    private readonly y: Float64Array,
  ) {}

  columnsFor(deterministic: StateSpaceModel): Float64Array {
    if (this.columns === undefined || this.key !== deterministic.basisKey) {
      this.columns = basisColumns(deterministic, this.x, this.y);
      this.key = deterministic.basisKey;
    }
    return this.columns;
  }
}

/**
 * log p(y) and the filtered state after the last input, in the full model's state coordinates; the same
 * values as `kalmanFilter(model, …)` up to round-off. `basis` must have been made for the same x and y.
 */
export function augmentedFilter(
  model: StateSpaceModel,
  x: Float64Array,
  y: Float64Array,
  noise: number,
  basis: BasisCache = new BasisCache(x, y),
): FilterResult {
  const parts = model.split();
  if (parts === undefined) return kalmanFilter(model, x, y, noise);
  const { stochastic, deterministic, stochasticIndex, deterministicIndex } = parts;
  const n = x.length;
  const p = deterministic.dim;
  const c = 1 + p;
  const columns = basis.columnsFor(deterministic);

  const r = filterColumns(stochastic, x, columns, c, noise);
  const failed: FilterResult = {
    logLikelihood: Number.NEGATIVE_INFINITY,
    steadyFrom: r.steadyFrom,
    x: x[n - 1],
    mean: new Float64Array(model.dim),
    cov: new Float64Array(model.dim * model.dim),
  };
  if (!r.ok) return failed;

  // B (prior of the deterministic state at x₀) and M = B⁻¹ + Φᵀ Σ⁻¹ Φ, both p × p.
  const B = deterministic.initialCovariance(x[0]);
  const factorB = tryFactor(B, p);
  if (factorB === undefined) return failed;
  const Binv = choleskyInverse(factorB.L).data;
  const Mmat = new Float64Array(p * p);
  const b = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    b[i] = r.gram[(1 + i) * c];
    for (let j = 0; j < p; j++) Mmat[i * p + j] = Binv[i * p + j] + r.gram[(1 + i) * c + 1 + j];
  }
  const factorM = tryFactor(Mmat, p);
  if (factorM === undefined) return failed;
  const beta = choleskySolve(factorM.L, b);
  let quadratic = r.gram[0];
  for (let i = 0; i < p; i++) quadratic -= b[i] * beta[i];
  const logLikelihood =
    -0.5 *
    (n * Math.log(2 * Math.PI) +
      r.logDetSigma +
      logDeterminantFromCholesky(factorB.L) +
      logDeterminantFromCholesky(factorM.L) +
      quadratic);

  // The end state: β ~ N(β̂, M⁻¹); the stochastic state given β is N(m_y − M_Φ β, P_n); the deterministic state
  // at the last input is T β with T = A_D(x_n − x₀).
  const ds = stochastic.dim;
  const Minv = choleskyInverse(factorM.L).data;
  const T = deterministic.transition(x[n - 1] - x[0]);
  // Stochastic means of the Φ columns (ds × p), and W = M_Φ M⁻¹ (ds × p).
  const MPhi = new Float64Array(ds * p);
  for (let i = 0; i < ds; i++) for (let j = 0; j < p; j++) MPhi[i * p + j] = r.means[i * c + 1 + j];
  const W = multiply(MPhi, Minv, ds, p, p);
  // Cross blocks with the deterministic state z = T β: cov(s, z) = −W Tᵀ, cov(z) = T M⁻¹ Tᵀ.
  const Tt = transposeOf(T, p);
  const sz = multiply(W, Tt, ds, p, p);
  const zz = multiply(multiply(T, Minv, p, p, p), Tt, p, p, p);
  const zMean = multiply(T, beta, p, p, 1);

  const d = model.dim;
  const mean = new Float64Array(d);
  const cov = new Float64Array(d * d);
  for (let i = 0; i < ds; i++) {
    let s = r.means[i * c];
    for (let j = 0; j < p; j++) s -= MPhi[i * p + j] * beta[j];
    mean[stochasticIndex[i]] = s;
    for (let k = 0; k < ds; k++) {
      // P_n + M_Φ M⁻¹ M_Φᵀ.
      let v = r.cov[i * ds + k];
      for (let j = 0; j < p; j++) v += W[i * p + j] * MPhi[k * p + j];
      cov[stochasticIndex[i] * d + stochasticIndex[k]] = v;
    }
    for (let k = 0; k < p; k++) {
      cov[stochasticIndex[i] * d + deterministicIndex[k]] = -sz[i * p + k];
      cov[deterministicIndex[k] * d + stochasticIndex[i]] = -sz[i * p + k];
    }
  }
  for (let i = 0; i < p; i++) {
    mean[deterministicIndex[i]] = zMean[i];
    for (let k = 0; k < p; k++) cov[deterministicIndex[i] * d + deterministicIndex[k]] = zz[i * p + k];
  }
  return { logLikelihood, steadyFrom: r.steadyFrom, x: x[n - 1], mean, cov };
}

/** [y, φ(x_k)] column after column (c × n), with φ stepped as φ_k = φ_{k−1} A_D(Δ_k) from φ_0 = H_D. */
function basisColumns(deterministic: StateSpaceModel, x: Float64Array, y: Float64Array): Float64Array {
  const n = x.length;
  const p = deterministic.dim;
  const c = 1 + p;
  const columns = new Float64Array(n * c);
  const cache = new DiscretizationCache(deterministic);
  const phi = deterministic.H.slice();
  const next = new Float64Array(p);
  for (let k = 0; k < n; k++) {
    if (k > 0) {
      const { rowStart, colIndex, values } = cache.get(x[k] - x[k - 1]);
      next.fill(0);
      for (let i = 0; i < p; i++) {
        const pi = phi[i];
        if (pi === 0) continue;
        for (let q = rowStart[i]; q < rowStart[i + 1]; q++) next[colIndex[q]] += pi * values[q];
      }
      phi.set(next);
    }
    columns[k] = y[k];
    for (let i = 0; i < p; i++) columns[(1 + i) * n + k] = phi[i];
  }
  return columns;
}

/** Undefined when not positive definite even with jitter: that θ has no finite likelihood (the optimiser steps back). */
function tryFactor(a: Float64Array, p: number): CholeskyFactor | undefined {
  return tryCholeskyWithJitter(matrixFrom(p, p, a), { maxJitter: 1e-8 });
}

/** (r × k) · (k × c), row-major. */
function multiply(a: Float64Array, b: Float64Array, r: number, k: number, c: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) {
    for (let q = 0; q < k; q++) {
      const v = a[i * k + q];
      if (v === 0) continue;
      for (let j = 0; j < c; j++) out[i * c + j] += v * b[q * c + j];
    }
  }
  return out;
}

function transposeOf(a: Float64Array, p: number): Float64Array {
  const out = new Float64Array(p * p);
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) out[j * p + i] = a[i * p + j];
  return out;
}
