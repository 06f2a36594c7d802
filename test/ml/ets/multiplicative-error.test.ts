import { describe, expect, it } from "vitest";
import { SlipwayError } from "../../../src/core/index.js";
import {
  type EtsConfig,
  type EtsSmoothing,
  type EtsStates,
  etsFilter,
  etsForecastVariance,
  etsName,
  etsSimulatedQuantiles,
  fitEts,
  gaussianLogLikelihood,
  relativeErrorLogLikelihood,
  selectEts,
} from "../../../src/ml/ets/index.js";
import { Rng } from "../../../src/ml/random.js";
import { normalQuantile } from "../../../src/ml/stats/normal.js";

const smoothing = (s: Partial<EtsSmoothing>): EtsSmoothing => ({ alpha: 0, beta: 0, gamma: 0, phi: 1, ...s });
const states = (level: number, trend: number, season: number[] = [0]): EtsStates => ({
  level,
  trend,
  season: Float64Array.from(season),
});

/** ETS(M,N,N) simulated: y_t = ℓ_{t−1}(1 + ε_t), ℓ_t = ℓ_{t−1}(1 + αε_t), ε ~ N(0, σ²). */
function simulateMNN(n: number, alpha: number, sigma: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const y = new Float64Array(n);
  let level = 100;
  for (let t = 0; t < n; t++) {
    const e = sigma * rng.normal();
    y[t] = level * (1 + e);
    level *= 1 + alpha * e;
  }
  return y;
}

/** A positive series whose season and noise grow with its level: multiplicative in both. */
function multiplicativeSeasonal(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from(
    { length: n },
    (_, t) => (100 + 3 * t) * (1 + 0.3 * Math.sin((2 * Math.PI * t) / 12)) * (1 + 0.03 * rng.normal()),
  );
}

