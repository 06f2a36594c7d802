import { describe, expect, it } from "vitest";
import { predictNumericRows } from "../../../src/ml/gbdt/forest-kernels.js";
import {
  BinMapper,
  FEATURE_SHARE_MIN,
  float64Array,
  type GbdtMatrix,
  type GbdtModel,
  HistogramLayout,
  GbdtModel as Model,
  PARALLEL_PREDICT_ROWS,
  PackedForest,
  resolveParams,
  SplitInfo,
  slotMatrix,
  TreeKernels,
  trainGbdt,
} from "../../../src/ml/gbdt/index.js";
import { Rng } from "../../../src/ml/random.js";
import { classification, friedman1, logLoss, matrix, rmse, rowsOf, withMissing } from "./fixtures.js";

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { details?: { field: string }[] }).details?.[0]?.field;
  }
  return undefined;
}

describe("binning", () => {
  it("cuts few distinct values at midpoints and many at quantiles", () => {
    const few = BinMapper.fit(matrix([[1], [2], [2], [3]]));
    expect(Array.from(few.thresholds[0])).toEqual([1.5, 2.5]);
    expect(few.binOf(0, 2)).toBe(1);
    expect(few.binOf(0, 99)).toBe(2);
    expect(few.binOf(0, Number.NaN)).toBe(few.binCount[0]);
    // 0 … 99 in 4 bins: linear-interpolated quartiles 24.75, 49.5, 74.25.
    const many = BinMapper.fit(
      { rows: 100, cols: 1, data: Float64Array.from({ length: 100 }, (_, i) => i) },
      {
        maxBins: 4,
      },
    );
    expect(Array.from(many.thresholds[0])).toEqual([24.75, 49.5, 74.25]);
  });

  it("agrees between the binned and raw decisions on every training value", () => {
    const { X } = friedman1(3000, 1, 5);
    const mapper = BinMapper.fit(X, { maxBins: 32 });
    const codes = mapper.transform(X).codes;
    for (let i = 0; i < X.rows; i++) {
      const b = codes[2 * X.rows + i];
      expect(X.data[i * X.cols + 2] <= mapper.rawThreshold(2, b)).toBe(true);
      if (b > 0) expect(X.data[i * X.cols + 2] > mapper.rawThreshold(2, b - 1)).toBe(true);
    }
  });
});

describe("regression on Friedman #1", () => {
  const data = friedman1(6000, 1, 1);
  const train = { X: rowsOf(data.X, 0, 5000), y: data.y.subarray(0, 5000) };
  const test = { X: rowsOf(data.X, 5000, 6000), y: data.y.subarray(5000) };
  const model = trainGbdt(train.X, train.y, { seed: 3 });

  it("approaches the noise floor (σ = 1) on held-out rows", () => {
    const error = rmse(model.predict(test.X), test.y);
    expect(error).toBeLessThan(1.35);
    // A constant model is far worse: the target's standard deviation is about 5.
    expect(rmse(new Float64Array(test.y.length).fill(model.baseline[0]), test.y)).toBeGreaterThan(4);
  });

  it("keeps the rounds up to the best validation loss", () => {
    const v = model.validationLoss;
    let best = 0;
    for (let i = 1; i < v.length; i++) if (v[i] < v[best]) best = i;
    expect(model.bestIteration).toBe(best);
    expect(model.rounds).toBe(best + 1);
    expect(model.roundsTrained).toBe(Math.min(1000, best + 1 + 50));
  });

  it("ranks the five informative features above the five noise features", () => {
    for (const kind of ["gain", "split"] as const) {
      const imp = model.featureImportance(kind);
      const minInformative = Math.min(...Array.from(imp.subarray(0, 5)));
      const maxNoise = Math.max(...Array.from(imp.subarray(5)));
      expect(minInformative).toBeGreaterThan(maxNoise);
    }
  });

  it("predicts one row as the batch does", () => {
    const batch = model.predictRaw(test.X);
    const out = new Float64Array(1);
    for (let i = 0; i < 50; i++) {
      model.predictRowRaw(test.X.data, out, i * test.X.cols, 0);
      expect(out[0]).toBe(batch[i]);
    }
  });

  it("round-trips through its bundle form with identical predictions", () => {
    const { json, blobs } = model.toJSON();
    const copy = Model.fromJSON(JSON.parse(JSON.stringify(json)), blobs);
    expect(Array.from(copy.predict(test.X))).toEqual(Array.from(model.predict(test.X)));
    expect(copy.rounds).toBe(model.rounds);
  });

  it("rejects a bundle whose child index leaves its tree", () => {
    const { json, blobs } = model.toJSON();
    const left = blobs["nodes.left"].slice();
    left[0] = json.nodeCount + 5;
    expect(fieldOf(() => Model.fromJSON(json, { ...blobs, "nodes.left": left }))).toBe("blobs.nodes.left");
  });
});

