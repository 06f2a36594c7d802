import { describe, expect, it } from "vitest";
import { ElasticNet, elasticNetAlphaMax } from "../../../src/ml/linear/elastic-net.js";
import { fitElasticNetCV } from "../../../src/ml/linear/elastic-net-cv.js";
import { alphaGrid, elasticNetPath } from "../../../src/ml/linear/elastic-net-path.js";
import type { FeatureMatrix } from "../../../src/ml/linear/normal-equations.js";
import { Rng } from "../../../src/ml/random.js";

/** y depends on the first three of p features (in different units); the rest are noise. */
function sparseProblem(seed: number, n: number, p: number) {
  const rng = new Rng(seed);
  const X: FeatureMatrix = { rows: n, cols: p, data: new Float64Array(n * p) };
  const y = new Float64Array(n);
  const beta = [3, -2, 1.5];
  for (let i = 0; i < n; i++) {
    let s = 10;
    for (let j = 0; j < p; j++) {
      const scale = 1 + (j % 4) * 5;
      const v = scale * rng.normal();
      X.data[i * p + j] = v;
      if (j < 3) s += (beta[j] * v) / scale;
    }
    y[i] = s + rng.normal();
  }
  return { X, y };
}

describe("alphaGrid", () => {
  it("is geometric from α_max down to ε·α_max", () => {
    const grid = alphaGrid(2, 5, 1e-4);
    const expected = [2, 0.2, 0.02, 0.002, 0.0002];
    grid.forEach((a, k) => {
      expect(a).toBeCloseTo(expected[k], 14);
    });
    expect(Array.from(alphaGrid(0, 2, 0.5))).toEqual([1, 0.5]);
  });
});

describe("elasticNetPath", () => {
  it("starts at all zeros and agrees with independent fits at every α", () => {
    const { X, y } = sparseProblem(1, 60, 8);
    const path = elasticNetPath(X, y, { l1Ratio: 0.9, alphaCount: 12, epsilon: 1e-2, tolerance: 1e-12 });
    expect(path.isConverged).toBe(true);
    expect(path.alphas[0]).toBeCloseTo(elasticNetAlphaMax(X, y, { l1Ratio: 0.9 }), 14);
    expect(Array.from(path.coefficients.subarray(0, 8))).toEqual(new Array(8).fill(0));
    for (let k = 0; k < path.alphas.length; k++) {
      const single = ElasticNet.fit(X, y, { alpha: path.alphas[k], l1Ratio: 0.9, tolerance: 1e-12 });
      for (let j = 0; j < 8; j++) {
        expect(path.coefficients[k * 8 + j]).toBeCloseTo(single.coefficients[j], 8);
        expect(path.standardisedCoefficients[k * 8 + j]).toBeCloseTo(single.standardisedCoefficients[j], 8);
      }
      expect(path.intercepts[k]).toBeCloseTo(single.intercept, 8);
    }
    // At the smallest α the three true features carry the fit.
    const last = path.standardisedCoefficients.subarray(11 * 8, 12 * 8);
    expect(last[0]).toBeGreaterThan(2);
    expect(last[1]).toBeLessThan(-1);
  });

  it("sorts an explicit grid into decreasing order", () => {
    const { X, y } = sparseProblem(2, 30, 4);
    const path = elasticNetPath(X, y, { alphas: Float64Array.from([0.01, 1, 0.1]) });
    expect(Array.from(path.alphas)).toEqual([1, 0.1, 0.01]);
  });
});

