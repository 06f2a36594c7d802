import { describe, expect, it } from "vitest";
import {
  type EtsConfig,
  type EtsSmoothing,
  type EtsStates,
  etsFilter,
  etsPointForecast,
  trendMultiplier,
} from "../../../src/ml/ets/index.js";

const states = (level: number, trend: number, season: number[] = [0]): EtsStates => ({
  level,
  trend,
  season: Float64Array.from(season),
});
const smoothing = (s: Partial<EtsSmoothing>): EtsSmoothing => ({ alpha: 0, beta: 0, gamma: 0, phi: 1, ...s });
const fresh = (period: number): EtsStates => ({ level: 0, trend: 0, season: new Float64Array(period) });

// Hand-computed recursions; tolerances are a few ulps of the values (exact arithmetic up to rounding).
describe("ETS state-space recursion", () => {
  it("simple exponential smoothing: ℓ_t = ℓ_{t−1} + α(y_t − ℓ_{t−1})", () => {
    const config: EtsConfig = { trend: "none", season: "none", period: 1 };
    const final = fresh(1);
    const fitted = new Float64Array(3);
    // ℓ₀ = 2, α = ½: errors 1, 2.5, 0.25; levels 2.5, 3.75, 3.875.
    const sse = etsFilter(config, smoothing({ alpha: 0.5 }), states(2, 0), Float64Array.of(3, 5, 4), final, fitted);
    expect(Array.from(fitted)).toEqual([2, 2.5, 3.75]);
    expect(sse).toBeCloseTo(1 + 6.25 + 0.0625, 12);
    expect(final.level).toBeCloseTo(3.875, 12);
    expect(Array.from(etsPointForecast(config, smoothing({ alpha: 0.5 }), final, 3, 3))).toEqual([3.875, 3.875, 3.875]);
  });

  it("Holt's linear trend, state-space form, equals the component form with β* = β/α", () => {
    const config: EtsConfig = { trend: "additive", season: "none", period: 1 };
    const final = fresh(1);
    // ℓ₀ = 8, b₀ = 1, α = ½, β = 0.2: bases 9, 10.7, 13.51; errors 1, 2.3, 1.49.
    const s = smoothing({ alpha: 0.5, beta: 0.2 });
    const sse = etsFilter(config, s, states(8, 1), Float64Array.of(10, 13, 15), final);
    expect(sse).toBeCloseTo(1 + 2.3 ** 2 + 1.49 ** 2, 12);
    expect(final.level).toBeCloseTo(14.255, 12);
    expect(final.trend).toBeCloseTo(1.958, 12);
    const f = etsPointForecast(config, s, final, 3, 3);
    expect(f[0]).toBeCloseTo(14.255 + 1.958, 12);
    expect(f[2]).toBeCloseTo(14.255 + 3 * 1.958, 12);

    // Component form (FPP3 §8.2): ℓ_t = αy_t + (1 − α)(ℓ + b), b_t = β*(ℓ_t − ℓ_{t−1}) + (1 − β*)b.
    const y = Float64Array.of(3, 4.5, 4, 6, 7.5, 7, 9, 10.2);
    let level = 2;
    let trend = 0.7;
    const alpha = 0.6;
    const betaStar = 0.3;
    for (const v of y) {
      const previous = level;
      level = alpha * v + (1 - alpha) * (level + trend);
      trend = betaStar * (level - previous) + (1 - betaStar) * trend;
    }
    etsFilter(config, smoothing({ alpha, beta: alpha * betaStar }), states(2, 0.7), y, final);
    expect(final.level).toBeCloseTo(level, 12);
    expect(final.trend).toBeCloseTo(trend, 12);
  });

  it("damped trend forecasts ℓ + (φ + φ² + … + φ^h) b, which tends to ℓ + φb/(1 − φ)", () => {
    const config: EtsConfig = { trend: "damped", season: "none", period: 1 };
    const phi = 0.9;
    const f = etsPointForecast(config, smoothing({ alpha: 0.5, beta: 0.1, phi }), states(10, 2), 0, 200);
    for (const h of [1, 2, 5, 12]) {
      const closed = 10 + (2 * phi * (1 - phi ** h)) / (1 - phi);
      expect(f[h - 1]).toBeCloseTo(closed, 10);
      expect(trendMultiplier(config, phi, h)).toBeCloseTo((phi * (1 - phi ** h)) / (1 - phi), 12);
    }
    expect(f[199]).toBeCloseTo(10 + (2 * phi) / (1 - phi), 6);
    // One filter step: base = ℓ + φb, b_t = φb + βε.
    const final = fresh(1);
    etsFilter(config, smoothing({ alpha: 0.5, beta: 0.1, phi }), states(10, 2), Float64Array.of(12.8), final);
    expect(final.level).toBeCloseTo(11.8 + 0.5, 12);
    expect(final.trend).toBeCloseTo(1.8 + 0.1, 12);
  });

  it("additive seasonality: μ = ℓ + s_{t−m}, s_t = s_{t−m} + γε", () => {
    const config: EtsConfig = { trend: "none", season: "additive", period: 2 };
    const s = smoothing({ alpha: 0.5, gamma: 0.25 });
    const final = fresh(2);
    const fitted = new Float64Array(4);
    // ℓ₀ = 10, (s for phase 0, phase 1) = (2, −2); errors 0, −1, 1.5, 1.
    const sse = etsFilter(config, s, states(10, 0, [2, -2]), Float64Array.of(12, 7, 13, 9), final, fitted);
    expect(Array.from(fitted)).toEqual([12, 8, 11.5, 8]);
    expect(sse).toBeCloseTo(4.25, 12);
    expect(final.level).toBeCloseTo(10.75, 12);
    expect(Array.from(final.season)).toEqual([2.375, -2]);
    expect(Array.from(etsPointForecast(config, s, final, 4, 3))).toEqual([13.125, 8.75, 13.125]);
  });

  it("multiplicative seasonality: μ = ℓ · s, ℓ_t = ℓ + αε/s, s_t = s + γε/ℓ, and refuses a non-positive factor", () => {
    const config: EtsConfig = { trend: "none", season: "multiplicative", period: 2 };
    const s = smoothing({ alpha: 0.5, gamma: 0.1 });
    const final = fresh(2);
    const fitted = new Float64Array(1);
    etsFilter(config, s, states(10, 0, [1.1, 0.9]), Float64Array.of(12), final, fitted);
    expect(fitted[0]).toBeCloseTo(11, 12);
    expect(final.level).toBeCloseTo(10 + 0.5 / 1.1, 12);
    expect(final.season[0]).toBeCloseTo(1.1 + 0.1 / 10, 12);
    expect(etsFilter(config, s, states(10, 0, [1.1, -0.1]), Float64Array.of(11, 9), final)).toBe(
      Number.POSITIVE_INFINITY,
    );
  });

  it("lets a missing value pass without an error term", () => {
    const config: EtsConfig = { trend: "none", season: "none", period: 1 };
    const final = fresh(1);
    const sse = etsFilter(config, smoothing({ alpha: 0.5 }), states(2, 0), Float64Array.of(3, Number.NaN, 4), final);
    // Levels 2.5, 2.5 (gap), 3.25; errors 1, —, 1.5.
    expect(sse).toBeCloseTo(1 + 2.25, 12);
    expect(final.level).toBeCloseTo(3.25, 12);
  });
});
