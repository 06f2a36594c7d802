/**
 * Bounded limited-memory BFGS (projected L-BFGS): the search direction is the two-loop recursion of Nocedal &
 * Wright (Numerical Optimization, 2nd ed., Algorithm 7.4), with variables held at an active bound removed from it;
 * steps are projected onto the box and accepted by an Armijo backtracking line search. Exact L-BFGS-B (generalised
 * Cauchy point) is not needed for the small, smooth problems here (GP hyperparameters, logistic weights).
 */
/** Returns f(x) and writes ∇f(x) into `grad` (same length as x). */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

export interface MinimizeOptions {
  lower?: Float64Array;
  upper?: Float64Array;
  maxIterations?: number;
  /** Stop when the projected gradient's largest component is below this. */
  gradientTolerance?: number;
  /** Stop when the relative decrease of f over one iteration is below this. */
  functionTolerance?: number;
  memory?: number;
  /**
   * f alone, for line-search trials, when it is much cheaper than f with ∇f (a finite-difference gradient): the
   * gradient is then evaluated only at accepted points.
   */
  value?: (x: Float64Array) => number;
}

export interface MinimizeResult {
  x: Float64Array;
  f: number;
  iterations: number;
  converged: boolean;
}

export function minimize(objective: Objective, x0: Float64Array, options: MinimizeOptions = {}): MinimizeResult {
  const n = x0.length;
  const lower = options.lower ?? new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
  const upper = options.upper ?? new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  const maxIterations = options.maxIterations ?? 200;
  const gtol = options.gradientTolerance ?? 1e-6;
  const ftol = options.functionTolerance ?? 1e-10;
  const m = options.memory ?? 10;

  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = clamp(x0[i], lower[i], upper[i]);
  const g = new Float64Array(n);
  let f = objective(x, g);
  if (!Number.isFinite(f)) return { x, f, iterations: 0, converged: false };

  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const d = new Float64Array(n);
  const xNew = new Float64Array(n);
  const gNew = new Float64Array(n);
  const alpha = new Float64Array(m);
  const free = new Uint8Array(n);

  let iterations = 0;
  let converged = false;
  for (; iterations < maxIterations; iterations++) {
    if (projectedGradientNorm(x, g, lower, upper) < gtol) {
      converged = true;
      break;
    }
    // A variable at a bound whose gradient pushes it outward stays fixed this iteration.
    for (let i = 0; i < n; i++) {
      const xi = x[i];
      const gi = g[i];
      free[i] = (xi <= lower[i] && gi > 0) || (xi >= upper[i] && gi < 0) ? 0 : 1;
    }
    twoLoop(g, S, Y, rho, free, d, alpha);
    let slope = 0;
    for (let i = 0; i < n; i++) slope += d[i] * g[i];
    if (!(slope < 0)) {
      // Not a descent direction (curvature pairs went stale): restart from steepest descent.
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      slope = 0;
      for (let i = 0; i < n; i++) {
        d[i] = free[i] ? -g[i] : 0;
        slope -= d[i] * d[i];
      }
      if (slope === 0) {
        converged = true;
        break;
      }
    }
    // First iteration: scale the steepest-descent step to a unit move.
    let step = S.length === 0 ? Math.min(1, 1 / Math.max(1e-12, maxAbs(d))) : 1;
    let fNew = Number.NaN;
    let accepted = false;
    for (let k = 0; k < 40; k++) {
      let actualSlope = 0;
      for (let i = 0; i < n; i++) {
        const xi = clamp(x[i] + step * d[i], lower[i], upper[i]);
        xNew[i] = xi;
        actualSlope += g[i] * (xi - x[i]);
      }
      fNew = options.value ? options.value(xNew) : objective(xNew, gNew);
      if (Number.isFinite(fNew) && fNew <= f + 1e-4 * actualSlope) {
        accepted = true;
        break;
      }
      step *= backtrackFactor(f, fNew, actualSlope);
    }
    if (!accepted) break;
    if (options.value) fNew = objective(xNew, gNew);
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    let sy = 0;
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i] - x[i];
      y[i] = gNew[i] - g[i];
      sy += s[i] * y[i];
    }
    const decrease = f - fNew;
    x.set(xNew);
    g.set(gNew);
    const fOld = f;
    f = fNew;
    if (sy > 1e-12) {
      if (S.length === m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
    }
    if (decrease <= ftol * Math.max(Math.abs(fOld), Math.abs(f), 1)) {
      converged = true;
      iterations++;
      break;
    }
  }
  return { x, f, iterations, converged };
}

function twoLoop(
  g: Float64Array,
  S: Float64Array[],
  Y: Float64Array[],
  rho: number[],
  free: Uint8Array,
  d: Float64Array,
  alpha: Float64Array,
): void {
  const n = g.length;
  for (let i = 0; i < n; i++) d[i] = free[i] ? -g[i] : 0;
  const k = S.length;
  for (let j = k - 1; j >= 0; j--) {
    const s = S[j] as Float64Array;
    const y = Y[j] as Float64Array;
    let a = 0;
    for (let i = 0; i < n; i++) if (free[i]) a += s[i] * d[i];
    a *= rho[j];
    alpha[j] = a;
    for (let i = 0; i < n; i++) if (free[i]) d[i] = d[i] - a * y[i];
  }
  if (k > 0) {
    const s = S[k - 1] as Float64Array;
    const y = Y[k - 1] as Float64Array;
    let sy = 0;
    let yy = 0;
    for (let i = 0; i < n; i++) {
      sy += s[i] * y[i];
      yy += y[i] * y[i];
    }
    const gamma = yy > 0 ? sy / yy : 1;
    for (let i = 0; i < n; i++) d[i] = d[i] * gamma;
  }
  for (let j = 0; j < k; j++) {
    const s = S[j] as Float64Array;
    const y = Y[j] as Float64Array;
    let b = 0;
    for (let i = 0; i < n; i++) if (free[i]) b += y[i] * d[i];
    b *= rho[j];
    const a = alpha[j];
    for (let i = 0; i < n; i++) if (free[i]) d[i] = d[i] + (a - b) * s[i];
  }
}

/**
 * The next trial's fraction of the current step: the minimiser of the quadratic through f, the slope and the
 * rejected value (Nocedal & Wright §3.5), kept in [0.1, 0.5] so a poor model neither stalls nor overshoots.
 */
function backtrackFactor(f: number, fTrial: number, slope: number): number {
  if (!Number.isFinite(fTrial) || !(slope < 0)) return 0.5;
  const t = -slope / (2 * (fTrial - f - slope));
  return Number.isFinite(t) ? Math.min(0.5, Math.max(0.1, t)) : 0.5;
}

function projectedGradientNorm(x: Float64Array, g: Float64Array, lower: Float64Array, upper: Float64Array): number {
  let max = 0;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    const pg = clamp(xi - g[i], lower[i], upper[i]) - xi;
    max = Math.max(max, Math.abs(pg));
  }
  return max;
}

function maxAbs(v: Float64Array): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]));
  return m;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}
