import { describe, expect, it } from "vitest";
import { normalCdf, normalPdf, normalQuantile } from "../../../src/ml/stats/normal.js";

function expectRelClose(actual: number, expected: number, rel: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected));
}

// Reference values: mpmath 1.3 (ncdf, √2·erfinv(2p − 1)) at 40 digits, rounded to the nearest double.
const cdfReference: [number, number][] = [
  [0, 0.5],
  [0.5, 0.6914624612740131],
  [1, 0.8413447460685429],
  [-1, 0.15865525393145705],
  [1.96, 0.9750021048517795],
  [-3, 0.0013498980316300946],
  [-5, 2.866515718791939e-7],
  [-10, 7.619853024160525e-24],
  [-20, 2.7536241186062337e-89],
  [-37, 5.725571222524577e-300],
];

describe("normal distribution", () => {
  it("has the standard density", () => {
    expect(normalPdf(0)).toBeCloseTo(1 / Math.sqrt(2 * Math.PI), 16);
    expectRelClose(normalPdf(2), Math.exp(-2) / Math.sqrt(2 * Math.PI), 1e-15);
  });

  it("matches reference cdf values, in relative terms deep into the lower tail", () => {
    // Cody's approximation is good to ~1e-15 relative; 1e-13 absorbs libm differences in exp.
    for (const [x, p] of cdfReference) expectRelClose(normalCdf(x), p, 1e-13);
    expect(normalCdf(-40)).toBe(0);
    expect(normalCdf(40)).toBe(1);
    expect(normalCdf(Number.NaN)).toBeNaN();
  });

  it("is symmetric: Φ(x) + Φ(−x) = 1", () => {
    for (let x = -6; x <= 6; x += 0.37) expect(normalCdf(x) + normalCdf(-x)).toBeCloseTo(1, 15);
  });

  it("matches reference quantiles", () => {
    expectRelClose(normalQuantile(0.975), 1.9599639845400543, 1e-14);
    expectRelClose(normalQuantile(0.025), -1.9599639845400543, 1e-14);
    expectRelClose(normalQuantile(0.995), 2.575829303548901, 1e-14);
    expectRelClose(normalQuantile(0.9), 1.2815515655446004, 1e-14);
    expectRelClose(normalQuantile(1e-10), -6.361340902404057, 1e-13);
    expect(normalQuantile(0.5)).toBe(0);
  });

  it("inverts the cdf to ~1e-12 across the range, including both tails", () => {
    // Acklam alone is good to 1.15e-9 relative; the Halley step must bring the round trip to ~1e-12 or better.
    const ps = [
      1e-300, 1e-100, 1e-20, 1e-8, 1e-4, 0.001, 0.02, 0.02425, 0.1, 0.3, 0.49, 0.5, 0.51, 0.8, 0.97575, 0.999,
    ];
    for (const p of ps) {
      const x = normalQuantile(p);
      if (p <= 0.5) expectRelClose(normalCdf(x), p, 1e-12);
      else expectRelClose(normalCdf(-x), 1 - p, 1e-12);
    }
    for (let x = -8; x <= 8; x += 0.173) {
      const p = normalCdf(x);
      if (x < 0) expectRelClose(normalQuantile(p), x, 1e-12);
    }
  });

  it("handles the ends and invalid probabilities", () => {
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(normalQuantile(1)).toBe(Number.POSITIVE_INFINITY);
    expect(normalQuantile(-0.1)).toBeNaN();
    expect(normalQuantile(1.1)).toBeNaN();
    expect(normalQuantile(Number.NaN)).toBeNaN();
  });
});
