/**
 * Cyclic coordinate descent for the elastic net on a centred design (Friedman, Hastie & Tibshirani, "Regularization
 * Paths for Generalized Linear Models via Coordinate Descent", J. Stat. Softw. 33(1), 2010, §2):
 *
 *   minimise P(w) = (1/(2n))‖y − Zw‖² + λ₁‖w‖₁ + (λ₂/2)‖w‖²,   λ₁ = α·l1Ratio, λ₂ = α·(1 − l1Ratio),
 *
 * with Z and y already centred (the intercept is ȳ, outside the problem and unpenalised). One coordinate step is
 * exact: with ρ_j = z_jᵀr/n + d_j w_j (r the residual, d_j = ‖z_j‖²/n),
 *
 *   w_j ← S(ρ_j, λ₁) / (d_j + λ₂),   S(ρ, λ) = sign(ρ)·max(|ρ| − λ, 0).
 *
 * Two bookkeeping schemes, identical in exact arithmetic: "covariance" keeps q = Gw with G = ZᵀZ/n, so
 * z_jᵀr/n = c_j − q_j (c = Zᵀy/n) and a step costs O(p); "residual" keeps r and a step costs O(n).
 *
 * Convergence is by duality gap (the certificate scikit-learn's cd_fast uses), computed after every full sweep:
 * the fit stops when gap ≤ tolerance · ‖y‖²/n, or when a sweep changes no coefficient at all (a fixed point of
 * cyclic descent on this objective is its minimiser).
 */

/** Which quantities the solver keeps up to date; see the file comment. */
export type CoordinateDescentMethod = "covariance" | "residual";

/** The data of one problem, prepared once and reused along a regularisation path. */
export interface ElasticNetProblem {
  readonly rows: number;
  readonly cols: number;
  readonly method: CoordinateDescentMethod;
  /** c = Zᵀy/n. */
  readonly xty: Float64Array;
  /** d_j = ‖z_j‖²/n (1 for a standardised column, 0 for a constant one). */
  readonly diagonal: Float64Array;
  /** ‖y‖²/n of the centred target. */
  readonly yy: number;
  /** Covariance method: G = ZᵀZ/n, p × p. */
  readonly gram: Float64Array | null;
  /** Residual method: Zᵀ (p × n), so each column of Z is contiguous. */
  readonly columns: Float64Array | null;
  /** Residual method: the centred target. */
  readonly target: Float64Array | null;
}

export interface CoordinateDescentOptions {
  /** Full sweeps over the coordinates before giving up (scikit-learn's `max_iter`). */
  maxIterations: number;
  /** Stop when the duality gap is below `tolerance · ‖y‖²/n` (scikit-learn's `tol`, in its scaling). */
  tolerance: number;
}

export interface CoordinateDescentResult {
  /** Full sweeps done. */
  iterations: number;
  /** P(w) − D(θ) at the returned w, in the 1/n-scaled objective above; ≥ 0 up to rounding. */
  dualityGap: number;
  converged: boolean;
}

/**
 * Prepares the problem for a centred (and usually standardised) Z, n × p row-major, and a centred y.
 * "covariance" forms G in O(np²) once; it pays off when n ≥ p, which is what "auto" picks (up to p = 1024).
 */