describe("determinism", () => {
  const { X, y } = friedman1(25_000, 1, 2);
  const sampled = { maxRounds: 15, subsample: 0.7, colsampleByTree: 0.6, earlyStoppingRounds: 0 };

  it("gives the same model on one thread and on two (histograms and split searches shared between threads)", () => {
    // Feature 7 (in the helper's half of the split search) becomes a category code that carries signal.
    const Xm = withMissing(X, [0, 3], 0.1, 9);
    const yc = y.slice();
    for (let i = 0; i < Xm.rows; i++) {
      Xm.data[i * 10 + 7] = i % 5;
      yc[i] += i % 5 === 2 ? 3 : 0;
    }
    const params = { ...sampled, seed: 4, categoricalFeatures: [7] };
    const one = trainGbdt(Xm, yc, params, { threads: 1 });
    const two = trainGbdt(Xm, yc, params, { threads: 2 });
    expect(one.featureImportance("split")[7]).toBeGreaterThan(0);
    expect(Array.from(two.ensemble.value)).toEqual(Array.from(one.ensemble.value));
    expect(Array.from(two.predict(Xm))).toEqual(Array.from(one.predict(Xm)));
  });

  it("gives the same model on one thread and on two when the threads share a wide tree's features", () => {
    // 24 features (the 10 of Friedman #1 and 14 of noise): at least FEATURE_SHARE_MIN, so the helper searches
    // the second half, where the categorical feature (20) and a column with missing values (22) lie.
    const n = 4000;
    const base = friedman1(n, 1, 8);
    const cols = 24;
    const data = new Float64Array(n * cols);
    const rng = new Rng(3);
    const yc = base.y.slice();
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < cols; j++) data[i * cols + j] = j < 10 ? base.X.data[i * 10 + j] : rng.next();
      data[i * cols + 20] = i % 6;
      yc[i] += i % 6 === 4 ? 4 : 0;
      if (i % 7 === 0) data[i * cols + 22] = Number.NaN;
    }
    expect(cols).toBeGreaterThanOrEqual(FEATURE_SHARE_MIN);
    const Xw = { rows: n, cols, data };
    const params = { maxRounds: 12, colsampleByTree: 0.9, earlyStoppingRounds: 0, seed: 6, categoricalFeatures: [20] };
    const one = trainGbdt(Xw, yc, params, { threads: 1 });
    const two = trainGbdt(Xw, yc, params, { threads: 2 });
    expect(one.featureImportance("split")[20]).toBeGreaterThan(0);
    expect(Array.from(two.ensemble.value)).toEqual(Array.from(one.ensemble.value));
    expect(Array.from(two.ensemble.feature)).toEqual(Array.from(one.ensemble.feature));
  });

  it("searches the second half of a wide node's features on the helper thread", () => {
    const n = 3000;
    const cols = 20;
    const rng = new Rng(12);
    const data = Float64Array.from({ length: n * cols }, () => rng.next());
    const X = { rows: n, cols, data };
    const mapper = BinMapper.fit(X);
    const binned = mapper.transform(X);
    const layout = new HistogramLayout(mapper.binCount);
    const params = resolveParams({}, new Float64Array(n));
    const grad = float64Array(n, true);
    const hess = float64Array(n, true);
    // The gradient follows feature 17 only, so the best split is in the helper's half.
    for (let i = 0; i < n; i++) {
      grad[i] = data[i * cols + 17] > 0.3 ? 1 : -1;
      hess[i] = 1;
    }
    const features = Int32Array.from({ length: cols }, (_, f) => f);
    const best = (threads: number) => {
      const kernels = new TreeKernels(
        layout,
        binned.codes,
        slotMatrix(layout, binned.codes, n),
        n,
        grad,
        hess,
        mapper.isCategorical,
        params,
        threads,
      );
      try {
        for (let i = 0; i < n; i++) kernels.rowIndex[i] = i;
        kernels.setFeatures(features);
        const split = new SplitInfo();
        const source = { slots: kernels.slots, cols, grad, hess, constantHessian: 0 };
        let G = 0;
        for (let i = 0; i < n; i++) G += grad[i];
        const job = {
          built: kernels.acquireHistogram(),
          start: 0,
          end: n,
          parent: -1,
          siblingStart: 0,
          siblingEnd: 0,
          builtSums: { grad: G, hess: n, count: n },
          parentSums: null,
        };
        kernels.search(job, source, split, new SplitInfo());
        return { split, parallel: kernels.parallel, error: kernels.helperError };
      } finally {
        kernels.close();
      }
    };
    const two = best(2);
    expect(two.error).toBeNull();
    expect(two.parallel).toBe(true);
    expect(two.split.feature).toBe(17);
    const one = best(1);
    expect(one.parallel).toBe(false);
    expect({ ...two.split }).toEqual({ ...one.split });
  });

  it("repeats with a seed and differs with another", () => {
    const a = trainGbdt(X, y, { ...sampled, seed: 1 }, { threads: 1 });
    const b = trainGbdt(X, y, { ...sampled, seed: 1 }, { threads: 1 });
    const c = trainGbdt(X, y, { ...sampled, seed: 2 }, { threads: 1 });
    expect(Array.from(b.predict(X))).toEqual(Array.from(a.predict(X)));
    expect(Array.from(c.predict(X))).not.toEqual(Array.from(a.predict(X)));
  });
});

