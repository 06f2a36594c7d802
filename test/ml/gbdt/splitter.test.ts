import { describe, expect, it } from "vitest";
import {
  BinMapper,
  buildHistogram,
  findBestSplit,
  HistogramLayout,
  leafScore,
  leafWeight,
  SplitInfo,
  SplitScratch,
  slotMatrix,
  thresholdL1,
  trainGbdt,
} from "../../../src/ml/gbdt/index.js";
import { matrix } from "./fixtures.js";

/** One tree of depth 1, one round, the raw Newton step (no shrinkage), no early stopping. */
const STUMP = { maxDepth: 1, maxRounds: 1, learningRate: 1, earlyStoppingRounds: 0 } as const;

describe("a stump on a toy set", () => {
  // x1 = 1…6, x2 alternates; y = (1, 1, 2, 4, 6, 4), so ȳ = 3 and g = f − y = (2, 2, 1, −1, −3, −1), h = 1.
  // Thresholds on x1 (left = rows with x1 ≤ t), G = 0, H = 6, λ = 0: gain = ½(G_L²/H_L + G_R²/H_R):
  //   t = 1.5: ½(4/1 + 4/5) = 2.4;  t = 2.5: ½(16/2 + 16/4) = 6;  t = 3.5: ½(25/3 + 25/3) = 25/3;
  //   t = 4.5: ½(16/4 + 16/2) = 6;  t = 5.5: ½(1/5 + 1/1) = 0.6.
  // On x2 the sides have G = 2 + 1 − 3 = 0 and 0: gain 0. Best: x1 ≤ 3.5, leaves −G/H = −5/3 and +5/3,
  // i.e. predictions 3 − 5/3 = 4/3 (the mean of 1, 1, 2) and 3 + 5/3 = 14/3 (the mean of 4, 6, 4).
  const X = matrix([
    [1, 0],
    [2, 1],
    [3, 0],
    [4, 1],
    [5, 0],
    [6, 1],
  ]);
  const y = Float64Array.of(1, 1, 2, 4, 6, 4);

  it("finds the hand-computed split, gain and leaf values (λ = 0)", () => {
    const model = trainGbdt(X, y, { ...STUMP, lambda: 0 });
    const e = model.ensemble;
    expect(model.baseline[0]).toBe(3);
    expect(e.treeCount).toBe(1);
    expect(e.nodeCount).toBe(3);
    expect(e.feature[0]).toBe(0);
    expect(e.threshold[0]).toBe(3.5);
    expect(e.gain[0]).toBeCloseTo(25 / 3, 12);
    expect(e.value[e.left[0]]).toBeCloseTo(-5 / 3, 12);
    expect(e.value[e.right[0]]).toBeCloseTo(5 / 3, 12);
    expect(e.cover[e.left[0]]).toBe(3);
    const p = model.predict(
      matrix([
        [3.4, 0],
        [3.6, 1],
        [-10, 0],
        [100, 0],
      ]),
    );
    expect(Array.from(p).map((v) => +v.toFixed(12))).toEqual([4 / 3, 14 / 3, 4 / 3, 14 / 3].map((v) => +v.toFixed(12)));
    expect(model.featureImportance("gain")[0]).toBeCloseTo(25 / 3, 12);
    expect(Array.from(model.featureImportance("split"))).toEqual([1, 0]);
  });

  it("applies λ and the α soft threshold to gains and leaves (λ = 1, α = 1)", () => {
    // T(5) = 4: left weight −4/(3 + 1) = −1, right +1. Gain at 3.5: ½(16/4 + 16/4 − 0) = 4; at 2.5 and 4.5:
    // ½(9/3 + 9/5) = 2.4. Still x1 ≤ 3.5.
    const model = trainGbdt(X, y, { ...STUMP, lambda: 1, alpha: 1 });
    const e = model.ensemble;
    expect(e.threshold[0]).toBe(3.5);
    expect(e.gain[0]).toBeCloseTo(4, 12);
    expect(e.value[e.left[0]]).toBeCloseTo(-1, 12);
    expect(e.value[e.right[0]]).toBeCloseTo(1, 12);
  });

  it("does not split when γ exceeds the best gain", () => {
    const model = trainGbdt(X, y, { ...STUMP, lambda: 0, gamma: 9 });
    expect(model.ensemble.nodeCount).toBe(1);
    expect(model.predict(matrix([[1, 0]]))[0]).toBeCloseTo(3, 12);
  });

  it("respects minChildWeight", () => {
    // Each side needs hessian ≥ 4: only t = 2.5 (2 | 4)… no, both sides must reach 4, which no split of 6 unit
    // rows into 3 | 3 allows except none: so no split at all.
    expect(trainGbdt(X, y, { ...STUMP, lambda: 0, minChildWeight: 4 }).ensemble.nodeCount).toBe(1);
    // With 3, the 3 | 3 split is the only allowed one.
    expect(trainGbdt(X, y, { ...STUMP, lambda: 0, minChildWeight: 3 }).ensemble.threshold[0]).toBe(3.5);
  });
});