export function elasticNetProblem(
  Z: { rows: number; cols: number; data: Float64Array },
  y: Float64Array,
  method: CoordinateDescentMethod | "auto" = "auto",
): ElasticNetProblem {
  const { rows: n, cols: p, data } = Z;
  const chosen: CoordinateDescentMethod =
    method === "auto" ? (p <= n && p <= 1024 ? "covariance" : "residual") : method;
  const inv = n > 0 ? 1 / n : 0;
  const xty = new Float64Array(p);
  const diagonal = new Float64Array(p);
  let yy = 0;
  for (let i = 0; i < n; i++) {
    const base = i * p;
    const yi = y[i];
    yy += yi * yi;
    for (let j = 0; j < p; j++) {
      const v = data[base + j];
      xty[j] += v * yi;
      diagonal[j] += v * v;
    }
  }
  for (let j = 0; j < p; j++) {
    xty[j] *= inv;
    diagonal[j] *= inv;
  }
  yy *= inv;
  if (chosen === "covariance") {
    const gram = new Float64Array(p * p);
    for (let i = 0; i < n; i++) {
      const base = i * p;
      for (let j = 0; j < p; j++) {
        const v = data[base + j];
        if (v === 0) continue;
        const g = j * p;
        for (let k = 0; k <= j; k++) gram[g + k] += v * data[base + k];
      }
    }
    for (let j = 0; j < p; j++)
      for (let k = 0; k <= j; k++) {
        const v = gram[j * p + k] * inv;
        gram[j * p + k] = v;
        gram[k * p + j] = v;
      }
    return { rows: n, cols: p, method: chosen, xty, diagonal, yy, gram, columns: null, target: null };
  }
  const columns = new Float64Array(p * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) columns[j * n + i] = data[i * p + j];
  return { rows: n, cols: p, method: chosen, xty, diagonal, yy, gram: null, columns, target: Float64Array.from(y) };
}

/**
 * Minimises P(w) from the given `w` (a warm start; zeros for a cold one), overwriting it with the solution.
 * `l1` and `l2` are λ₁ and λ₂; λ₁ must be positive, since the gap's dual point is found by scaling the residual
 * into the λ₁-ball (with λ₁ = 0 that ball is a point and the gap never closes).
 */
export function coordinateDescent(
  problem: ElasticNetProblem,
  l1: number,
  l2: number,
  w: Float64Array,
  options: CoordinateDescentOptions,
): CoordinateDescentResult {
  const p = problem.cols;
  if (w.length !== p) throw new RangeError(`expected ${p} starting coefficients, got ${w.length}`);
  if (!(l1 > 0) || !(l2 >= 0)) throw new RangeError(`penalties must be l1 > 0, l2 ≥ 0 (got ${l1}, ${l2})`);
  const state = problem.method === "covariance" ? new CovarianceState(problem, w) : new ResidualState(problem, w);
  const { diagonal } = problem;
  const threshold = options.tolerance * problem.yy;
  let dualityGap = state.gap(l1, l2, w);
  let iterations = 0;
  let isFixedPoint = false;
  while (dualityGap > threshold && !isFixedPoint && iterations < options.maxIterations) {
    let maxChange = 0;
    for (let j = 0; j < p; j++) {
      const old = w[j];
      const d = diagonal[j];
      const rho = state.correlation(j) + d * old;
      const denominator = d + l2;
      const magnitude = Math.abs(rho) - l1;
      const next = magnitude > 0 && denominator > 0 ? (Math.sign(rho) * magnitude) / denominator : 0;
      if (next !== old) {
        w[j] = next;
        state.move(j, next - old);
        maxChange = Math.max(maxChange, Math.abs(next - old));
      }
    }
    iterations++;
    dualityGap = state.gap(l1, l2, w);
    isFixedPoint = maxChange === 0;
  }
  return { iterations, dualityGap, converged: dualityGap <= threshold || isFixedPoint };
}

/** What the sweep needs from either bookkeeping scheme. */
interface SolverState {
  /** z_jᵀr/n at the current w. */
  correlation(j: number): number;
  /** Records w_j += delta. */
  move(j: number, delta: number): void;
  gap(l1: number, l2: number, w: Float64Array): number;
}

class CovarianceState implements SolverState {
  /** q = Gw. */
  private readonly q: Float64Array;

  constructor(
    private readonly problem: ElasticNetProblem,
    w: Float64Array,
  ) {
    const p = problem.cols;
    const gram = problem.gram as Float64Array;
    this.q = new Float64Array(p);
    for (let k = 0; k < p; k++) {
      if (w[k] === 0) continue;
      for (let j = 0; j < p; j++) this.q[j] += gram[j * p + k] * w[k];
    }
  }

