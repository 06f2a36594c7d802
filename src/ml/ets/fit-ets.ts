import { minimize } from "../optim/lbfgs.js";
import { etsFilter } from "./ets-filter.js";
import {
  copyStates,
  type EtsConfig,
  type EtsSmoothing,
  type EtsStates,
  emptyStates,
  errorOf,
  etsName,
  freeParameterCount,
  hasSeason,
  hasTrend,
  observedCount,
} from "./ets-model.js";
import { aic, aicc, bic, gaussianLogLikelihood, relativeErrorLogLikelihood } from "./information-criteria.js";
import { initialStates } from "./initial-states.js";

/** A fitted ETS model: parameters, initial and final states, fit statistics, all in the data's units. */
export interface EtsFit {
  config: EtsConfig;
  /** e.g. "ETS(A,Ad,M)". */
  name: string;
  smoothing: EtsSmoothing;
  /** States before the first observation (x₀). */
  initial: EtsStates;
  /** States after the last observation (x_T), where forecasts start. */
  final: EtsStates;
  /** Sum of squared one-step errors ε_t (relative errors (y − μ)/μ under a multiplicative error). */
  sse: number;
  /**
   * Variance of ε, SSE / (n − p), p the free parameters (R's forecast::ets convention); a relative variance under
   * a multiplicative error.
   */
  sigma2: number;
  /** Observed (non-missing) values n. */
  observations: number;
  /** k = p + 1, the parameters the information criteria count (σ² included). */
  parameters: number;
  logLikelihood: number;
  aic: number;
  aicc: number;
  bic: number;
  /** One-step fitted values μ_t at every position of y. */
  fitted: Float64Array;
}

export interface FitEtsOptions {
  /** Hold these smoothing parameters fixed and estimate only the initial states (a champion's replay). */
  smoothing?: EtsSmoothing;
  maxIterations?: number;
}

// The "usual" region (Hyndman et al. 2008, ch. 5 and 10; the default of R's forecast::ets): 0 < α < 1,
// 0 < β < α, 0 < γ < 1 − α, 0.8 ≤ φ ≤ 0.98. β and γ are searched as fractions β* = β/α and γ* = γ/(1 − α) of
// their upper limits, which turns the coupled region into a box the bounded L-BFGS can project onto.
const SMOOTHING_LOWER = 1e-4;
const SMOOTHING_UPPER = 0.9999;
const PHI_LOWER = 0.8;
const PHI_UPPER = 0.98;
/** Multiplicative seasonal factors stay positive (μ = base · s), in (0.001, m). */
const FACTOR_LOWER = 1e-3;
/** Starting smoothing values (α, β*, γ*, φ): a slowly and a quickly adapting start, the better fit is kept. */
const STARTS: readonly [number, number, number, number][] = [
  [0.2, 0.1, 0.1, 0.95],
  [0.7, 0.3, 0.3, 0.9],
];

/**
 * Fits ETS(E, T, S) to y (NaN marks a missing value) by maximum likelihood: the initial states start at the
 * heuristic of {@link initialStates} and, with the smoothing parameters, minimise the concentrated negative
 * log-likelihood (n/2) log SSE, plus Σ log μ_t under a multiplicative error (Hyndman et al. 2008, ch. 5: σ² is
 * concentrated out) with the bounded L-BFGS and a
 * central-difference gradient (a handful of parameters, each difference one O(n) filter pass). The series is
 * divided by its mean absolute value first, so every state is of order one for the optimiser; the recursion is
 * homogeneous of degree one in (y, ℓ, b, additive s), so the states scale back exactly.
 */