describe("the gain formula", () => {
  it("soft-thresholds G by α", () => {
    expect(thresholdL1(5, 1)).toBe(4);
    expect(thresholdL1(-5, 1)).toBe(-4);
    expect(thresholdL1(0.5, 1)).toBe(0);
    expect(leafScore(5, 3, 1, 1)).toBe(4);
    expect(leafWeight(-5, 3, 1, 1)).toBe(1);
    expect(leafWeight(1, 0, 0, 0)).toBe(0);
  });
});

describe("missing values", () => {
  const stump = { ...STUMP, lambda: 0 };

  it("go the learned direction: right when they look like the high side", () => {
    const X = matrix([[1], [2], [3], [4], [Number.NaN], [Number.NaN]]);
    const y = Float64Array.of(0, 0, 10, 10, 10, 10);
    const model = trainGbdt(X, y, stump);
    const e = model.ensemble;
    expect(e.threshold[0]).toBe(2.5);
    expect(e.defaultLeft[0]).toBe(0);
    const p = model.predict(matrix([[Number.NaN], [1], [3]]));
    expect(Array.from(p)).toEqual([10, 0, 10]);
  });

  it("go the learned direction: left when they look like the low side", () => {
    const X = matrix([[1], [2], [3], [4], [Number.NaN], [Number.NaN]]);
    const y = Float64Array.of(0, 0, 10, 10, 0, 0);
    const model = trainGbdt(X, y, stump);
    expect(model.ensemble.defaultLeft[0]).toBe(1);
    expect(model.ensemble.threshold[0]).toBe(2.5);
    expect(Array.from(model.predict(matrix([[Number.NaN], [1], [4]])))).toEqual([0, 0, 10]);
  });

  it("can be split off on their own", () => {
    // Every non-missing row alike: the only useful split is "missing or not" (threshold +∞, missing right).
    const X = matrix([[1], [2], [3], [Number.NaN], [Number.NaN]]);
    const y = Float64Array.of(0, 0, 0, 5, 5);
    const model = trainGbdt(X, y, stump);
    expect(model.ensemble.threshold[0]).toBe(Number.POSITIVE_INFINITY);
    expect(Array.from(model.predict(matrix([[Number.NaN], [100]])))).toEqual([5, 0]);
  });

  it("unseen in training follow the larger child", () => {
    const X = matrix([[1], [2], [3], [4], [5]]);
    const y = Float64Array.of(0, 0, 1, 1, 1);
    const model = trainGbdt(X, y, stump);
    expect(model.ensemble.defaultLeft[0]).toBe(0);
    expect(model.predict(matrix([[Number.NaN]]))[0]).toBeCloseTo(1, 12);
  });
});