describe("objectives", () => {
  const rng = new Rng(11);
  const n = 2000;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.next();
  const X: GbdtMatrix = { rows: n, cols: 1, data: x };
  const free = { earlyStoppingRounds: 0, maxRounds: 200, maxDepth: 3 };

  it("absolute error and Huber resist outliers that pull squared error", () => {
    // y = 10·x with 10% of the rows shifted by +200.
    const y = Float64Array.from(x, (v, i) => 10 * v + (i % 10 === 0 ? 200 : 0));
    const clean = Float64Array.from(x, (v) => 10 * v);
    const errorOf = (objective: "squared_error" | "absolute_error" | "huber") =>
      rmse(trainGbdt(X, y, { ...free, objective }).predict(X), clean);
    expect(errorOf("absolute_error")).toBeLessThan(1);
    expect(errorOf("huber")).toBeLessThan(1.5);
    expect(errorOf("squared_error")).toBeGreaterThan(10);
  });

  it("fits a Poisson rate with positive predictions whose mean matches the counts", () => {
    const y = Float64Array.from(x, (v) => poissonDraw(rng, Math.exp(1 + 2 * v)));
    const p = trainGbdt(X, y, { ...free, objective: "poisson", maxRounds: 100 }).predict(X);
    let mean = 0;
    let yMean = 0;
    for (let i = 0; i < n; i++) {
      expect(p[i]).toBeGreaterThan(0);
      mean += p[i] / n;
      yMean += y[i] / n;
    }
    expect(Math.abs(mean - yMean) / yMean).toBeLessThan(0.02);
    // Against the true rate e^(1 + 2x): within a few percent on average.
    let rel = 0;
    for (let i = 0; i < n; i++) rel += Math.abs(p[i] / Math.exp(1 + 2 * x[i]) - 1) / n;
    expect(rel).toBeLessThan(0.1);
  });

  it("puts the requested share of the rows under a quantile fit", () => {
    const y = Float64Array.from(x, (v) => v + rng.normal());
    for (const alpha of [0.1, 0.9]) {
      const p = trainGbdt(X, y, { ...free, objective: "quantile", quantileAlpha: alpha, maxRounds: 100 }).predict(X);
      let below = 0;
      for (let i = 0; i < n; i++) if (y[i] <= p[i]) below++;
      expect(Math.abs(below / n - alpha)).toBeLessThan(0.03);
    }
  });

  it("classifies binary labels better than the prior, with probabilities in (0, 1)", () => {
    const { X: Xc, y } = classification(4000, 2, 6);
    const model = trainGbdt(rowsOf(Xc, 0, 3000), y.subarray(0, 3000), { objective: "logistic" });
    const p = model.predict(rowsOf(Xc, 3000, 4000));
    for (const v of p) expect(v > 0 && v < 1).toBe(true);
    const prior = new Float64Array(1000).fill(1 / (1 + Math.exp(-model.baseline[0])));
    expect(logLoss(p, y.subarray(3000), 1)).toBeLessThan(0.8 * logLoss(prior, y.subarray(3000), 1));
  });

  it("gives softmax probabilities that sum to one per row and beat the priors", () => {
    const { X: Xc, y } = classification(4000, 4, 8);
    const model = trainGbdt(rowsOf(Xc, 0, 3000), y.subarray(0, 3000), { objective: "softmax" });
    expect(model.outputs).toBe(4);
    const p = model.predict(rowsOf(Xc, 3000, 4000));
    for (let i = 0; i < 1000; i++) {
      expect(p[i * 4] + p[i * 4 + 1] + p[i * 4 + 2] + p[i * 4 + 3]).toBeCloseTo(1, 12);
    }
    const prior = new Float64Array(4000);
    for (let i = 0; i < 1000; i++) for (let k = 0; k < 4; k++) prior[i * 4 + k] = Math.exp(model.baseline[k]);
    expect(logLoss(p, y.subarray(3000), 4)).toBeLessThan(0.85 * logLoss(prior, y.subarray(3000), 4));
  });

  it("rejects targets the objective cannot take, naming the row", () => {
    expect(
      fieldOf(() =>
        trainGbdt(
          X,
          Float64Array.from(x, (v) => v),
          { objective: "logistic" },
        ),
      ),
    ).toBe("/0");
    const negative = Float64Array.from(x, (_, i) => (i === 3 ? -1 : 1));
    expect(fieldOf(() => trainGbdt(X, negative, { objective: "poisson" }))).toBe("/3");
  });
});