describe("fitElasticNetCV", () => {
  it("computes each fold's validation error from a fit on that fold's training rows", () => {
    const { X, y } = sparseProblem(3, 50, 6);
    const result = fitElasticNetCV(X, y, { l1Ratio: 1, folds: 5, alphaCount: 8, rng: new Rng(42), tolerance: 1e-12 });
    const curve = result.curves[0];
    // Rebuild the folds as documented (row perm[i] in fold i mod k, perm from the same seed) and recompute the
    // mean over folds of the validation MSE at one α of the grid.
    const perm = new Rng(42).permutation(50);
    const fold = new Int32Array(50);
    for (let i = 0; i < 50; i++) fold[perm[i]] = i % 5;
    const a = 4;
    let mean = 0;
    for (let f = 0; f < 5; f++) {
      const train = [...Array(50).keys()].filter((i) => fold[i] !== f);
      const test = [...Array(50).keys()].filter((i) => fold[i] === f);
      const Xf: FeatureMatrix = {
        rows: train.length,
        cols: 6,
        data: Float64Array.from(train.flatMap((i) => Array.from(X.data.subarray(i * 6, i * 6 + 6)))),
      };
      const model = ElasticNet.fit(
        Xf,
        Float64Array.from(train, (i) => y[i]),
        { alpha: curve.alphas[a], l1Ratio: 1, tolerance: 1e-12 },
      );
      const Xt: FeatureMatrix = {
        rows: test.length,
        cols: 6,
        data: Float64Array.from(test.flatMap((i) => Array.from(X.data.subarray(i * 6, i * 6 + 6)))),
      };
      const fitted = model.predict(Xt);
      let sse = 0;
      test.forEach((i, r) => {
        sse += (y[i] - fitted[r]) ** 2;
      });
      mean += sse / test.length / 5;
    }
    expect(curve.meanSquaredError[a]).toBeCloseTo(mean, 8);
  });

  it("returns each row's out-of-fold prediction at the chosen α, from the fold fit that left it out", () => {
    const { X, y } = sparseProblem(5, 60, 5);
    const result = fitElasticNetCV(X, y, { l1Ratio: [0.5, 1], folds: 4, alphaCount: 12, rng: new Rng(9) });
    const curve = result.curves.find((c) => c.l1Ratio === result.l1Ratio);
    const index = curve?.alphas.indexOf(result.alpha) ?? -1;
    // The curve's point at the choice is the mean over folds of the validation MSE: the same number from the
    // out-of-fold predictions, grouped by the reported folds.
    let mean = 0;
    for (let f = 0; f < 4; f++) {
      const rows = [...Array(60).keys()].filter((i) => result.folds[i] === f);
      mean += rows.reduce((s, i) => s + (y[i] - result.outOfFold[i]) ** 2, 0) / rows.length / 4;
    }
    expect(mean).toBeCloseTo(curve?.meanSquaredError[index] ?? Number.NaN, 12);
    // A fixed α (one-point grid) still gives out-of-fold predictions, and the refit is at that α.
    const fixed = fitElasticNetCV(X, y, { l1Ratio: 1, folds: 4, alphas: Float64Array.of(0.05), rng: new Rng(9) });
    expect(fixed.alpha).toBe(0.05);
    expect(fixed.outOfFold.every(Number.isFinite)).toBe(true);
    expect(Array.from(fixed.folds)).toEqual(Array.from(result.folds));
  });

  it("chooses a sparse model that keeps the true features, reproducibly", () => {
    const { X, y } = sparseProblem(4, 120, 12);
    const run = () => fitElasticNetCV(X, y, { l1Ratio: [0.5, 1], folds: 5, alphaCount: 30, rng: new Rng(7) });
    const result = run();
    const again = run();
    expect(again.alpha).toBe(result.alpha);
    expect(Array.from(again.model.coefficients)).toEqual(Array.from(result.model.coefficients));
    expect(result.model.alpha).toBe(result.alpha);
    expect(result.curves.map((c) => c.l1Ratio)).toEqual([0.5, 1]);
    const v = result.model.standardisedCoefficients;
    expect(v[0]).toBeGreaterThan(2);
    expect(v[1]).toBeLessThan(-1);
    expect(v[2]).toBeGreaterThan(1);
    // The chosen α is interior: the curve is worse at both ends of the grid than at the choice.
    const curve = result.curves.find((c) => c.l1Ratio === result.l1Ratio);
    const chosen = curve?.alphas.indexOf(result.alpha) ?? -1;
    expect(chosen).toBeGreaterThan(0);
    expect(curve?.meanSquaredError[0]).toBeGreaterThan(curve?.meanSquaredError[chosen] ?? 0);

    const oneSe = fitElasticNetCV(X, y, {
      l1Ratio: [0.5, 1],
      folds: 5,
      alphaCount: 30,
      rng: new Rng(7),
      selection: "one-standard-error",
    });
    expect(oneSe.alpha).toBeGreaterThanOrEqual(result.alpha);
    let zerosMin = 0;
    let zerosOneSe = 0;
    for (let j = 0; j < 12; j++) {
      if (result.model.coefficients[j] === 0) zerosMin++;
      if (oneSe.model.coefficients[j] === 0) zerosOneSe++;
    }
    expect(zerosOneSe).toBeGreaterThanOrEqual(zerosMin);
  });

  it("refuses fewer rows than folds", () => {
    const X: FeatureMatrix = { rows: 3, cols: 1, data: Float64Array.from([1, 2, 3]) };
    expect(() => fitElasticNetCV(X, Float64Array.from([1, 2, 3]), { rng: new Rng(1), folds: 5 })).toThrow(/at least 5/);
  });
});
