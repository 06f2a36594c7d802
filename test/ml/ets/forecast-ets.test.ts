import { describe, expect, it } from "vitest";
import {
  aic,
  aicc,
  bic,
  type EtsConfig,
  type EtsSmoothing,
  etsForecastVariance,
  etsPointForecast,
  etsSimulatedQuantiles,
  gaussianLogLikelihood,
} from "../../../src/ml/ets/index.js";
import { Rng } from "../../../src/ml/random.js";
import { normalQuantile } from "../../../src/ml/stats/normal.js";

const smoothing = (s: Partial<EtsSmoothing>): EtsSmoothing => ({ alpha: 0, beta: 0, gamma: 0, phi: 1, ...s });

describe("ETS forecast variance (FPP3 table 8.8)", () => {
  it("ETS(A,N,N): σ²[1 + (h − 1)α²]", () => {
    const config: EtsConfig = { trend: "none", season: "none", period: 1 };
    const v = etsForecastVariance(config, smoothing({ alpha: 0.3 }), 4, 6);
    for (let h = 1; h <= 6; h++) expect(v[h - 1]).toBeCloseTo(4 * (1 + (h - 1) * 0.09), 12);
  });

  it("ETS(A,A,N): σ²[1 + (h − 1){α² + αβh + β²h(2h − 1)/6}]", () => {
    const config: EtsConfig = { trend: "additive", season: "none", period: 1 };
    const [a, b] = [0.4, 0.1];
    const v = etsForecastVariance(config, smoothing({ alpha: a, beta: b }), 2, 10);
    for (let h = 1; h <= 10; h++) {
      expect(v[h - 1]).toBeCloseTo(2 * (1 + (h - 1) * (a * a + a * b * h + (b * b * h * (2 * h - 1)) / 6)), 10);
    }
  });

  it("ETS(A,Ad,N): the damped closed form", () => {
    const config: EtsConfig = { trend: "damped", season: "none", period: 1 };
    const [a, b, p] = [0.5, 0.2, 0.9];
    const v = etsForecastVariance(config, smoothing({ alpha: a, beta: b, phi: p }), 1, 15);
    for (let h = 1; h <= 15; h++) {
      const closed =
        1 +
        a * a * (h - 1) +
        ((b * p * h) / (1 - p) ** 2) * (2 * a * (1 - p) + b * p) -
        ((b * p * (1 - p ** h)) / ((1 - p) ** 2 * (1 - p * p))) * (2 * a * (1 - p * p) + b * p * (1 + 2 * p - p ** h));
      expect(v[h - 1]).toBeCloseTo(closed, 10);
    }
  });

  it("ETS(A,N,A): σ²[1 + α²(h − 1) + γk(2α + γ)], k = ⌊(h − 1)/m⌋", () => {
    const config: EtsConfig = { trend: "none", season: "additive", period: 4 };
    const [a, g] = [0.3, 0.2];
    const v = etsForecastVariance(config, smoothing({ alpha: a, gamma: g }), 1, 13);
    for (let h = 1; h <= 13; h++) {
      const k = Math.floor((h - 1) / 4);
      expect(v[h - 1]).toBeCloseTo(1 + a * a * (h - 1) + g * k * (2 * a + g), 12);
    }
  });

  it("simulated quantiles agree with the analytic normal interval of a linear model", () => {
    // 20 000 paths: a 2.5% quantile's Monte Carlo sd is ≈ 0.02 σ_h, so 0.1 σ_h is five of them.
    const config: EtsConfig = { trend: "additive", season: "additive", period: 4 };
    const s = smoothing({ alpha: 0.3, beta: 0.05, gamma: 0.2 });
    const final = { level: 50, trend: 1, season: Float64Array.of(3, -1, -4, 2) };
    const H = 9;
    const mean = etsPointForecast(config, s, final, 2, H);
    const v = etsForecastVariance(config, s, 4, H);
    const [lo, hi] = etsSimulatedQuantiles(config, s, final, 2, 4, H, [0.025, 0.975], new Rng(7), 20_000);
    const z = normalQuantile(0.975);
    for (let h = 0; h < H; h++) {
      const sd = Math.sqrt(v[h]);
      expect(Math.abs(lo[h] - (mean[h] - z * sd))).toBeLessThan(0.1 * sd);
      expect(Math.abs(hi[h] - (mean[h] + z * sd))).toBeLessThan(0.1 * sd);
    }
  });

  it("a multiplicative season has no analytic variance; its one-step simulated interval is μ ± zσ", () => {
    const config: EtsConfig = { trend: "none", season: "multiplicative", period: 2 };
    const s = smoothing({ alpha: 0.3, gamma: 0.1 });
    expect(() => etsForecastVariance(config, s, 1, 3)).toThrow(RangeError);
    const final = { level: 100, trend: 0, season: Float64Array.of(1.2, 0.8) };
    const [lo, hi] = etsSimulatedQuantiles(config, s, final, 0, 25, 3, [0.025, 0.975], new Rng(3), 20_000);
    // σ = 5, so 0.5 is 0.1 σ: five Monte Carlo standard deviations of the quantile (see above).
    expect(Math.abs(lo[0] - (120 - 1.96 * 5))).toBeLessThan(0.5);
    expect(Math.abs(hi[0] - (120 + 1.96 * 5))).toBeLessThan(0.5);
    // The same seed gives the same first rows whatever the horizon.
    const again = etsSimulatedQuantiles(config, s, final, 0, 25, 1, [0.025, 0.975], new Rng(3), 20_000);
    expect(again[0][0]).toBe(lo[0]);
  });
});

describe("information criteria", () => {
  it("AICc = AIC + 2k(k + 1)/(n − k − 1), with the concentrated Gaussian log-likelihood", () => {
    expect(aic(-100, 3)).toBe(206);
    expect(aicc(-100, 3, 20)).toBeCloseTo(206 + 24 / 16, 12);
    expect(bic(-100, 3, 20)).toBeCloseTo(200 + 3 * Math.log(20), 12);
    expect(aicc(-100, 5, 6)).toBe(Number.POSITIVE_INFINITY);
    expect(gaussianLogLikelihood(20, 10)).toBeCloseTo(-5 * (Math.log(2 * Math.PI * 2) + 1), 12);
  });
});
