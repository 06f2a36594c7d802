/**
 * The exponential smoothing state-space models (Hyndman, Koehler, Ord & Snyder, "Forecasting with Exponential
 * Smoothing", 2008, table 2.3; Hyndman & Athanasopoulos, FPP3 §8.5 and table 8.7): ETS(E, T, S) with error
 * E ∈ {A, M}, trend T ∈ {N, A, Ad} and season S ∈ {N, A, M}. Types, names and parameter counts shared by the
 * filter, the fitting and the forecasts.
 */

export type EtsError = "additive" | "multiplicative";
export type EtsTrend = "none" | "additive" | "damped";
export type EtsSeason = "none" | "additive" | "multiplicative";

/** One model of the family: its error, trend and season, and the seasonal period m (1 without a season). */
export interface EtsConfig {
  /**
   * Additive (y_t = μ_t + ε_t) or multiplicative (y_t = μ_t (1 + ε_t)) error; absent means additive, the only
   * kind models saved before multiplicative errors existed could have.
   */
  error?: EtsError;
  trend: EtsTrend;
  season: EtsSeason;
  period: number;
}

/** The error kind of a model, additive when the config does not say. */
export function errorOf(config: EtsConfig): EtsError {
  return config.error ?? "additive";
}

/**
 * Smoothing parameters in the state-space form (not the β*, γ* of the component form): β and γ act on the error
 * directly, as in Hyndman et al. (2008) table 2.3. A term the model lacks has 0 (β, γ) or 1 (φ).
 */
export interface EtsSmoothing {
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
}

/**
 * The state vector x_t = (ℓ_t, b_t, s_t, …, s_{t−m+1}). `season[j]` is the latest seasonal state of phase j, the
 * phase of grid position t being t mod m; so when position t is filtered, `season[t mod m]` is s_{t−m}.
 */
export interface EtsStates {
  level: number;
  trend: number;
  season: Float64Array;
}

/** The model's name in the ETS(Error, Trend, Season) taxonomy, e.g. "ETS(M,Ad,M)". */
export function etsName(config: EtsConfig): string {
  const error = errorOf(config) === "multiplicative" ? "M" : "A";
  const trend = config.trend === "none" ? "N" : config.trend === "additive" ? "A" : "Ad";
  const season = config.season === "none" ? "N" : config.season === "additive" ? "A" : "M";
  return `ETS(${error},${trend},${season})`;
}

/**
 * Whether the forecast distribution is not the normal of the linear models (classes 1 and 2 of Hyndman et al. 2008,
 * ch. 6): a multiplicative error or season. Its intervals are simulated.
 */
export function isNonlinear(config: EtsConfig): boolean {
  return errorOf(config) === "multiplicative" || config.season === "multiplicative";
}

export function hasTrend(config: EtsConfig): boolean {
  return config.trend !== "none";
}

export function hasSeason(config: EtsConfig): boolean {
  return config.season !== "none";
}

/**
 * Free parameters estimated by the likelihood, σ² excluded: the smoothing parameters (α; β with a trend; γ with a
 * season; φ when damped) and the initial states (ℓ₀; b₀ with a trend; m − 1 seasonal states, the m-th being fixed
 * by the normalisation Σ s = 0 or Σ s = m).
 */
export function freeParameterCount(config: EtsConfig): number {
  let p = 2; // α, ℓ₀
  if (hasTrend(config)) p += 2; // β, b₀
  if (config.trend === "damped") p += 1; // φ
  if (hasSeason(config)) p += 1 + (config.period - 1); // γ, s₀ … s_{m−2}
  return p;
}

/** States with every component zero and, for a multiplicative season, unit seasonal factors. */
export function emptyStates(config: EtsConfig): EtsStates {
  const season = new Float64Array(config.period);
  if (config.season === "multiplicative") season.fill(1);
  return { level: 0, trend: 0, season };
}

export function copyStates(s: EtsStates): EtsStates {
  return { level: s.level, trend: s.trend, season: Float64Array.from(s.season) };
}

/**
 * φ_h = Σ_{i=1..h} φ^i for a damped trend, h for an additive trend and 0 without one: the multiplier of b_T in the
 * h-step point forecast ℓ_T + φ_h b_T (Hyndman et al. 2008, table 2.3, damped rows).
 */
export function trendMultiplier(config: EtsConfig, phi: number, h: number): number {
  if (config.trend === "none") return 0;
  if (config.trend === "additive") return h;
  let sum = 0;
  let power = 1;
  for (let i = 1; i <= h; i++) {
    power *= phi;
    sum += power;
  }
  return sum;
}

/** Observed (non-NaN) values of a series with gaps. */
export function observedCount(y: Float64Array): number {
  let n = 0;
  for (let i = 0; i < y.length; i++) if (!Number.isNaN(y[i])) n++;
  return n;
}