describe("categorical splits", () => {
  // Four categories of 20 rows each; y = 1 for {0, 2} and 0 for {1, 3}: no threshold on the codes separates
  // them, a partition does.
  const codes: number[][] = [];
  const target: number[] = [];
  for (let i = 0; i < 80; i++) {
    codes.push([i % 4]);
    target.push(i % 4 === 0 || i % 4 === 2 ? 1 : 0);
  }
  const X = matrix(codes);
  const y = Float64Array.from(target);
  const stump = { ...STUMP, lambda: 0 };

  it("separate categories a single threshold cannot", () => {
    const categorical = trainGbdt(X, y, { ...stump, categoricalFeatures: [0] });
    const p = categorical.predict(matrix([[0], [1], [2], [3]]));
    expect(Array.from(p).map((v) => +v.toFixed(12))).toEqual([1, 0, 1, 0]);
    expect(categorical.ensemble.catOffset[0]).toBeGreaterThanOrEqual(0);

    const numeric = trainGbdt(X, y, stump);
    const q = numeric.predict(matrix([[0], [1], [2], [3]]));
    // The best threshold split leaves at least one leaf mixed.
    expect(Math.max(...Array.from(q).map((v, k) => Math.abs(v - [1, 0, 1, 0][k])))).toBeGreaterThan(0.3);
  });

  it("send unseen and missing categories the default way", () => {
    const model = trainGbdt(X, y, { ...stump, categoricalFeatures: [0] });
    const e = model.ensemble;
    const defaultValue = e.value[e.defaultLeft[0] === 1 ? e.left[0] : e.right[0]] + model.baseline[0];
    const p = model.predict(matrix([[7], [Number.NaN], [1.5], [-1]]));
    for (const v of p) expect(v).toBeCloseTo(defaultValue, 12);
  });

  it("send missing values as their own category when they have support", () => {
    // Missing rows (20) behave like categories {0, 2}.
    const rows = codes.map((r) => [...r]);
    const t = [...target];
    for (let i = 0; i < 20; i++) {
      rows.push([Number.NaN]);
      t.push(1);
    }
    const model = trainGbdt(matrix(rows), Float64Array.from(t), { ...stump, categoricalFeatures: [0] });
    expect(model.predict(matrix([[Number.NaN]]))[0]).toBeCloseTo(1, 12);
    expect(model.predict(matrix([[1]]))[0]).toBeCloseTo(0, 12);
  });
});

describe("findBestSplit", () => {
  it("returns no split for a node without signal", () => {
    const X = matrix([[1], [2], [3], [4]]);
    const mapper = BinMapper.fit(X);
    const binned = mapper.transform(X);
    const layout = new HistogramLayout(mapper.binCount);
    const source = {
      slots: slotMatrix(layout, binned.codes, 4),
      cols: 1,
      grad: new Float64Array(4),
      hess: new Float64Array(4).fill(1),
      constantHessian: 1,
    };
    const hist = new Float64Array(layout.length);
    const rows = Int32Array.of(0, 1, 2, 3);
    const features = Int32Array.of(0);
    buildHistogram(hist, layout, source, features, rows, 0, 4);
    const params = { lambda: 1, alpha: 0, gamma: 0, minChildWeight: 0, minSamplesLeaf: 1 };
    const split = new SplitInfo();
    const sums = { grad: 0, hess: 4, count: 4 };
    expect(findBestSplit(hist, layout, features, mapper.isCategorical, sums, params, split, new SplitScratch())).toBe(
      false,
    );
    source.grad.set([-1, -1, 1, 1]);
    buildHistogram(hist, layout, source, features, rows, 0, 4);
    expect(findBestSplit(hist, layout, features, mapper.isCategorical, sums, params, split, new SplitScratch())).toBe(
      true,
    );
    expect(split.bin).toBe(1);
    expect(split.leftCount).toBe(2);
    // ½(1/3 · 4 + 1/3 · 4) = 4/3 with λ = 1.
    expect(split.gain).toBeCloseTo(4 / 3, 12);
  });
});
