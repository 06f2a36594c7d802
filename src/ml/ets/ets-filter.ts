import { type EtsConfig, type EtsSmoothing, type EtsStates, errorOf } from "./ets-model.js";

/**
 * The state-space recursion of ETS(E, T, S) (Hyndman et al. 2008, table 2.3). With ℓ = ℓ_{t−1},
 * b̃ = b_{t−1} (N), b_{t−1} (A) or φ b_{t−1} (Ad), base = ℓ + b̃, s = s_{t−m} and e_t = y_t − μ_t:
 *
 *   season N or A:  μ_t = base (+ s)     ℓ_t = base + α e_t     b_t = b̃ + β e_t     s_t = s + γ e_t
 *   season M:       μ_t = base · s       ℓ_t = base + α e_t / s  b_t = b̃ + β e_t / s  s_t = s + γ e_t / base
 *
 * The error term is ε_t = e_t (additive error) or ε_t = e_t / μ_t (multiplicative error, y_t = μ_t (1 + ε_t)).
 * Written with e_t the updates are the same for both: the multiplicative-error rows of table 2.3, e.g.
 * ℓ_t = base (1 + α ε_t) for ETS(M,A,N), are these with e_t = μ_t ε_t. So the two error kinds give the same fitted
 * values and point forecasts for the same parameters and differ in their likelihood and forecast distribution.
 * A missing y_t (NaN) contributes no error: the states move on as their own forecast, which is the Kalman-style
 * treatment of a gap in a linear state-space model.
 *
 * Returns the sum of squared errors Σ ε_t² over the observed positions, or +∞ when the model leaves its
 * admissible region: a non-positive base or seasonal factor with a multiplicative season (μ and the division are
 * meaningless), or a non-positive μ_t with a multiplicative error (ε_t and log μ_t are). The final states are
 * written into `final` (its season buffer is reused: no allocation), and the one-step fitted values μ_t into
 * `fitted` when given.
 */
export function etsFilter(
  config: EtsConfig,
  smoothing: EtsSmoothing,
  initial: EtsStates,
  y: Float64Array,
  final: EtsStates,
  fitted?: Float64Array,
): number {
  const { alpha, beta, gamma, phi } = smoothing;
  const m = config.period;
  const trendKind = config.trend;
  const seasonKind = config.season;
  const relative = errorOf(config) === "multiplicative";
  const damping = trendKind === "damped" ? phi : trendKind === "additive" ? 1 : 0;
  const S = final.season;
  if (S !== initial.season) S.set(initial.season);
  let level = initial.level;
  let trend = trendKind === "none" ? 0 : initial.trend;
  let sse = 0;
  let phase = 0;
  for (let t = 0; t < y.length; t++) {
    const bTilde = damping * trend;
    const base = level + bTilde;
    const s = seasonKind === "none" ? 0 : S[phase];
    let mu: number;
    if (seasonKind === "multiplicative") {
      if (!(base > 0) || !(s > 0)) return Number.POSITIVE_INFINITY;
      mu = base * s;
    } else mu = base + s;
    if (fitted) fitted[t] = mu;
    const yt = y[t];
    const e = Number.isNaN(yt) ? 0 : yt - mu; // a gap adds no error
    if (relative) {
      if (!(mu > 0)) return Number.POSITIVE_INFINITY;
      const eps = e / mu;
      sse += eps * eps;
    } else sse += e * e;
    if (seasonKind === "multiplicative") {
      const es = e / s;
      level = base + alpha * es;
      trend = bTilde + beta * es;
      S[phase] = s + (gamma * e) / base;
    } else {
      level = base + alpha * e;
      trend = bTilde + beta * e;
      if (seasonKind === "additive") S[phase] = s + gamma * e;
    }
    if (++phase === m) phase = 0;
  }
  final.level = level;
  final.trend = trendKind === "none" ? 0 : trend;
  return Number.isFinite(sse) ? sse : Number.POSITIVE_INFINITY;
}