describe("growth", () => {
  const { X, y } = friedman1(3000, 1, 4);

  it("loss-guided growth keeps to the leaf budget; depth-wise to the depth", () => {
    const guided = trainGbdt(X, y, { growPolicy: "lossguide", maxLeaves: 7, maxRounds: 20, earlyStoppingRounds: 0 });
    const e = guided.ensemble;
    for (let t = 0; t < e.treeCount; t++) {
      let leaves = 0;
      for (let i = e.treeStart[t]; i < e.treeStart[t + 1]; i++) if (e.feature[i] < 0) leaves++;
      expect(leaves).toBeLessThanOrEqual(7);
    }
    const deep = trainGbdt(X, y, { maxDepth: 3, maxRounds: 20, earlyStoppingRounds: 0 });
    expect(deep.ensemble.maxDepth()).toBe(3);
  });

  it("learns from missingness itself when it carries the signal", () => {
    // y = 5 where x is missing, else x: one split sends NaN its own way.
    const n = 1000;
    const data = Float64Array.from({ length: n }, (_, i) => (i % 4 === 0 ? Number.NaN : (i % 97) / 97));
    const target = Float64Array.from(data, (v) => (Number.isNaN(v) ? 5 : v));
    const model = trainGbdt({ rows: n, cols: 1, data }, target, { maxRounds: 200, earlyStoppingRounds: 0 });
    expect(model.predict(matrix([[Number.NaN]]))[0]).toBeCloseTo(5, 2);
    expect(model.predict(matrix([[0.5]]))[0]).toBeCloseTo(0.5, 1);
  });

  it("separates a set of categories in one split where thresholds on codes need three", () => {
    // Category codes 0…3; y = 1 for {0, 2}, 0 for {1, 3}.
    const n = 400;
    const data = Float64Array.from({ length: n }, (_, i) => i % 4);
    const target = Float64Array.from(data, (c) => (c === 0 || c === 2 ? 1 : 0));
    const stump = { maxDepth: 1, maxRounds: 1, learningRate: 1, lambda: 0, earlyStoppingRounds: 0 };
    const native = trainGbdt({ rows: n, cols: 1, data }, target, { ...stump, categoricalFeatures: [0] });
    expect(Array.from(native.predict(matrix([[0], [1], [2], [3]])))).toEqual([1, 0, 1, 0]);
    const numeric = trainGbdt({ rows: n, cols: 1, data }, target, stump);
    expect(rmse(numeric.predict(matrix([[0], [1], [2], [3]])), Float64Array.of(1, 0, 1, 0))).toBeGreaterThan(0.3);
  });

  it("names the parameter it rejects", () => {
    expect(fieldOf(() => trainGbdt(X, y, { learningRate: 0 }))).toBe("learningRate");
    expect(fieldOf(() => trainGbdt(X, y, { subsample: 1.5 }))).toBe("subsample");
    expect(fieldOf(() => trainGbdt(X, y, { maxBins: 300 }))).toBe("maxBins");
    expect(fieldOf(() => trainGbdt(X, y, { categoricalFeatures: [12] }))).toBe("categoricalFeatures");
  });
});