describe("ETS with multiplicative errors", () => {
  it("shares the additive-error fitted values; its SSE is of the relative errors (y − μ)/μ", () => {
    const additive: EtsConfig = { trend: "none", season: "none", period: 1 };
    const relative: EtsConfig = { ...additive, error: "multiplicative" };
    const y = Float64Array.of(3, 5, 4);
    const fittedA = new Float64Array(3);
    const fittedM = new Float64Array(3);
    const final = states(0, 0);
    // ℓ₀ = 2, α = ½: μ = 2, 2.5, 3.75 for both; relative errors ½, 1, 1/15.
    etsFilter(additive, smoothing({ alpha: 0.5 }), states(2, 0), y, final, fittedA);
    const sse = etsFilter(relative, smoothing({ alpha: 0.5 }), states(2, 0), y, final, fittedM);
    expect(Array.from(fittedM)).toEqual(Array.from(fittedA));
    expect(sse).toBeCloseTo(0.25 + 1 + 1 / 225, 12);
    // ℓ_t = ℓ_{t−1}(1 + αε_t): 2 · 1.25 · 1.5 · (1 + 1/30) = 3.875, the additive-error level too.
    expect(final.level).toBeCloseTo(3.875, 12);
    expect(etsName(relative)).toBe("ETS(M,N,N)");
    // A non-positive one-step mean leaves the model's region.
    expect(etsFilter(relative, smoothing({ alpha: 0.5 }), states(-1, 0), y, final)).toBe(Number.POSITIVE_INFINITY);
  });

  it("log-likelihood −(n/2)(log(2π SSE/n) + 1) − Σ log μ_t matches statsmodels' ETSModel.loglike", () => {
    // Reference: statsmodels 0.13.5 ETSModel(y, error, trend="add", damped_trend=True, seasonal="add",
    // seasonal_periods=2, initialization_method="known", initial_level=10, initial_trend=0.5,
    // initial_seasonal=[2, -2]).loglike([0.3, 0.1, 0.2, 0.9]) and its smoothed fitted values. (An additive season:
    // statsmodels' multiplicative season divides by the updated level ℓ_t where table 2.3 divides by ℓ_{t−1} + φb_{t−1}.)
    const y = Float64Array.of(12, 7, 13, 9, 14, 8.5, 15, 10);
    const s = smoothing({ alpha: 0.3, beta: 0.1, gamma: 0.2, phi: 0.9 });
    const initial = states(10, 0.5, [2, -2]);
    const config: EtsConfig = { error: "multiplicative", trend: "damped", season: "additive", period: 2 };
    const fitted = new Float64Array(y.length);
    const final = states(0, 0, [0, 0]);
    const sse = etsFilter(config, s, initial, y, final, fitted);
    const expected = [12.45, 8.6795, 12.262545, 8.46345795, 13.26911915, 9.49425692, 13.80151598, 9.79376424];
    // statsmodels prints 8 decimals of the fitted values; the likelihood is compared at full precision.
    for (let t = 0; t < y.length; t++) expect(fitted[t]).toBeCloseTo(expected[t] as number, 7);
    const sumLog = fitted.reduce((a, m) => a + Math.log(m), 0);
    expect(relativeErrorLogLikelihood(sse, sumLog, y.length)).toBeCloseTo(-11.370088880939488, 10);
    // The same model with an additive error: the same fitted values, loglike −10.734570361463291.
    const sseA = etsFilter({ ...config, error: "additive" }, s, initial, y, final);
    expect(gaussianLogLikelihood(sseA, y.length)).toBeCloseTo(-10.734570361463291, 10);
  });

  it("recovers α and the relative σ of a simulated ETS(M,N,N)", () => {
    // n = 400: the sampling sd of α̂ is about 0.04 (0.12 is 3 sd) and of σ̂ about σ/√(2n) = 0.0018.
    const y = simulateMNN(400, 0.3, 0.05, 21);
    const fit = fitEts(y, { error: "multiplicative", trend: "none", season: "none", period: 1 });
    expect(Math.abs(fit.smoothing.alpha - 0.3)).toBeLessThan(0.12);
    expect(Math.abs(Math.sqrt(fit.sigma2) - 0.05)).toBeLessThan(0.006);
    // On data simulated with a multiplicative error its likelihood beats the additive error's.
    const additive = fitEts(y, { trend: "none", season: "none", period: 1 });
    expect(fit.logLikelihood).toBeGreaterThan(additive.logLikelihood);
  });

  it("simulates intervals: one step ahead of ETS(M,N,N) is ℓ(1 ± zσ), then they widen", () => {
    const config: EtsConfig = { error: "multiplicative", trend: "none", season: "none", period: 1 };
    const s = smoothing({ alpha: 0.3 });
    expect(() => etsForecastVariance(config, s, 0.01, 3)).toThrow(RangeError);
    const [lo, hi] = etsSimulatedQuantiles(config, s, states(200, 0), 0, 0.0025, 4, [0.025, 0.975], new Rng(5), 20_000);
    // σμ = 10; a 2.5% quantile's Monte Carlo sd is ≈ 0.02 σμ, so 1 is five of them.
    const z = normalQuantile(0.975);
    expect(Math.abs((lo[0] as number) - 200 * (1 - z * 0.05))).toBeLessThan(1);
    expect(Math.abs((hi[0] as number) - 200 * (1 + z * 0.05))).toBeLessThan(1);
    // h = 2: y = ℓ₁(1 + ε₂), ℓ₁ = ℓ₀(1 + αε₁), variance ℓ₀²[(1 + σ²)(1 + α²σ²) − 1] ≈ ℓ₀²σ²(1 + α²).
    const sd2 = 200 * Math.sqrt((1 + 0.0025) * (1 + 0.09 * 0.0025) - 1);
    expect(Math.abs((hi[1] as number) - (lo[1] as number) - 2 * z * sd2)).toBeLessThan(0.1 * 2 * z * sd2);
  });

  it("auto considers ETS(M,·,·) on positive data, leaves out ETS(A,·,M) and picks a multiplicative model", () => {
    const y = multiplicativeSeasonal(96, 8);
    const { best, candidates } = selectEts(y, { period: 12, trend: "auto", season: "auto" });
    const names = candidates.map((c) => c.name);
    expect(names).toHaveLength(15);
    expect(names.filter((n) => n.startsWith("ETS(A,") && n.endsWith(",M)"))).toEqual([]);
    expect(names).toContain("ETS(M,Ad,M)");
    expect(best.config.error).toBe("multiplicative");
    expect(best.config.season).toBe("multiplicative");
    // Fixing the error to additive restores the additive-error search, ETS(A,·,M) included.
    const fixed = selectEts(y, { period: 12, error: "additive", trend: "auto", season: "auto" });
    expect(fixed.candidates.map((c) => c.name)).toContain("ETS(A,Ad,M)");
    expect(fixed.candidates.every((c) => c.name.startsWith("ETS(A,"))).toBe(true);
  });

  it("refuses a multiplicative error on non-positive data, and leaves it out of auto", () => {
    const y = multiplicativeSeasonal(48, 9).map((v, t) => (t === 5 ? -v : v));
    let error: unknown = null;
    try {
      selectEts(y, { period: 12, error: "multiplicative", trend: "none", season: "none" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SlipwayError);
    expect((error as SlipwayError).details[0]?.field).toBe("/params/error");
    const { candidates } = selectEts(y, { period: 12, trend: "auto", season: "auto" });
    expect(candidates.every((c) => c.name.startsWith("ETS(A,"))).toBe(true);
  });
});