export function fitEts(y: Float64Array, config: EtsConfig, options: FitEtsOptions = {}): EtsFit {
  const n = observedCount(y);
  const scale = meanAbs(y) || 1;
  const ys = y.map((v) => v / scale);
  const layout = parameterLayout(config, options.smoothing === undefined);
  const heuristic = initialStates(config, ys);
  const { lower, upper } = bounds(config, layout);

  const smoothing: EtsSmoothing = options.smoothing
    ? { ...options.smoothing }
    : { alpha: 0, beta: 0, gamma: 0, phi: config.trend === "damped" ? 0 : 1 };
  const initial = emptyStates(config);
  const final = emptyStates(config);
  const unpack = (x: Float64Array): void => unpackParameters(config, layout, x, smoothing, initial);
  const relative = errorOf(config) === "multiplicative";
  const means = relative ? new Float64Array(ys.length) : undefined;
  const objective = (x: Float64Array): number => {
    unpack(x);
    const sse = etsFilter(config, smoothing, initial, ys, final, means);
    if (!Number.isFinite(sse)) return Number.POSITIVE_INFINITY;
    // Floor SSE so an exact fit (e.g. a noiseless line under Holt's method) stays finite. The multiplicative
    // error adds Σ log μ_t (see information-criteria.ts); on the scaled series it differs by n log(scale), a
    // constant.
    const f = 0.5 * n * Math.log(Math.max(sse, 1e-20 * n));
    return means ? f + sumLogObserved(means, ys) : f;
  };

  let best: { x: Float64Array; f: number } | null = null;
  const starts = options.smoothing ? STARTS.slice(0, 1) : STARTS;
  for (const start of starts) {
    const x0 = packStart(config, layout, start, heuristic);
    const result = minimize(centralDifference(objective, lower, upper), x0, {
      lower,
      upper,
      maxIterations: options.maxIterations ?? 300,
      gradientTolerance: 1e-6,
    });
    if (Number.isFinite(result.f) && (best === null || result.f < best.f)) best = { x: result.x, f: result.f };
  }
  const x = best ? best.x : packStart(config, layout, STARTS[0], heuristic);
  unpack(x);
  // Back to the data's units, then one filter pass on the original series for exact residuals and states.
  initial.level *= scale;
  initial.trend *= scale;
  if (config.season === "additive") for (let j = 0; j < initial.season.length; j++) initial.season[j] *= scale;
  const fitted = new Float64Array(y.length);
  const sse = etsFilter(config, smoothing, initial, y, final, fitted);
  const p = freeParameterCount(config);
  const k = p + 1;
  const logLikelihood = !Number.isFinite(sse)
    ? Number.NEGATIVE_INFINITY
    : relative
      ? relativeErrorLogLikelihood(Math.max(sse, 1e-300), sumLogObserved(fitted, y), n)
      : gaussianLogLikelihood(Math.max(sse, 1e-300), n);
  return {
    config,
    name: etsName(config),
    smoothing: { ...smoothing },
    initial: copyStates(initial),
    final,
    sse,
    sigma2: sse / Math.max(1, n - p),
    observations: n,
    parameters: k,
    logLikelihood,
    aic: aic(logLikelihood, k),
    aicc: aicc(logLikelihood, k, n),
    bic: bic(logLikelihood, k, n),
    fitted,
  };
}

/** Where each estimated quantity sits in the optimiser's vector; −1 when fixed or absent. */
interface Layout {
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
  level: number;
  trend: number;
  /** Index of s₀; the free seasonal states are s₀ … s_{m−2}. */
  season: number;
  size: number;
}

function parameterLayout(config: EtsConfig, estimateSmoothing: boolean): Layout {
  let i = 0;
  const next = (present: boolean, width = 1): number => {
    if (!present) return -1;
    const at = i;
    i += width;
    return at;
  };
  const alpha = next(estimateSmoothing);
  const beta = next(estimateSmoothing && hasTrend(config));
  const gamma = next(estimateSmoothing && hasSeason(config));
  const phi = next(estimateSmoothing && config.trend === "damped");
  const level = next(true);
  const trend = next(hasTrend(config));
  const season = next(hasSeason(config), config.period - 1);
  return { alpha, beta, gamma, phi, level, trend, season, size: i };
}

function bounds(config: EtsConfig, layout: Layout): { lower: Float64Array; upper: Float64Array } {
  const lower = new Float64Array(layout.size).fill(Number.NEGATIVE_INFINITY);
  const upper = new Float64Array(layout.size).fill(Number.POSITIVE_INFINITY);
  for (const i of [layout.alpha, layout.beta, layout.gamma]) {
    if (i < 0) continue;
    lower[i] = SMOOTHING_LOWER;
    upper[i] = SMOOTHING_UPPER;
  }
  if (layout.phi >= 0) {
    lower[layout.phi] = PHI_LOWER;
    upper[layout.phi] = PHI_UPPER;
  }
  if (config.season === "multiplicative") {
    for (let j = 0; j < config.period - 1; j++) {
      lower[layout.season + j] = FACTOR_LOWER;
      upper[layout.season + j] = config.period;
    }
  }
  return { lower, upper };
}

