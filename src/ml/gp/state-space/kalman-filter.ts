/**
 * The Kalman filter of a state-space GP over sorted inputs: the log marginal likelihood by the prediction-error
 * decomposition, log p(y) = −½ Σ_k (log 2πS_k + v_k² / S_k) with innovations v_k and their variances S_k (Särkkä,
 * Bayesian Filtering and Smoothing, 2013, §4.3 and §12.3), and the filtered state after the last input, from which
 * forecasts and further observations continue. O(n · d²) instead of the dense path's O(n³).
 *
 * The covariance recursion does not depend on the data, so one pass can filter several columns at once (the
 * augmented filter of `augmented-filter.ts` whitens y and the basis of the deterministic terms together): the
 * gain is shared and each column keeps its own state mean. Innovations v/√S are the columns premultiplied by
 * L⁻¹ where L Lᵀ is the columns' covariance, so their Gram matrix is Cᵀ Σ⁻¹ C.
 *
 * On a regular grid the covariance recursion converges to the steady state of the Riccati equation within a few
 * hundred steps; once two predicted covariances 16 steps apart agree to round-off the filter keeps that
 * covariance, gain and innovation variance, and each later step costs one sparse A·m per column. A step with
 * another spacing resumes the full recursion from the kept covariance.
 */
import { gemm } from "../../linalg/gemm.js";
import type { Discretization, StateSpaceModel } from "./state-space-model.js";

/** The filtered Gaussian over the state after the last observation. */
export interface FilteredState {
  x: number;
  mean: Float64Array;
  /** d × d row-major. */
  cov: Float64Array;
}

export interface FilterResult extends FilteredState {
  logLikelihood: number;
  /** Index of the observation from which the steady-state shortcut ran (the last time it started), or −1. */
  steadyFrom: number;
}

/** What a multi-column pass returns: Σ log S_k, the Gram matrix of the whitened columns, and the end state. */
export interface ColumnsFilterResult {
  logDetSigma: number;
  /** c × c, Cᵀ Σ⁻¹ C. */
  gram: Float64Array;
  /** d × c: the filtered state mean of each column after the last input. */
  means: Float64Array;
  cov: Float64Array;
  x: number;
  steadyFrom: number;
  /** False when an innovation variance was not positive (the likelihood is then −∞). */
  ok: boolean;
}

/** Relative change of the predicted covariance below which the filter is taken to be in steady state. */
const STEADY_TOLERANCE = 1e-13;
/** Relative difference below which two spacings are the same one. */
const SAME_SPACING = 1e-10;
/** Steady state is looked for every this many steps (each look copies and compares d² values). */
const STEADY_CHECK_EVERY = 16;

/**
 * Discretisations by spacing, so a regular grid builds A(Δ) and Q(Δ) once. Spacings that differ only by round-off
 * (x = i / 12 gives differences that vary in the last bits) share one entry and count as the same spacing.
 */
export class DiscretizationCache {
  private readonly entries = new Map<number, Discretization>();
  private lastKey = Number.NaN;
  private last: Discretization | undefined;
  constructor(private readonly model: StateSpaceModel) {}

  /** The spacing as stored: dt rounded to 12 significant digits. */
  key(dt: number): number {
    if (Math.abs(dt - this.lastKey) <= SAME_SPACING * Math.abs(dt)) return this.lastKey;
    return dt === 0 ? 0 : Number(dt.toPrecision(12));
  }

  get(dt: number): Discretization {
    const key = this.key(dt);
    if (key === this.lastKey && this.last !== undefined) return this.last;
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = this.model.discretize(key);
      // Irregular inputs would grow the map without bound; keep the most recent few.
      if (this.entries.size >= 64) this.entries.clear();
      this.entries.set(key, entry);
    }
    this.lastKey = key;
    this.last = entry;
    return entry;
  }
}

/**
 * Filters y at ascending x with observation variance `noise` (the kernel's White noise plus any jitter), from
 * the prior at x[0], or from `start` (a previous filter's end) when given, in which case x[0] ≥ start.x.
 */
export function kalmanFilter(
  model: StateSpaceModel,
  x: Float64Array,
  y: Float64Array,
  noise: number,
  start?: FilteredState,
): FilterResult {
  const r = filterColumns(model, x, y, 1, noise, start);
  const logLikelihood = r.ok
    ? -0.5 * (x.length * Math.log(2 * Math.PI) + r.logDetSigma + r.gram[0])
    : Number.NEGATIVE_INFINITY;
  return { logLikelihood, steadyFrom: r.steadyFrom, x: r.x, mean: r.means, cov: r.cov };
}

