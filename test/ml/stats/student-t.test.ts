import { describe, expect, it } from "vitest";
import { logGamma, regularizedIncompleteBeta, studentTCdf, studentTQuantile } from "../../../src/ml/stats/student-t.js";

/** |a − b| / |b|, the accuracy the contract promises (≥ 1e-9 relative). */
function relativeError(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b);
}

describe("logGamma", () => {
  it("matches factorials and Γ(½) = √π", () => {
    expect(relativeError(logGamma(10), Math.log(362880))).toBeLessThan(1e-14);
    expect(relativeError(logGamma(0.5), 0.5 * Math.log(Math.PI))).toBeLessThan(1e-14);
    expect(relativeError(logGamma(171), 706.5730622457874)).toBeLessThan(1e-13); // ln(170!)
    expect(Math.abs(logGamma(1))).toBeLessThan(1e-15);
    expect(Math.abs(logGamma(2))).toBeLessThan(1e-15);
    expect(Number.isNaN(logGamma(0))).toBe(true);
  });

  it("uses the reflection formula below ½: Γ(0.1) = 9.513507698668732", () => {
    expect(relativeError(logGamma(0.1), Math.log(9.513507698668732))).toBeLessThan(1e-13);
  });
});

describe("regularizedIncompleteBeta", () => {
  it("has closed forms for integer parameters", () => {
    // I_x(1, b) = 1 − (1 − x)^b and I_x(a, 1) = x^a.
    expect(relativeError(regularizedIncompleteBeta(0.3, 1, 4), 1 - 0.7 ** 4)).toBeLessThan(1e-14);
    expect(relativeError(regularizedIncompleteBeta(0.3, 5, 1), 0.3 ** 5)).toBeLessThan(1e-13);
    // I_x(2, 2) = 3x² − 2x³.
    expect(relativeError(regularizedIncompleteBeta(0.8, 2, 2), 3 * 0.64 - 2 * 0.512)).toBeLessThan(1e-14);
  });

  it("satisfies I_x(a, b) + I_{1−x}(b, a) = 1 and the edge values", () => {
    const s = regularizedIncompleteBeta(0.37, 3.5, 7.25) + regularizedIncompleteBeta(0.63, 7.25, 3.5);
    expect(Math.abs(s - 1)).toBeLessThan(1e-14);
    expect(regularizedIncompleteBeta(0, 2, 3)).toBe(0);
    expect(regularizedIncompleteBeta(1, 2, 3)).toBe(1);
    expect(Number.isNaN(regularizedIncompleteBeta(1.5, 2, 3))).toBe(true);
  });
});

describe("studentTQuantile", () => {
  const known: [p: number, df: number, t: number][] = [
    [0.975, 1, 12.706204736174698],
    [0.975, 10, 2.2281388519649385],
    [0.975, 30, 2.0422724563012373],
    [0.95, 5, 2.015048372669157],
    [0.995, 2, 9.924843200918277], // published as 9.924843200918276, the same double
  ];

  it.each(known)("t(%f, df=%i) matches the published value to 1e-9", (p, df, t) => {
    expect(relativeError(studentTQuantile(p, df), t)).toBeLessThan(1e-9);
    expect(relativeError(studentTQuantile(1 - p, df), -t)).toBeLessThan(1e-9);
  });

  it("inverts the CDF across tails and degrees of freedom", () => {
    for (const df of [1, 1.5, 2, 3, 4.5, 7, 12, 29, 100, 1000, 1e5]) {
      for (const p of [1e-12, 1e-6, 0.001, 0.025, 0.1, 0.3, 0.49, 0.5001, 0.8, 0.975, 0.999999]) {
        const t = studentTQuantile(p, df);
        // Compare the smaller tail, P(T ≤ −|t|), so the check stays relative where the probability is tiny.
        expect(relativeError(studentTCdf(-Math.abs(t), df), Math.min(p, 1 - p))).toBeLessThan(1e-11);
      }
    }
  });

  it("approaches the normal quantile as df grows", () => {
    expect(Math.abs(studentTQuantile(0.975, 1e8) - 1.959963984540054)).toBeLessThan(1e-7);
  });

  it("handles the edges", () => {
    expect(studentTQuantile(0.5, 7)).toBe(0);
    expect(studentTQuantile(0, 7)).toBe(Number.NEGATIVE_INFINITY);
    expect(studentTQuantile(1, 7)).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isNaN(studentTQuantile(0.9, 0))).toBe(true);
    expect(Number.isNaN(studentTQuantile(1.2, 3))).toBe(true);
  });
});

describe("studentTCdf", () => {
  it("is the Cauchy CDF at df = 1 and symmetric", () => {
    expect(relativeError(studentTCdf(2, 1), 0.5 + Math.atan(2) / Math.PI)).toBeLessThan(1e-14);
    expect(Math.abs(studentTCdf(1.3, 6) + studentTCdf(-1.3, 6) - 1)).toBeLessThan(1e-15);
    expect(studentTCdf(0, 4)).toBe(0.5);
  });
});
