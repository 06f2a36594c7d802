import { describe, expect, it } from "vitest";
import { isSlipwayError } from "../../../src/core/errors.js";
import { QuantileCalibration } from "../../../src/ml/conformal/index.js";
import { Rng } from "../../../src/ml/random.js";
import { coverage, heteroscedastic, meanAndSd, Z95 } from "./fixtures.js";

/**
 * A stand-in for fitted 5% and 95% quantile models: the true conditional quantiles μ(x) ± z₀.₉₅·σ(x), with the
 * half-width multiplied by `widthFactor` and the band shifted by `bias`·σ(x).
 */
function band(data: { mean: Float64Array; sigma: Float64Array }, widthFactor: number, bias: number) {
  const n = data.mean.length;
  const lower = new Float64Array(n);
  const upper = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const centre = data.mean[i] + bias * data.sigma[i];
    const half = widthFactor * Z95 * data.sigma[i];
    lower[i] = centre - half;
    upper[i] = centre + half;
  }
  return { lower, upper, median: Float64Array.from(data.mean) };
}

describe("QuantileCalibration", () => {
  it("corrects a too-narrow, biased 90% band to 90% coverage over 200 seeded splits", () => {
    // The band is 0.6× the true width and shifted by 0.3σ: it covers P(−1.29 ≤ ε ≤ 0.69) ≈ 0.65. With n = 100
    // calibration rows, k = ⌈101 · 0.9⌉ = 91 and the corrected coverage averages 91/101 = 0.901 (per-split sd about
    // 0.033, so the mean over 200 splits has sd ≈ 0.0024).
    const rng = new Rng(31337);
    const raw: number[] = [];
    const corrected: number[] = [];
    const corrections: number[] = [];
    for (let split = 0; split < 200; split++) {
      const cal = heteroscedastic(rng, 100);
      const calibration = QuantileCalibration.fromQuantiles(cal.y, band(cal, 0.6, 0.3), 0.9);
      const test = heteroscedastic(rng, 400);
      const testBand = band(test, 0.6, 0.3);
      raw.push(coverage(test.y, testBand.lower, testBand.upper));
      const { lower, upper } = calibration.predictInterval(testBand, 0.9);
      corrected.push(coverage(test.y, lower, upper));
      corrections.push(calibration.correction(0.9));
    }
    expect(meanAndSd(raw).mean).toBeLessThan(0.7);
    const { mean, sd } = meanAndSd(corrected);
    expect(mean).toBeGreaterThanOrEqual(0.88);
    expect(mean).toBeLessThanOrEqual(0.92);
    expect(sd).toBeGreaterThan(0.015);
    expect(sd).toBeLessThan(0.05);
    for (const q of corrections) expect(q).toBeGreaterThan(0);
  });

  it("narrows a too-wide band (negative correction) and keeps its local width", () => {
    const rng = new Rng(8);
    const corrected: number[] = [];
    let ratio = 0;
    for (let split = 0; split < 200; split++) {
      const cal = heteroscedastic(rng, 100);
      const calibration = QuantileCalibration.fromQuantiles(cal.y, band(cal, 1.8, 0), 0.9);
      expect(calibration.correction(0.9)).toBeLessThan(0);
      const test = heteroscedastic(rng, 400);
      const { lower, upper } = calibration.predictInterval(band(test, 1.8, 0), 0.9);
      corrected.push(coverage(test.y, lower, upper));
      // Widths stay proportional to σ(x) less a constant: compare the widest and narrowest σ rows.
      let iMin = 0;
      let iMax = 0;
      for (let i = 1; i < 400; i++) {
        if (test.sigma[i] < test.sigma[iMin]) iMin = i;
        if (test.sigma[i] > test.sigma[iMax]) iMax = i;
      }
      ratio += (upper[iMax] - lower[iMax]) / (upper[iMin] - lower[iMin]) / 200;
    }
    expect(Math.abs(meanAndSd(corrected).mean - 0.901)).toBeLessThan(0.02);
    // σ runs from 0.3 to 1.3, so an adaptive band is several times wider at the edges.
    expect(ratio).toBeGreaterThan(3);
  });

  it("computes the scores max(q̂_lo − y, y − q̂_hi) and the rank-k correction by hand", () => {
    // y inside the band [−1, 2] scores minus its distance to the nearer edge (0.5 → −1.5), y outside its
    // distance to the band (5 → 3, −3 → 2), and y on an edge 0.
    const y = Float64Array.from([0, 5, -3, 1, 2, 0.5, 4, -1, 3]);
    const lower = new Float64Array(9).fill(-1);
    const upper = new Float64Array(9).fill(2);
    const calibration = QuantileCalibration.fromQuantiles(y, { lower, upper }, 0.8);
    expect(Array.from(calibration.scores)).toEqual([-1.5, -1, -1, 0, 0, 1, 2, 2, 3]);
    // n = 9 at 80%: ⌈10 · 0.8⌉ = 8, the 8th smallest score is 2; at 90% ⌈9⌉ = 9 gives 3; at 95% ⌈9.5⌉ = 10 > 9.
    expect(calibration.correction(0.8)).toBe(2);
    expect(calibration.correction(0.9)).toBe(3);
    expect(calibration.correction(0.95)).toBe(Number.POSITIVE_INFINITY);
    const out = calibration.predictInterval({ lower: Float64Array.from([0]), upper: Float64Array.from([1]) }, 0.8);
    expect([out.lower[0], out.upper[0]]).toEqual([-2, 3]);
    // At 10%, ⌈10 · 0.1⌉ = 1: the correction −1.5 would invert a band of width 1, so the row gets its midpoint.
    const tight = QuantileCalibration.fromQuantiles(y, { lower, upper }, 0.1);
    expect(tight.correction(0.1)).toBe(-1.5);
    const point = tight.predictInterval({ lower: Float64Array.from([0]), upper: Float64Array.from([1]) }, 0.1);
    expect([point.lower[0], point.upper[0]]).toEqual([0.5, 0.5]);
  });

  it("refuses other levels without a median calibration, and serves them by split conformal with one", () => {
    const rng = new Rng(5);
    const cal = heteroscedastic(rng, 200);
    const withoutMedian = QuantileCalibration.fromQuantiles(cal.y, { ...band(cal, 1, 0), median: undefined }, 0.9);
    const test = heteroscedastic(rng, 2000);
    const testBand = band(test, 1, 0);
    try {
      withoutMedian.predictInterval(testBand, 0.8);
      expect.unreachable();
    } catch (e) {
      expect(isSlipwayError(e) && e.code).toBe("SLP_INPUT_INVALID");
      expect(isSlipwayError(e) && e.details[0].field).toBe("level");
    }
    const withMedian = QuantileCalibration.fromQuantiles(cal.y, band(cal, 1, 0), 0.9);
    expect(withMedian.isBandLevel(0.9 + 1e-12)).toBe(true);
    const { lower, upper } = withMedian.predictInterval(testBand, 0.8);
    // Split conformal on the median: constant width 2q, and ≈ 80% coverage (k = ⌈201 · 0.8⌉ = 161, 161/201 = 0.80).
    expect(upper[0] - lower[0]).toBeCloseTo(upper[1] - lower[1], 12);
    expect(Math.abs(coverage(test.y, lower, upper) - 0.8)).toBeLessThan(0.05);
    try {
      withMedian.predictInterval({ lower: testBand.lower, upper: testBand.upper }, 0.8);
      expect.unreachable();
    } catch (e) {
      expect(isSlipwayError(e) && e.details[0].reason).toMatch(/needs median predictions/);
    }
  });

  it("round-trips through its state", () => {
    const rng = new Rng(9);
    const cal = heteroscedastic(rng, 50);
    const calibration = QuantileCalibration.fromQuantiles(cal.y, band(cal, 0.8, 0.1), 0.9);
    const copy = QuantileCalibration.fromJSON(calibration.toJSON());
    const test = heteroscedastic(rng, 20);
    for (const level of [0.9, 0.7]) {
      const a = calibration.predictInterval(band(test, 0.8, 0.1), level);
      const b = copy.predictInterval(band(test, 0.8, 0.1), level);
      expect(Array.from(b.lower)).toEqual(Array.from(a.lower));
      expect(Array.from(b.upper)).toEqual(Array.from(a.upper));
    }
    expect(() => QuantileCalibration.fromJSON({ ...calibration.toJSON(), level: 1.5 })).toThrow(/inconsistent/);
  });
});
