import { describe, expect, it } from "vitest";
import { periodicSeries } from "../../../../src/ml/gp/index.js";

describe("cosine series of ExpSineSquared", () => {
  it("weights are e^{-z}·I_j(z) (×2 for j ≥ 1) at z = 1: closed-form Bessel values", () => {
    // I₀(1) = 1.2660658777520082, I₁(1) = 0.5651591039924851, I₂(1) = 0.13574766976703828 (Abramowitz & Stegun 9.8).
    const { weights } = periodicSeries(1, 1e-12, 30);
    const e = Math.exp(-1);
    expect(weights[0]).toBeCloseTo(1.2660658777520082 * e, 15);
    expect(weights[1]).toBeCloseTo(2 * 0.5651591039924851 * e, 15);
    expect(weights[2]).toBeCloseTo(2 * 0.13574766976703828 * e, 15);
  });

  it.each([0.5, 1, 3, 10])("at ℓ = %s the truncated series reproduces the kernel to its tail", (lengthScale) => {
    const { weights, tail } = periodicSeries(lengthScale, 1e-10, 40);
    expect(tail).toBeLessThanOrEqual(1e-10);
    let sum = 0;
    for (const w of weights) sum += w;
    expect(Math.abs(1 - sum - tail)).toBeLessThan(1e-14);
    const p = 1.7;
    for (const tau of [0, 0.1, 0.6, 1.3, 4.2]) {
      const exact = Math.exp((-2 * Math.sin((Math.PI * tau) / p) ** 2) / lengthScale ** 2);
      let series = 0;
      for (let j = 0; j < weights.length; j++) series += weights[j] * Math.cos((2 * Math.PI * j * tau) / p);
      expect(Math.abs(series - exact)).toBeLessThanOrEqual(tail + 1e-14);
    }
  });

  it("needs more harmonics for a sharper shape, and reports a large tail when capped", () => {
    expect(periodicSeries(0.5, 1e-9, 64).weights.length).toBeGreaterThan(periodicSeries(2, 1e-9, 64).weights.length);
    expect(periodicSeries(0.2, 1e-9, 10).tail).toBeGreaterThan(1e-3);
    expect(periodicSeries(1e-5, 1e-9, 24).tail).toBe(1);
  });
});