function packStart(
  config: EtsConfig,
  layout: Layout,
  [alpha, betaStar, gammaStar, phi]: readonly [number, number, number, number],
  states: EtsStates,
): Float64Array {
  const x = new Float64Array(layout.size);
  if (layout.alpha >= 0) x[layout.alpha] = alpha;
  if (layout.beta >= 0) x[layout.beta] = betaStar;
  if (layout.gamma >= 0) x[layout.gamma] = gammaStar;
  if (layout.phi >= 0) x[layout.phi] = phi;
  x[layout.level] = states.level;
  if (layout.trend >= 0) x[layout.trend] = states.trend;
  if (layout.season >= 0) {
    for (let j = 0; j < config.period - 1; j++) {
      const s = states.season[j];
      x[layout.season + j] = config.season === "multiplicative" ? Math.min(Math.max(s, 0.01), config.period) : s;
    }
  }
  return x;
}

/** Writes the smoothing parameters (unless fixed) and initial states encoded in x. */
function unpackParameters(
  config: EtsConfig,
  layout: Layout,
  x: Float64Array,
  smoothing: EtsSmoothing,
  states: EtsStates,
): void {
  if (layout.alpha >= 0) {
    const alpha = x[layout.alpha];
    smoothing.alpha = alpha;
    smoothing.beta = layout.beta >= 0 ? alpha * x[layout.beta] : 0;
    smoothing.gamma = layout.gamma >= 0 ? (1 - alpha) * x[layout.gamma] : 0;
    smoothing.phi = layout.phi >= 0 ? x[layout.phi] : 1;
  }
  states.level = x[layout.level];
  states.trend = layout.trend >= 0 ? x[layout.trend] : 0;
  if (layout.season >= 0) {
    // The m-th seasonal state completes the normalisation Σ s = 0 (additive) or Σ s = m (multiplicative).
    const m = config.period;
    let sum = 0;
    for (let j = 0; j < m - 1; j++) {
      states.season[j] = x[layout.season + j];
      sum += states.season[j];
    }
    states.season[m - 1] = config.season === "multiplicative" ? m - sum : -sum;
  }
}

/**
 * An L-BFGS objective whose gradient is the central difference (f(x + hᵢeᵢ) − f(x − hᵢeᵢ)) / 2hᵢ with
 * hᵢ = 10⁻⁶ max(1, |xᵢ|) (near the optimal ε^{1/3} step for double precision); a side that is infinite (an
 * inadmissible multiplicative model) or outside the box falls back to a one-sided difference.
 */
function centralDifference(
  f: (x: Float64Array) => number,
  lower: Float64Array,
  upper: Float64Array,
): (x: Float64Array, grad: Float64Array) => number {
  let probe = new Float64Array(0);
  return (x, grad) => {
    if (probe.length !== x.length) probe = new Float64Array(x.length);
    probe.set(x);
    const f0 = f(probe);
    if (!Number.isFinite(f0)) {
      grad.fill(0);
      return f0;
    }
    for (let i = 0; i < x.length; i++) {
      const xi = x[i];
      const h = 1e-6 * Math.max(1, Math.abs(xi));
      const up = xi + h <= upper[i] ? xi + h : xi;
      const down = xi - h >= lower[i] ? xi - h : xi;
      probe[i] = up;
      const fUp = up === xi ? f0 : f(probe);
      probe[i] = down;
      const fDown = down === xi ? f0 : f(probe);
      probe[i] = xi;
      if (Number.isFinite(fUp) && Number.isFinite(fDown) && up !== down) grad[i] = (fUp - fDown) / (up - down);
      else if (Number.isFinite(fUp) && up !== xi) grad[i] = (fUp - f0) / (up - xi);
      else if (Number.isFinite(fDown) && down !== xi) grad[i] = (f0 - fDown) / (xi - down);
      else grad[i] = 0;
    }
    return f0;
  };
}

/** Σ log μ_t over the positions where y is observed (μ > 0 there: the filter refused the fit otherwise). */
function sumLogObserved(mu: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) if (!Number.isNaN(y[i])) s += Math.log(mu[i]);
  return s;
}

function meanAbs(y: Float64Array): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < y.length; i++) {
    if (Number.isNaN(y[i])) continue;
    s += Math.abs(y[i]);
    n++;
  }
  return n > 0 ? s / n : 0;
}