describe("TreeSHAP", () => {
  it("gives a stump's whole effect to its feature (closed form)", () => {
    // One split x0 ≤ 3.5 with three rows each side (cover 3 : 3): φ0 = f(x) − E f = ±5/3, φ1 = 0.
    const X = matrix([
      [1, 0],
      [2, 1],
      [3, 0],
      [4, 1],
      [5, 0],
      [6, 1],
    ]);
    const model = trainGbdt(X, Float64Array.of(1, 1, 2, 4, 6, 4), {
      maxDepth: 1,
      maxRounds: 1,
      learningRate: 1,
      lambda: 0,
      earlyStoppingRounds: 0,
    });
    const shap = model.shap(matrix([[1, 1]]));
    expect(shap.expectedValue[0]).toBeCloseTo(3, 12);
    expect(shap.values[0]).toBeCloseTo(-5 / 3, 12);
    expect(shap.values[1]).toBe(0);
  });

  it("equals brute-force Shapley values of the path-dependent expectation", () => {
    const { X, y } = friedman1(2000, 1, 8);
    const Xm = withMissing(X, [1], 0.2, 3);
    const model = trainGbdt(Xm, y, { maxDepth: 4, maxRounds: 3, earlyStoppingRounds: 0, colsampleByTree: 0.5 });
    const M = 10;
    for (let r = 0; r < 5; r++) {
      const row = Xm.data.subarray(r * M, (r + 1) * M);
      const shap = model.shap({ rows: 1, cols: M, data: row.slice() });
      const brute = bruteShapley(model, row);
      for (let f = 0; f < M; f++) expect(shap.values[f]).toBeCloseTo(brute[f], 10);
    }
  });

  it("sums with the expected value to the raw score (regression, binary, multiclass, categorical)", () => {
    const { X, y } = classification(1500, 3, 2);
    // Make feature 4 a category code.
    const data = X.data.slice();
    for (let i = 0; i < X.rows; i++) data[i * 5 + 4] = i % 6;
    const Xc = withMissing({ rows: X.rows, cols: 5, data }, [0, 4], 0.05, 1);
    const models: GbdtModel[] = [
      trainGbdt(Xc, y, { objective: "softmax", categoricalFeatures: [4], maxRounds: 30 }),
      trainGbdt(
        Xc,
        Float64Array.from(y, (v) => (v === 1 ? 1 : 0)),
        { objective: "logistic", maxRounds: 30 },
      ),
      trainGbdt(
        Xc,
        Float64Array.from(y, (v, i) => v + Xc.data[i * 5 + 1]),
        { maxRounds: 30 },
      ),
    ];
    const probe = rowsOf(Xc, 0, 40);
    for (const model of models) {
      const raw = model.predictRaw(probe);
      const shap = model.shap(probe);
      const K = model.outputs;
      for (let r = 0; r < probe.rows; r++) {
        for (let k = 0; k < K; k++) {
          let sum = shap.expectedValue[k];
          for (let f = 0; f < 5; f++) sum += shap.values[(r * K + k) * 5 + f];
          expect(Math.abs(sum - raw[r * K + k])).toBeLessThan(1e-9);
        }
      }
    }
  });
});