  correlation(j: number): number {
    return this.problem.xty[j] - this.q[j];
  }

  move(j: number, delta: number): void {
    const p = this.problem.cols;
    const gram = this.problem.gram as Float64Array;
    // G is symmetric, so row j is column j, and contiguous.
    const base = j * p;
    for (let k = 0; k < p; k++) this.q[k] += delta * gram[base + k];
  }

  gap(l1: number, l2: number, w: Float64Array): number {
    const { xty, yy } = this.problem;
    // ‖r‖²/n = ‖y‖²/n − 2wᵀc + wᵀGw and rᵀy/n = ‖y‖²/n − wᵀc, with r = y − Zw.
    let wc = 0;
    let wq = 0;
    for (let j = 0; j < w.length; j++) {
      wc += w[j] * xty[j];
      wq += w[j] * this.q[j];
    }
    return dualityGap(yy - 2 * wc + wq, yy - wc, (j) => xty[j] - this.q[j], w, l1, l2);
  }
}

class ResidualState implements SolverState {
  /** r = y − Zw. */
  private readonly r: Float64Array;
  /** Scratch for Zᵀr/n in the gap. */
  private readonly correlations: Float64Array;

  constructor(
    private readonly problem: ElasticNetProblem,
    w: Float64Array,
  ) {
    this.r = Float64Array.from(problem.target as Float64Array);
    this.correlations = new Float64Array(problem.cols);
    for (let j = 0; j < w.length; j++) if (w[j] !== 0) this.move(j, w[j]);
  }

  correlation(j: number): number {
    const n = this.problem.rows;
    const columns = this.problem.columns as Float64Array;
    const base = j * n;
    let s = 0;
    for (let i = 0; i < n; i++) s += columns[base + i] * this.r[i];
    return n > 0 ? s / n : 0;
  }

  move(j: number, delta: number): void {
    const n = this.problem.rows;
    const columns = this.problem.columns as Float64Array;
    const base = j * n;
    for (let i = 0; i < n; i++) this.r[i] -= delta * columns[base + i];
  }

  gap(l1: number, l2: number, w: Float64Array): number {
    const n = this.problem.rows;
    const y = this.problem.target as Float64Array;
    let rr = 0;
    let ry = 0;
    for (let i = 0; i < n; i++) {
      rr += this.r[i] * this.r[i];
      ry += this.r[i] * y[i];
    }
    const inv = n > 0 ? 1 / n : 0;
    const correlations = this.correlations;
    for (let j = 0; j < w.length; j++) correlations[j] = this.correlation(j);
    return dualityGap(rr * inv, ry * inv, (j) => correlations[j], w, l1, l2);
  }
}

/**
 * The elastic net is a lasso on the augmented design [Z; √(nλ₂)I] with target [y; 0]; its dual point is the
 * augmented residual scaled into the feasible set, θ = κ·r̃ with κ = min(1, λ₁/‖Z̃ᵀr̃/n‖∞) and
 * Z̃ᵀr̃/n = Zᵀr/n − λ₂w. Then P − D = ½(1 + κ²)(‖r‖²/n + λ₂‖w‖²) + λ₁‖w‖₁ − κ·rᵀy/n, which is scikit-learn's
 * cd_fast gap divided by n.
 */
function dualityGap(
  rr: number,
  ry: number,
  correlation: (j: number) => number,
  w: Float64Array,
  l1: number,
  l2: number,
): number {
  let dualNorm = 0;
  let l1Norm = 0;
  let l2Norm = 0;
  for (let j = 0; j < w.length; j++) {
    dualNorm = Math.max(dualNorm, Math.abs(correlation(j) - l2 * w[j]));
    l1Norm += Math.abs(w[j]);
    l2Norm += w[j] * w[j];
  }
  const kappa = dualNorm > l1 ? l1 / dualNorm : 1;
  const k2 = 1 + kappa * kappa;
  return 0.5 * k2 * (rr + l2 * l2Norm) + l1 * l1Norm - kappa * ry;
}
