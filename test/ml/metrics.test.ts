import { describe, expect, it } from "vitest";
import { accuracy, coverage, logLoss, macroF1, mae, mape, meanWidth, r2, rmse, rocAuc } from "../../src/ml/metrics.js";

const f64 = (values: number[]) => Float64Array.from(values);
const i32 = (values: number[]) => Int32Array.from(values);

describe("regression metrics", () => {
  // The scikit-learn documentation example: y = (3, −0.5, 2, 7), ŷ = (2.5, 0, 2, 8).
  const actual = f64([3, -0.5, 2, 7]);
  const predicted = f64([2.5, 0, 2, 8]);

  it("match hand-computed values", () => {
    expect(rmse(actual, predicted)).toBeCloseTo(Math.sqrt((0.25 + 0.25 + 0 + 1) / 4), 15);
    expect(mae(actual, predicted)).toBe(0.5);
    // SS_tot = Σ(y − 2.875)² = 29.1875, SS_res = 1.5.
    expect(r2(actual, predicted)).toBeCloseTo(1 - 1.5 / 29.1875, 15);
    expect(mape(actual, predicted)).toBeCloseTo((0.5 / 3 + 0.5 / 0.5 + 0 + 1 / 7) / 4, 15);
  });

  it("handle a constant target and zero actuals as scikit-learn does", () => {
    expect(r2(f64([2, 2]), f64([2, 2]))).toBe(1);
    expect(r2(f64([2, 2]), f64([2, 3]))).toBe(0);
    expect(Number.isFinite(mape(f64([0]), f64([1])))).toBe(true);
    expect(Number.isNaN(rmse(f64([]), f64([])))).toBe(true);
    expect(() => mae(f64([1]), f64([1, 2]))).toThrow(RangeError);
  });
});

describe("interval metrics", () => {
  it("count closed intervals and average widths", () => {
    const actual = f64([1, 2, 3, 4]);
    const lower = f64([0, 2.5, 3, 5]);
    const upper = f64([2, 3, 3, 6]);
    // 1 ∈ [0, 2], 2 ∉ [2.5, 3], 3 ∈ [3, 3] (closed), 4 ∉ [5, 6].
    expect(coverage(actual, lower, upper)).toBe(0.5);
    expect(meanWidth(lower, upper)).toBe((2 + 0.5 + 0 + 1) / 4);
  });
});

describe("classification metrics", () => {
  it("accuracy", () => {
    expect(accuracy(i32([0, 1, 2, 1]), i32([0, 2, 2, 1]))).toBe(0.75);
  });

  it("logLoss, binary and multiclass, with clipping", () => {
    expect(logLoss(i32([0, 1, 1]), f64([0.1, 0.8, 0.6]))).toBeCloseTo(
      -(Math.log(0.9) + Math.log(0.8) + Math.log(0.6)) / 3,
      15,
    );
    const rows = f64([0.7, 0.2, 0.1, 0.1, 0.3, 0.6]);
    expect(logLoss(i32([0, 2]), rows)).toBeCloseTo(-(Math.log(0.7) + Math.log(0.6)) / 2, 15);
    expect(logLoss(i32([1]), f64([0]))).toBeCloseTo(-Math.log(1e-15), 12);
    expect(logLoss(i32([0]), f64([0, 1]))).toBeCloseTo(-Math.log(1e-15), 12);
  });

  it("rocAuc without and with ties", () => {
    // scikit-learn's example: 3 of the 4 positive–negative pairs are ordered correctly.
    expect(rocAuc(i32([0, 0, 1, 1]), f64([0.1, 0.4, 0.35, 0.8]))).toBe(0.75);
    // Pairs (pos, neg): (0.5, 0.5) tie → ½, (0.5, 0.2) → 1, (0.9, 0.5) → 1, (0.9, 0.2) → 1; (3.5)/4.
    expect(rocAuc(i32([0, 1, 0, 1]), f64([0.5, 0.5, 0.2, 0.9]))).toBe(0.875);
    // All scores tied: every pair is ½.
    expect(rocAuc(i32([1, 0, 1, 0, 0]), f64([3, 3, 3, 3, 3]))).toBe(0.5);
    expect(Number.isNaN(rocAuc(i32([1, 1]), f64([0.2, 0.4])))).toBe(true);
  });

  it("rocAuc matches a brute-force pair count", () => {
    const labels = i32([1, 0, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1]);
    const scores = f64([0.9, 0.1, 0.5, 0.5, 0.3, 0.3, 0.7, 0.8, 0.2, 0.2, 0.6, 0.6]);
    let wins = 0;
    let pairs = 0;
    for (let i = 0; i < labels.length; i++)
      for (let j = 0; j < labels.length; j++)
        if (labels[i] === 1 && labels[j] === 0) {
          pairs++;
          wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
        }
    expect(rocAuc(labels, scores)).toBeCloseTo(wins / pairs, 15);
  });

  it("macroF1", () => {
    // scikit-learn's example: class 0 has F1 = 2·2/(3 + 2) = 0.8, classes 1 and 2 have 0; the mean is 0.8/3.
    expect(macroF1(i32([0, 1, 2, 0, 1, 2]), i32([0, 2, 1, 0, 0, 1]))).toBeCloseTo(0.8 / 3, 15);
    // A label never used (3 missing from 0..4) is not a class; label 4 appears only in predictions and scores 0.
    expect(macroF1(i32([0, 0, 1, 1]), i32([0, 0, 1, 4]))).toBeCloseTo((1 + 2 / 3 + 0) / 3, 15);
  });
});
