import { describe, expect, it } from "vitest";
import { SlipwayError } from "../../../src/core/index.js";
import { fitEts, initialStates, selectEts } from "../../../src/ml/ets/index.js";
import { Rng } from "../../../src/ml/random.js";

function seasonal(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from(
    { length: n },
    (_, t) => 100 + 0.5 * t + 20 * Math.sin((2 * Math.PI * t) / 12) + 2 * rng.normal(),
  );
}

function randomWalk(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const y = new Float64Array(n);
  y[0] = 50;
  for (let t = 1; t < n; t++) y[t] = y[t - 1] + rng.normal();
  return y;
}

describe("ETS fitting and selection", () => {
  it("recovers α of a simulated ETS(A,N,N)", () => {
    // y_t = ℓ_{t−1} + ε_t, ℓ_t = ℓ_{t−1} + 0.4 ε_t. With n = 400 the sampling sd of α̂ is about 0.04; 0.12 is 3 sd.
    const rng = new Rng(11);
    const y = new Float64Array(400);
    let level = 20;
    for (let t = 0; t < y.length; t++) {
      const e = rng.normal();
      y[t] = level + e;
      level += 0.4 * e;
    }
    const fit = fitEts(y, { trend: "none", season: "none", period: 1 });
    expect(Math.abs(fit.smoothing.alpha - 0.4)).toBeLessThan(0.12);
    expect(Math.abs(Math.sqrt(fit.sigma2) - 1)).toBeLessThan(0.1);
    expect(fit.parameters).toBe(3); // α, ℓ₀, σ²
  });

  it("keeps β < α and γ < 1 − α (the usual region) and 0.8 ≤ φ ≤ 0.98", () => {
    const fit = fitEts(seasonal(72, 2), { trend: "damped", season: "additive", period: 12 });
    const { alpha, beta, gamma, phi } = fit.smoothing;
    expect(alpha).toBeGreaterThan(0);
    expect(alpha).toBeLessThan(1);
    expect(beta).toBeLessThan(alpha);
    expect(gamma).toBeLessThan(1 - alpha);
    expect(phi).toBeGreaterThanOrEqual(0.8);
    expect(phi).toBeLessThanOrEqual(0.98);
    // Initial seasonal states are normalised: Σ s = 0.
    expect(fit.initial.season.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 8);
  });

  it("picks a seasonal model on a clearly seasonal series", () => {
    const { best, candidates } = selectEts(seasonal(72, 3), { period: 12, trend: "auto", season: "auto" });
    expect(best.config.season).not.toBe("none");
    // Positive data: 6 additive-error forms (season N, A) and 9 multiplicative-error ones.
    expect(candidates).toHaveLength(15);
    const finite = candidates.filter((c) => Number.isFinite(c.aicc)).map((c) => c.aicc);
    expect(best.aicc).toBe(Math.min(...finite));
  });

  it("picks a non-seasonal model on a random walk", () => {
    const { best } = selectEts(randomWalk(150, 4), { period: 12, trend: "auto", season: "auto" });
    expect(best.config.season).toBe("none");
  });

  it("refuses a multiplicative season on non-positive data, and leaves it out of auto", () => {
    const y = seasonal(48, 5).map((v) => v - 110);
    let error: unknown = null;
    try {
      selectEts(y, { period: 12, trend: "none", season: "multiplicative" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SlipwayError);
    expect((error as SlipwayError).code).toBe("SLP_TRAIN_FAILED");
    expect((error as SlipwayError).details[0]?.field).toBe("/params/seasonal");
    const { candidates } = selectEts(y, { period: 12, trend: "auto", season: "auto" });
    expect(candidates.map((c) => c.name).filter((n) => n.endsWith(",M)"))).toEqual([]);
  });

  it("needs two full seasons for a seasonal model", () => {
    expect(() => selectEts(seasonal(20, 6), { period: 12, trend: "none", season: "additive" })).toThrow(SlipwayError);
    const { candidates } = selectEts(seasonal(20, 6), { period: 12, trend: "auto", season: "auto" });
    expect(candidates.every((c) => c.config.season === "none")).toBe(true);
  });

  it("starts from classical-decomposition seasonal indices and a line through the adjusted values", () => {
    // A noiseless additive series: the heuristic recovers the pattern and the line exactly.
    const pattern = [3, -1, -4, 2];
    const y = Float64Array.from({ length: 16 }, (_, t) => 10 + 0.5 * (t + 1) + pattern[t % 4]);
    const s = initialStates({ trend: "additive", season: "additive", period: 4 }, y);
    for (let j = 0; j < 4; j++) expect(s.season[j]).toBeCloseTo(pattern[j] as number, 10);
    expect(s.level).toBeCloseTo(10, 10);
    expect(s.trend).toBeCloseTo(0.5, 10);
  });
});