/** Shapley values by enumeration of all 2^M subsets, with v(S) the cover-weighted conditional expectation. */
function bruteShapley(model: GbdtModel, row: Float64Array): Float64Array {
  const e = model.ensemble;
  const M = row.length;
  const value = (node: number, S: number): number => {
    const f = e.feature[node];
    if (f < 0) return e.value[node];
    if ((S >> f) & 1) {
      const probe = model.ensemble;
      // Follow the row: the same decision the predictor takes (NaN by default direction).
      const x = row[f];
      const left = Number.isNaN(x) ? probe.defaultLeft[node] === 1 : x <= probe.threshold[node];
      return value(left ? e.left[node] : e.right[node], S);
    }
    const c = e.cover[node];
    return (
      (e.cover[e.left[node]] / c) * value(e.left[node], S) + (e.cover[e.right[node]] / c) * value(e.right[node], S)
    );
  };
  const v = new Float64Array(1 << M);
  for (let S = 0; S < 1 << M; S++) for (let t = 0; t < e.treeCount; t++) v[S] += value(e.treeStart[t], S);
  const fact = [1];
  for (let i = 1; i <= M; i++) fact.push(fact[i - 1] * i);
  const phi = new Float64Array(M);
  for (let S = 0; S < 1 << M; S++) {
    let size = 0;
    for (let f = 0; f < M; f++) size += (S >> f) & 1;
    for (let f = 0; f < M; f++) {
      if ((S >> f) & 1) continue;
      phi[f] += ((fact[size] * fact[M - size - 1]) / fact[M]) * (v[S | (1 << f)] - v[S]);
    }
  }
  return phi;
}

function poissonDraw(rng: Rng, lambda: number): number {
  // Knuth's method: fine for the small rates here.
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = rng.next();
  while (p > limit) {
    k++;
    p *= rng.next();
  }
  return k;
}

