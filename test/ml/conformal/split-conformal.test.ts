import { describe, expect, it } from "vitest";
import { isSlipwayError } from "../../../src/core/errors.js";
import { ConformalCalibration, conformalQuantile, conformalRank } from "../../../src/ml/conformal/index.js";
import { RidgeRegression } from "../../../src/ml/linear/ridge.js";
import { Rng } from "../../../src/ml/random.js";
import { coverage, heteroscedastic, meanAndSd, takeRows } from "./fixtures.js";

describe("conformalRank", () => {
  it("takes the ⌈(n + 1)·level⌉-th smallest score, or +∞ past n", () => {
    // n = 19 at 90%: ⌈20 · 0.9⌉ = 18. At 95%: ⌈19⌉ = 19 = n, the largest. n = 18 at 95%: ⌈18.05⌉ = 19 > 18.
    expect(conformalRank(19, 0.9)).toBe(18);
    expect(conformalRank(19, 0.95)).toBe(19);
    expect(conformalRank(18, 0.95)).toBe(19);
    const rng = new Rng(1);
    const scores = Float64Array.from(rng.permutation(19), (i) => i + 1); // 1..19, shuffled
    const calibration = ConformalCalibration.fromScores(scores);
    expect(calibration.quantile(0.9)).toBe(18);
    expect(calibration.quantile(0.95)).toBe(19);
    expect(calibration.quantile(0.5)).toBe(10); // ⌈20 · 0.5⌉ = 10
    const small = ConformalCalibration.fromScores(scores.subarray(0, 18));
    expect(small.quantile(0.95)).toBe(Number.POSITIVE_INFINITY);
    const { lower, upper } = small.predictInterval(Float64Array.from([3]), 0.95);
    expect(lower[0]).toBe(Number.NEGATIVE_INFINITY);
    expect(upper[0]).toBe(Number.POSITIVE_INFINITY);
    expect(conformalQuantile(new Float64Array(0), 0.1)).toBe(Number.POSITIVE_INFINITY);
  });

  it("lands on the exact integer rank for decimal levels despite rounding", () => {
    // Compare with integer arithmetic: ⌈(n + 1)·p/100⌉ = ⌊((n + 1)·p + 99)/100⌋, over products that are exact
    // integers (where (n + 1)·(p/100) in doubles may land a hair above: 59 of these 39 699 cases, e.g.
    // 25 · 0.28 = 7.000000000000001) and those that are not.
    const mismatches: string[] = [];
    for (let n = 0; n <= 400; n++)
      for (let p = 1; p <= 99; p++)
        if (conformalRank(n, p / 100) !== Math.floor(((n + 1) * p + 99) / 100)) mismatches.push(`n=${n}, p=${p}`);
    expect(mismatches).toEqual([]);
  });

  it("refuses levels outside (0, 1)", () => {
    expect(() => conformalRank(10, 1)).toThrow(RangeError);
    expect(() => conformalRank(10, 0)).toThrow(RangeError);
    expect(() => conformalRank(10, Number.NaN)).toThrow(RangeError);
  });
});