/**
 * Filters c columns (stored column after column: c × n row-major) observed at ascending x through one covariance recursion. A model of
 * dimension 0 (pure noise) whitens by √noise.
 */
export function filterColumns(
  model: StateSpaceModel,
  x: Float64Array,
  columns: Float64Array,
  c: number,
  noise: number,
  start?: FilteredState,
): ColumnsFilterResult {
  const d = model.dim;
  const H = model.H;
  const n = x.length;
  const cache = new DiscretizationCache(model);
  let M = new Float64Array(d * c);
  if (start) M.set(start.mean);
  // A·M goes into the spare buffer and the two swap: no copy, no allocation per step.
  let spare = new Float64Array(d * c);
  const P = start ? start.cov.slice() : model.initialCovariance(x[0]);
  const work = new Float64Array(d * d);
  const pht = new Float64Array(d);
  const gain = new Float64Array(d);
  const v = new Float64Array(c);
  const gram = new Float64Array(c * c);
  // Whitened innovations, c × n like the columns: their Gram matrix is one GEMM at the end, not c² / 2 updates a step.
  const whitened = new Float64Array(c * n);
  let prevX = start ? start.x : x[0];
  let previousPrior: Float64Array | undefined;
  let previousDt = Number.NaN;
  let steady = false;
  let S = noise;
  let steadyFrom = -1;
  let logDetSigma = 0;

  for (let k = 0; k < n; k++) {
    if (steady && d > 0) {
      // The run of steps at the steady spacing, filtered column by column with the frozen gain.
      let end = k;
      while (end < n && cache.key(x[end] - x[end - 1]) === previousDt) end++;
      if (end > k) {
        steadyRun(cache.get(previousDt), H, gain, S, columns, n, c, M, whitened, k, end);
        logDetSigma += (end - k) * Math.log(S);
        prevX = x[end - 1];
        k = end - 1;
        continue;
      }
    }
    const dt = cache.key(x[k] - prevX);
    prevX = x[k];
    const moves = k > 0 || start !== undefined;
    if (steady && dt !== previousDt) steady = false;
    if (moves && d > 0) {
      const disc = cache.get(dt);
      sparseTimesColumns(disc, M, spare, d, c);
      const swap = M;
      M = spare;
      spare = swap;
      if (!steady) predictCovariance(disc, P, work, d);
    }
    if (!steady) {
      const phase = k % STEADY_CHECK_EVERY;
      if (phase === 0 && moves && dt === previousDt && previousPrior !== undefined && converged(P, previousPrior)) {
        steady = true;
        steadyFrom = k;
      }
      if (phase === STEADY_CHECK_EVERY - 1 && moves) {
        previousPrior = previousPrior ?? new Float64Array(d * d);
        previousPrior.set(P);
      }
      previousDt = dt;
      // S = H P Hᵀ + R, gain K = P Hᵀ / S; P ← P − P Hᵀ H P / S.
      S = noise;
      for (let i = 0; i < d; i++) {
        let s = 0;
        const row = i * d;
        for (let j = 0; j < d; j++) s += P[row + j] * H[j];
        pht[i] = s;
        S += H[i] * s;
      }
      if (!(S > 0)) return { logDetSigma, gram, means: M, cov: P, x: prevX, steadyFrom, ok: false };
      for (let i = 0; i < d; i++) gain[i] = pht[i] / S;
      for (let i = 0; i < d; i++) {
        const a = gain[i];
        const row = i * d;
        for (let j = 0; j <= i; j++) P[row + j] -= a * pht[j];
      }
      mirror(P, d);
    }
    // Innovations of every column, their whitened Gram matrix, and the mean updates with the shared gain.
    for (let j = 0; j < c; j++) v[j] = columns[j * n + k];
    for (let i = 0; i < d; i++) {
      const h = H[i];
      if (h === 0) continue;
      const row = i * c;
      for (let j = 0; j < c; j++) v[j] -= h * M[row + j];
    }
    logDetSigma += Math.log(S);
    const scale = 1 / Math.sqrt(S);
    for (let j = 0; j < c; j++) whitened[j * n + k] = v[j] * scale;
    for (let i = 0; i < d; i++) {
      const g = gain[i];
      const row = i * c;
      for (let j = 0; j < c; j++) M[row + j] += g * v[j];
    }
  }
  gemm(false, true, c, c, n, 1, whitened, 0, n, whitened, 0, n, gram, 0, c, "lower");
  for (let a = 0; a < c; a++) for (let b = 0; b < a; b++) gram[b * c + a] = gram[a * c + b];
  return { logDetSigma, gram, means: M, cov: P, x: prevX, steadyFrom, ok: true };
}

/**
 * Mean and variance of f at ascending xs ≥ state.x, propagating the filtered state forward (no observations).
 * Returns the latent variance H P Hᵀ; callers add observation noise where they predict y.
 */
