import type { Rng } from "../random.js";
import { type EtsConfig, type EtsSmoothing, type EtsStates, errorOf, isNonlinear } from "./ets-model.js";

/**
 * Point forecasts ŷ_{T+h|T}, h = 1 … H, from the final states x_T (Hyndman et al. 2008, table 2.3):
 *   ŷ = ℓ_T + φ_h b_T (+ s or · s),   s = s_{T+h−m(k+1)}, k = ⌊(h − 1)/m⌋,
 * with φ_h = φ + φ² + … + φ^h (damped), h (additive trend) or 0 (no trend). `nextPhase` is the seasonal phase of
 * the first forecast step (the number of filtered positions mod m). For the linear models this is the conditional
 * mean; with a multiplicative season it is the mean for h ≤ m and the usual point forecast beyond. The error kind
 * does not enter: both kinds share the point forecasts (see ets-filter.ts).
 */
export function etsPointForecast(
  config: EtsConfig,
  smoothing: EtsSmoothing,
  final: EtsStates,
  nextPhase: number,
  horizon: number,
  out: Float64Array = new Float64Array(horizon),
): Float64Array {
  const m = config.period;
  const damping = config.trend === "damped" ? smoothing.phi : 1;
  let multiplier = 0; // φ_h, accumulated: φ_h = φ_{h−1} + φ^h
  let power = 1;
  let phase = nextPhase % m;
  for (let h = 0; h < horizon; h++) {
    if (config.trend !== "none") {
      power *= damping;
      multiplier += power;
    }
    const base = final.level + multiplier * final.trend;
    out[h] =
      config.season === "multiplicative"
        ? base * final.season[phase]
        : config.season === "additive"
          ? base + final.season[phase]
          : base;
    if (++phase === m) phase = 0;
  }
  return out;
}

/**
 * Forecast variances v_h of the linear models (error additive, season none or additive — classes 1 and 2 of
 * Hyndman et al. 2008, ch. 6):
 *   v_h = σ² [1 + Σ_{j=1}^{h−1} c_j²],   c_j = α + β φ_j + γ d_{j,m},
 * with φ_j as in the point forecast and d_{j,m} = 1 when j is a multiple of m. Its closed forms are FPP3 table 8.8,
 * e.g. σ²[1 + α²(h − 1)] for ETS(A,N,N) and σ²[1 + (h − 1){α² + αβh + β²h(2h − 1)/6}] for ETS(A,A,N).
 * A multiplicative error or season has no such formula (the forecast distribution is not normal): use
 * {@link etsSimulatedQuantiles}.
 */
export function etsForecastVariance(
  config: EtsConfig,
  smoothing: EtsSmoothing,
  sigma2: number,
  horizon: number,
  out: Float64Array = new Float64Array(horizon),
): Float64Array {
  if (isNonlinear(config)) {
    throw new RangeError("a multiplicative error or season has no analytic forecast variance; simulate instead");
  }
  const { alpha, beta, gamma } = smoothing;
  const damping = config.trend === "damped" ? smoothing.phi : 1;
  const m = config.period;
  let sum = 0; // Σ_{j<h} c_j²
  let multiplier = 0;
  let power = 1;
  for (let h = 1; h <= horizon; h++) {
    out[h - 1] = sigma2 * (1 + sum);
    // c_h, for the next horizon's sum.
    let c = alpha;
    if (config.trend !== "none") {
      power *= damping;
      multiplier += power;
      c += beta * multiplier;
    }
    if (config.season === "additive" && h % m === 0) c += gamma;
    sum += c * c;
  }
  return out;
}

/**
 * Prediction-interval bounds by simulation, for models whose forecast distribution is not normal (a
 * multiplicative error or season: classes 2 and 3 of Hyndman et al. 2008, ch. 6): `paths` futures are drawn
 * through the model's own recursion with ε ~ N(0, σ²) from the caller's seeded generator — y = μ + ε under an
 * additive error, y = μ (1 + ε) under a multiplicative one — and at each step the empirical quantiles at
 * `probabilities` (linear interpolation, Hyndman & Fan type 7) are taken. Draws are made step by step across all
 * paths, so the first h rows are identical whatever the horizon asked for.
 */
export function etsSimulatedQuantiles(
  config: EtsConfig,
  smoothing: EtsSmoothing,
  final: EtsStates,
  nextPhase: number,
  sigma2: number,
  horizon: number,
  probabilities: readonly number[],
  rng: Rng,
  paths = 2000,
): Float64Array[] {
  const { alpha, beta, gamma } = smoothing;
  const m = config.period;
  const damping = config.trend === "damped" ? smoothing.phi : config.trend === "additive" ? 1 : 0;
  const sigma = Math.sqrt(sigma2);
  const relative = errorOf(config) === "multiplicative";
  const level = new Float64Array(paths).fill(final.level);
  const trend = new Float64Array(paths).fill(final.trend);
  const season = new Float64Array(paths * m);
  for (let p = 0; p < paths; p++) season.set(final.season, p * m);
  const draws = new Float64Array(paths);
  const out = probabilities.map(() => new Float64Array(horizon));
  let phase = nextPhase % m;
  for (let h = 0; h < horizon; h++) {
    for (let p = 0; p < paths; p++) {
      const bTilde = damping * trend[p];
      const base = level[p] + bTilde;
      const at = p * m + phase;
      const s = config.season === "none" ? 0 : season[at];
      const mu = config.season === "multiplicative" ? base * s : base + s;
      // e = y − μ: the updates below are written in it for both error kinds (see ets-filter.ts).
      const e = relative ? mu * sigma * rng.normal() : sigma * rng.normal();
      draws[p] = mu + e;
      if (config.season === "multiplicative") {
        const es = e / s;
        level[p] = base + alpha * es;
        trend[p] = bTilde + beta * es;
        season[at] = s + (gamma * e) / base;
      } else {
        level[p] = base + alpha * e;
        trend[p] = bTilde + beta * e;
        if (config.season === "additive") season[at] = s + gamma * e;
      }
    }
    draws.sort();
    for (let q = 0; q < probabilities.length; q++) out[q][h] = sortedQuantile(draws, probabilities[q]);
    if (++phase === m) phase = 0;
  }
  return out;
}

/** Type-7 quantile of sorted values: linear interpolation between order statistics at (n − 1)p. */
function sortedQuantile(sorted: Float64Array, p: number): number {
  const position = (sorted.length - 1) * p;
  const lo = Math.floor(position);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (position - lo) * (sorted[hi] - sorted[lo]);
}