describe("batch prediction through WebAssembly", () => {
  it("gives exactly the scores of the JavaScript kernels: odd blocks, a partial last group, rows with NaN", () => {
    const { X: clean, y } = friedman1(3 * 64 + 37, 1, 21);
    // Missing values in training teach each split a default direction, both ways across the forest.
    const X = withMissing(clean, [0, 3], 0.2, 4);
    // 30 trees: seven full groups for the kernel and a group of two left to JavaScript.
    const model = trainGbdt(X, y, { maxRounds: 30, earlyStoppingRounds: 0 });
    const forest = new PackedForest(model.ensemble);
    const defaults = new Set(Array.from({ length: model.ensemble.nodeCount }, (_, i) => forest.ints[4 * i + 2] & 1));
    expect([...defaults].sort()).toEqual([0, 1]);
    const scorer = forest.wasmScorer();
    expect(scorer).not.toBeNull();
    // The second block has missing values (the kernel that tests for NaN), the others none.
    const data = clean.data.slice();
    data.set(X.data.subarray(64 * X.cols, 128 * X.cols), 64 * X.cols);
    expect(data.subarray(64 * X.cols, 128 * X.cols).some(Number.isNaN)).toBe(true);
    const baseline = Float64Array.of(0.25);
    const viaWasm = new Float64Array(X.rows);
    const viaJs = new Float64Array(X.rows);
    predictNumericRows(forest, baseline, data, X.cols, viaWasm, 0, X.rows, scorer);
    predictNumericRows(forest, baseline, data, X.cols, viaJs, 0, X.rows, null);
    expect(Array.from(viaWasm)).toEqual(Array.from(viaJs));
    // And the public batch path against one row at a time.
    const batch = model.predictRaw({ rows: X.rows, cols: X.cols, data });
    for (const i of [0, 1, 63, 64, 65, 100, 127, 191, 192, X.rows - 1])
      expect(batch[i]).toBe(model.predictRowRaw(data.subarray(i * X.cols, (i + 1) * X.cols))[0]);

    // Three outputs (softmax): 11 rounds × 3 trees, each tree adding to its own class.
    const labels = Float64Array.from(y, (v) => (v < 12 ? 0 : v < 16 ? 1 : 2));
    const softmax = trainGbdt(X, labels, { objective: "softmax", maxRounds: 11, earlyStoppingRounds: 0 });
    const classes = new PackedForest(softmax.ensemble);
    expect([classes.outputs, classes.treeCount]).toEqual([3, 33]);
    const base3 = Float64Array.of(0.1, -0.2, 0.3);
    const wasm3 = new Float64Array(3 * X.rows);
    const js3 = new Float64Array(3 * X.rows);
    predictNumericRows(classes, base3, data, X.cols, wasm3, 0, X.rows, classes.wasmScorer());
    predictNumericRows(classes, base3, data, X.cols, js3, 0, X.rows, null);
    expect(classes.wasmScorer()).not.toBeNull();
    expect(Array.from(wasm3)).toEqual(Array.from(js3));
  });
});

describe("batch prediction on two threads", () => {
  it("gives the scores of one thread, for one output and for several", () => {
    const { X, y } = friedman1(2 * PARALLEL_PREDICT_ROWS + 301, 1, 12);
    const regression = trainGbdt(X, y, { maxRounds: 30, earlyStoppingRounds: 0 });
    const labels = Float64Array.from(y, (v) => (v < 12 ? 0 : v < 16 ? 1 : 2));
    const softmax = trainGbdt(X, labels, { objective: "softmax", maxRounds: 11, earlyStoppingRounds: 0 });
    for (const model of [regression, softmax]) {
      const one = model.predictRaw(X, undefined, { threads: 1 });
      const two = model.predictRaw(X, undefined, { threads: 2 });
      expect(Array.from(two)).toEqual(Array.from(one));
      // Again, through the helper already running, with a smaller batch (the shared buffers are reused).
      const part = rowsOf(X, 0, PARALLEL_PREDICT_ROWS + 7);
      expect(Array.from(model.predictRaw(part, undefined, { threads: 2 }))).toEqual(
        Array.from(one.subarray(0, part.rows * model.outputs)),
      );
    }
  });
});