export function propagate(
  model: StateSpaceModel,
  state: FilteredState,
  xs: Float64Array,
): { mean: Float64Array; variance: Float64Array } {
  const d = model.dim;
  const H = model.H;
  const cache = new DiscretizationCache(model);
  const m = state.mean.slice();
  const P = state.cov.slice();
  const work = new Float64Array(d * d);
  const next = new Float64Array(d);
  const mean = new Float64Array(xs.length);
  const variance = new Float64Array(xs.length);
  let prevX = state.x;
  for (let k = 0; k < xs.length; k++) {
    const disc = cache.get(xs[k] - prevX);
    prevX = xs[k];
    sparseTimesColumns(disc, m, next, d, 1);
    m.set(next);
    predictCovariance(disc, P, work, d);
    let mu = 0;
    let vr = 0;
    for (let i = 0; i < d; i++) {
      mu += H[i] * m[i];
      let s = 0;
      for (let j = 0; j < d; j++) s += P[i * d + j] * H[j];
      vr += H[i] * s;
    }
    mean[k] = mu;
    variance[k] = Math.max(vr, 0);
  }
  return { mean, variance };
}

/**
 * Steps start … end − 1 at one spacing in steady state: per column, m ← A m, v = y − H m, m += K v, the whitened
 * innovation v / √S stored. Column by column keeps one small state in cache, where the step-major loop of the
 * main filter walks all c columns' states each step. Bit-for-bit the same arithmetic as the main loop.
 */
function steadyRun(
  disc: Discretization,
  H: Float64Array,
  gain: Float64Array,
  S: number,
  columns: Float64Array,
  n: number,
  c: number,
  M: Float64Array,
  whitened: Float64Array,
  start: number,
  end: number,
): void {
  const d = H.length;
  const { rowStart, colIndex, values } = disc;
  const m = new Float64Array(d);
  const next = new Float64Array(d);
  const scale = 1 / Math.sqrt(S);
  for (let j = 0; j < c; j++) {
    for (let i = 0; i < d; i++) m[i] = M[i * c + j];
    for (let k = start; k < end; k++) {
      for (let i = 0; i < d; i++) {
        let s = 0;
        for (let q = rowStart[i]; q < rowStart[i + 1]; q++) s += values[q] * m[colIndex[q]];
        next[i] = s;
      }
      let v = columns[j * n + k];
      for (let i = 0; i < d; i++) v -= H[i] * next[i];
      for (let i = 0; i < d; i++) m[i] = next[i] + gain[i] * v;
      whitened[j * n + k] = v * scale;
    }
    for (let i = 0; i < d; i++) M[i * c + j] = m[i];
  }
}

/** out (d × c) = A · M with A sparse. */
function sparseTimesColumns(disc: Discretization, M: Float64Array, out: Float64Array, d: number, c: number): void {
  const { rowStart, colIndex, values } = disc;
  out.fill(0);
  for (let i = 0; i < d; i++) {
    const row = i * c;
    for (let p = rowStart[i]; p < rowStart[i + 1]; p++) {
      const a = values[p];
      const src = colIndex[p] * c;
      for (let j = 0; j < c; j++) out[row + j] += a * M[src + j];
    }
  }
}

/** P ← A P Aᵀ + Q with A sparse: T = A P, then (T Aᵀ) on the lower triangle, mirrored. */
function predictCovariance(disc: Discretization, P: Float64Array, T: Float64Array, d: number): void {
  const { rowStart, colIndex, values, Q } = disc;
  T.fill(0, 0, d * d);
  for (let i = 0; i < d; i++) {
    const out = i * d;
    for (let p = rowStart[i]; p < rowStart[i + 1]; p++) {
      const a = values[p];
      const src = colIndex[p] * d;
      for (let j = 0; j < d; j++) T[out + j] += a * P[src + j];
    }
  }
  for (let i = 0; i < d; i++) {
    const row = i * d;
    for (let j = 0; j <= i; j++) {
      let s = Q[row + j];
      for (let p = rowStart[j]; p < rowStart[j + 1]; p++) s += T[row + colIndex[p]] * values[p];
      P[row + j] = s;
    }
  }
  mirror(P, d);
}

function mirror(P: Float64Array, d: number): void {
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < i; j++) P[j * d + i] = P[i * d + j];
  }
}

function converged(P: Float64Array, previous: Float64Array): boolean {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < P.length; i++) {
    scale = Math.max(scale, Math.abs(P[i]));
    diff = Math.max(diff, Math.abs(P[i] - previous[i]));
  }
  return diff <= STEADY_TOLERANCE * scale;
}