describe("ConformalCalibration", () => {
  it("covers 95% over 200 seeded splits, with the spread the finite-sample theory predicts", () => {
    // Each split: 400 fresh rows, 75% to fit ridge, 25% (n = 100) to calibrate, 400 fresh test rows. Given the
    // calibration rows, coverage is Beta(k, n + 1 − k) with k = ⌈101 · 0.95⌉ = 96: mean 96/101 = 0.9505, sd 0.021;
    // the 400 test rows add binomial noise of sd 0.011, so per-split coverage has sd ≈ 0.024 and the mean over
    // 200 splits has sd ≈ 0.0017. The band [0.93, 0.97] is over 10 of those.
    const rng = new Rng(20240601);
    const perSplit: number[] = [];
    const perSplitAt80: number[] = [];
    for (let split = 0; split < 200; split++) {
      const data = heteroscedastic(rng, 400);
      const order = rng.permutation(400);
      const train = order.subarray(0, 300);
      const calibrationRows = order.subarray(300);
      const model = RidgeRegression.fit(
        takeRows(data.X, train),
        Float64Array.from(train, (i) => data.y[i]),
      );
      const calibration = ConformalCalibration.fromResiduals(
        Float64Array.from(calibrationRows, (i) => data.y[i]),
        model.predict(takeRows(data.X, calibrationRows)),
      );
      expect(calibration.size).toBe(100);
      const test = heteroscedastic(rng, 400);
      const predictions = model.predict(test.X);
      const at95 = calibration.predictInterval(predictions, 0.95);
      perSplit.push(coverage(test.y, at95.lower, at95.upper));
      // The same stored scores serve any level: at 80%, k = ⌈80.8⌉ = 81, expected coverage 81/101 = 0.802.
      const at80 = calibration.predictInterval(predictions, 0.8);
      perSplitAt80.push(coverage(test.y, at80.lower, at80.upper));
    }
    const { mean, sd } = meanAndSd(perSplit);
    expect(mean).toBeGreaterThanOrEqual(0.93);
    expect(mean).toBeLessThanOrEqual(0.97);
    // Spread within a factor of 1.6 of the predicted 0.024 (the sample sd of 200 draws is within ±10% or so).
    expect(sd).toBeGreaterThan(0.015);
    expect(sd).toBeLessThan(0.038);
    // Few badly undercovering splits: P(coverage < 0.88) is about 0.3% under the model above.
    expect(perSplit.filter((c) => c < 0.88).length).toBeLessThanOrEqual(6);
    expect(Math.abs(meanAndSd(perSplitAt80).mean - 0.802)).toBeLessThan(0.02);
  });

  it("with normalised scores keeps coverage and adapts the width to σ̂(x)", () => {
    // σ̂ is the true σ(x) here (a spread model fitted elsewhere would do): intervals ŷ ± q·σ̂(x) are narrow where
    // the noise is small and wide where it is large, unlike the constant-width plain intervals.
    const rng = new Rng(77);
    const perSplit: number[] = [];
    const narrow: number[] = [];
    const wide: number[] = [];
    for (let split = 0; split < 200; split++) {
      const data = heteroscedastic(rng, 400);
      const order = rng.permutation(400);
      const train = order.subarray(0, 300);
      const cal = order.subarray(300);
      const model = RidgeRegression.fit(
        takeRows(data.X, train),
        Float64Array.from(train, (i) => data.y[i]),
      );
      const calibration = ConformalCalibration.fromResiduals(
        Float64Array.from(cal, (i) => data.y[i]),
        model.predict(takeRows(data.X, cal)),
        { scale: Float64Array.from(cal, (i) => data.sigma[i]) },
      );
      expect(calibration.isNormalised).toBe(true);
      const test = heteroscedastic(rng, 400);
      const { lower, upper } = calibration.predictInterval(model.predict(test.X), 0.9, test.sigma);
      perSplit.push(coverage(test.y, lower, upper));
      for (let i = 0; i < 400; i++) {
        const x1 = Math.abs(test.X.data[2 * i]);
        if (x1 < 0.25) narrow.push(upper[i] - lower[i]);
        if (x1 > 1.75) wide.push(upper[i] - lower[i]);
      }
    }
    const { mean } = meanAndSd(perSplit);
    // k = ⌈101 · 0.9⌉ = 91, expected coverage 0.901.
    expect(Math.abs(mean - 0.901)).toBeLessThan(0.02);
    // Mean σ is about 0.36 for |x₁| < 0.25 and 1.24 for |x₁| > 1.75, so widths differ by about 3.4×.
    expect(meanAndSd(wide).mean).toBeGreaterThan(2.5 * meanAndSd(narrow).mean);
  });

  it("round-trips its sorted scores and rejects a corrupted state", () => {
    const calibration = ConformalCalibration.fromResiduals(
      Float64Array.from([1, 2, 3, 4, 5]),
      Float64Array.from([1.5, 1, 3.25, 4, 7]),
    );
    expect(Array.from(calibration.scores)).toEqual([0, 0.25, 0.5, 1, 2]);
    const state = calibration.toJSON();
    expect(state.scores).toBeInstanceOf(Float64Array);
    const copy = ConformalCalibration.fromJSON(state);
    expect(copy.quantile(0.6)).toBe(calibration.quantile(0.6)); // ⌈3.6⌉ = 4th smallest = 1
    expect(copy.quantile(0.6)).toBe(1);
    try {
      ConformalCalibration.fromJSON({ ...state, scores: Float64Array.from([2, 1]) });
      expect.unreachable();
    } catch (e) {
      expect(isSlipwayError(e) && e.code).toBe("SLP_INPUT_INVALID");
    }
    expect(() =>
      ConformalCalibration.fromResiduals(Float64Array.from([1]), Float64Array.from([1]), {
        scale: Float64Array.from([0]),
      }),
    ).toThrow(/not positive/);
    expect(() => ConformalCalibration.fromScores(Float64Array.from([-1]))).toThrow(/≥ 0/);
  });
});
