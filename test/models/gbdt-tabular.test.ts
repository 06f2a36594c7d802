import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Task } from "../../src/core/index.js";
import {
  type ClassPrediction,
  type FittedModel,
  familyFor,
  loadBundledModel,
  type RegressionPrediction,
  saveBundle,
  type TrainSpec,
  trainModel,
} from "../../src/models/index.js";
import { LocalFolderStore } from "../../src/store/index.js";
import { caught } from "../features/transforms/caught.js";
import { expectLogOddsExplanations } from "../helpers/explanations.js";
import { FEATURES, frameOfRows, instanceOf, type TabularRow, tabularRows } from "../helpers/tabular-data.js";

const specOf = (task: Task, target: string, params: Record<string, unknown> = {}): TrainSpec => ({
  task,
  target,
  features: FEATURES,
  params,
  seed: 7,
});

const gbdt = (rows: TabularRow[], spec: TrainSpec): FittedModel =>
  familyFor("gbdt", spec.task).fit(frameOfRows(rows), spec);

/** Share of rows whose y lies inside their interval at `level`. */
function coverage(model: FittedModel, rows: TabularRow[], level: number): number {
  const preds = model.predict(rows.map(instanceOf), level) as RegressionPrediction[];
  return (
    preds.filter((p, i) => p.lower <= (rows[i] as TabularRow).y && (rows[i] as TabularRow).y <= p.upper).length /
    rows.length
  );
}

/** Rows predicted at prediction time: a missing number, an unseen category, a missing category, both at once. */
const awkward: Record<string, unknown>[] = [
  { x1: null, x2: 0.5, city: "north" },
  { x1: 1, x2: -1, city: "atlantis" },
  { x1: 1, x2: -1, city: null },
  { x1: null, x2: null, city: "atlantis" },
];

describe("gbdt family: regression", () => {
  const train = tabularRows(1500, 1);
  const held = tabularRows(1000, 2);
  const model = gbdt(train, specOf("regression", "y"));

  it("recovers the known function on held-out rows", () => {
    const complete = held.filter((r) => r.x1 !== null && r.city !== null);
    const preds = model.predict(complete.map(instanceOf), 0.9) as RegressionPrediction[];
    const rmseTruth = Math.sqrt(
      preds.reduce((s, p, i) => s + (p.value - (complete[i] as TabularRow).truth) ** 2, 0) / preds.length,
    );
    // f has a standard deviation near 3.4 and the noise 0.5: trees from 1,350 rows get within 0.6 of f.
    expect(rmseTruth).toBeLessThan(0.6);
  });

  it("covers 90 percent of held-out rows with its out-of-fold interval below 2,000 rows", () => {
    // No finite-sample guarantee here (see gbdt-calibration.ts), but with 800 stable fits the coverage should sit
    // near the level; averaged over four seeds, ±0.04 is about three binomial standard errors of 800 residuals.
    let total = 0;
    for (const seed of [11, 12, 13, 14]) {
      const m = gbdt(tabularRows(800, seed), { ...specOf("regression", "y"), seed });
      expect(m.describe()).toMatchObject({ intervals: { method: "out-of-fold", calibrationRows: 800, folds: 5 } });
      total += coverage(m, tabularRows(1000, seed + 100), 0.9);
    }
    expect(total / 4).toBeGreaterThan(0.86);
    expect(total / 4).toBeLessThan(0.94);
  });

  it("covers 90 percent of held-out rows with its split-conformal interval from 2,000 rows", () => {
    // Coverage is ≥ 0.9 in expectation and, without ties, below 0.9 + 1/(n + 1); with 250 calibration rows one
    // calibration draw moves it by about ±0.02 (binomial), so two seeds averaged sit well inside ±0.04.
    let total = 0;
    for (const seed of [11, 12]) {
      const m = gbdt(tabularRows(2500, seed), { ...specOf("regression", "y"), seed });
      expect(m.describe()).toMatchObject({ intervals: { method: "split-conformal", calibrationRows: 250 } });
      total += coverage(m, tabularRows(1000, seed + 100), 0.9);
    }
    expect(total / 2).toBeGreaterThan(0.86);
    expect(total / 2).toBeLessThan(0.94);
  });

  it("keeps the calibration rows out of fitting even without early stopping", () => {
    // An overfitted forest has residuals near 0 on the rows it was grown on; scored on them, the interval would
    // be far too narrow. Held-out calibration rows keep it honest.
    const big = tabularRows(2500, 1);
    const m = gbdt(big, specOf("regression", "y", { earlyStoppingRounds: 0, maxRounds: 300, maxDepth: 10 }));
    expect(m.describe()).toMatchObject({ earlyStoppingRows: 0, intervals: { calibrationRows: 250 } });
    expect(coverage(m, held, 0.9)).toBeGreaterThan(0.85);
  });

  it("calibrates a small regression on held-out predictions, every row growing the trees", () => {
    // Out of fold, an overfitted forest's residuals are honest too: each comes from trees that never saw the row.
    const m = gbdt(train, specOf("regression", "y", { maxRounds: 300, maxDepth: 10 }));
    expect(m.describe()).toMatchObject({ earlyStoppingRows: 0, intervals: { method: "out-of-fold" } });
    expect(coverage(m, held, 0.9)).toBeGreaterThan(0.85);
    // The held-out predictions are what the scores were made of, one per training row.
    const heldOut = m.heldOutPredictions as Float64Array;
    expect(heldOut).toHaveLength(train.length);
    const scores = heldOut.map((v, i) => Math.abs((train[i] as TabularRow).y - v)).sort();
    expect(m.state().blobs["conformal.scores"]).toEqual(scores);
  });

  it("widens the interval with the level and keeps it finite for small data", () => {
    const [narrow] = model.predict([instanceOf(held[0] as TabularRow)], 0.5) as RegressionPrediction[];
    const [wide] = model.predict([instanceOf(held[0] as TabularRow)], 0.99) as RegressionPrediction[];
    expect(wide!.upper - wide!.lower).toBeGreaterThan(narrow!.upper - narrow!.lower);
    const small = gbdt(tabularRows(12, 5), specOf("regression", "y"));
    const [p] = small.predict([instanceOf(held[0] as TabularRow)], 0.95) as RegressionPrediction[];
    expect(Number.isFinite(p!.lower) && Number.isFinite(p!.upper)).toBe(true);
    expect(p!.upper).toBeGreaterThan(p!.lower);
  });

  it("predicts a missing number and an unseen category without failing; an unseen category reads as missing", () => {
    const preds = model.predict(awkward, 0.9) as RegressionPrediction[];
    for (const p of preds) for (const v of [p.value, p.lower, p.upper]) expect(Number.isFinite(v)).toBe(true);
    expect(preds[1]!.value).toBe(preds[2]!.value);
  });

  it("names the field of a wrong type, a missing column and a non-finite number", () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ x1: "abc", x2: 1, city: "north" }, "expected a number"],
      [{ x2: 1, city: "north" }, "required"],
      [{ x1: Number.POSITIVE_INFINITY, x2: 1, city: "north" }, "expected a number"],
      [{ x1: "1e999", x2: 1, city: "north" }, "expected a number"],
      [{ x1: Number.NaN, x2: 1, city: "north" }, "expected a number"],
    ];
    for (const [bad, reason] of cases) {
      const e = caught(() => model.predict([instanceOf(held[0] as TabularRow), bad], 0.9));
      expect(e.code).toBe("SLP_INPUT_INVALID");
      expect(e.details).toEqual([{ field: "/instances/1/x1", reason }]);
    }
    const e = caught(() => model.predict([{ x1: 1, x2: 1, city: { name: "north" } }], 0.9, "/rows"));
    expect(e.details).toEqual([{ field: "/rows/0/city", reason: "expected a string" }]);
  });

  it("explains each prediction exactly: expected + contributions = the prediction", () => {
    const records = [...held.slice(0, 20).map(instanceOf), ...awkward];
    const preds = model.predict(records, 0.9) as RegressionPrediction[];
    const explanations = model.explain?.(records) ?? [];
    expect(explanations).toHaveLength(records.length);
    explanations.forEach((e, i) => {
      expect(e.scale).toBe("value");
      const out = e.outputs.value!;
      expect(Object.keys(out.contributions).sort()).toEqual(["city", "x1", "x2"]);
      const sum = Object.values(out.contributions).reduce((a, b) => a + b, out.expected);
      expect(Math.abs(sum - preds[i]!.value)).toBeLessThan(1e-9);
    });
    // The expected value is the model's mean prediction over the training cover: near the mean of y.
    const meanY = train.reduce((s, r) => s + r.y, 0) / train.length;
    expect(Math.abs(explanations[0]!.outputs.value!.expected - meanY)).toBeLessThan(0.5);
  });

  it("poisson: explains log μ, and refuses a negative target naming its column", () => {
    const counts = train.map((r) => ({ ...r, y: Math.round(Math.exp(r.truth / 4)) }));
    const m = gbdt(counts, specOf("regression", "y", { objective: "poisson" }));
    const records = held.slice(0, 10).map(instanceOf);
    const preds = m.predict(records, 0.9) as RegressionPrediction[];
    (m.explain?.(records) ?? []).forEach((e, i) => {
      expect(e.scale).toBe("log");
      const sum = Object.values(e.outputs.value!.contributions).reduce((a, b) => a + b, e.outputs.value!.expected);
      expect(Math.abs(Math.exp(sum) - preds[i]!.value)).toBeLessThan(1e-9 * preds[i]!.value);
    });
    const e = caught(() => gbdt(train, specOf("regression", "y", { objective: "poisson" })));
    expect(e.code).toBe("SLP_TRAIN_FAILED");
    expect(e.details).toEqual([{ field: "y", reason: "negative values" }]);
  });

  it("refuses a parameter of the wrong type, naming it", () => {
    const e = caught(() => gbdt(train, specOf("regression", "y", { learningRate: "fast" })));
    expect(e.code).toBe("SLP_INPUT_INVALID");
    expect(e.details[0]?.field).toBe("/params/learningRate");
    expect(caught(() => gbdt(train, specOf("regression", "y", { objective: "softmax" }))).details[0]?.field).toBe(
      "/params/objective",
    );
  });

  it("sets its defaults by the data's size, and a project's parameters override them", () => {
    type Described = { params: Record<string, number>; rounds: number; earlyStoppingRows: number };
    // A regression below 2,000 rows: 200 rounds at 0.05 without early stopping; a leaf of at least a twentieth of
    // the rows the trees grow on (at most 20), here all 300 since calibration is out of fold.
    const small = gbdt(tabularRows(300, 41), specOf("regression", "y")).describe() as Described;
    expect(small.params).toMatchObject({ learningRate: 0.05, maxRounds: 200, earlyStoppingRounds: 0 });
    expect(small.params).toMatchObject({ minSamplesLeaf: 15, lambda: 1, minChildWeight: 1 });
    expect([small.rounds, small.earlyStoppingRows]).toEqual([200, 0]);
    const tiny = gbdt(tabularRows(30, 42), specOf("regression", "y")).describe() as Described;
    expect(tiny.params.minSamplesLeaf).toBe(2);
    // From 2,000 rows: early stopping at 0.1 on a tenth of the rows; the leaf size is capped at 20.
    const large = gbdt(tabularRows(2500, 43), specOf("regression", "y")).describe() as Described;
    expect(large.params).toMatchObject({ learningRate: 0.1, maxRounds: 1000, earlyStoppingRounds: 50 });
    expect(large.params.minSamplesLeaf).toBe(20);
    expect(large.earlyStoppingRows).toBe(225);
    // A small classifier still stops early: only held-out rows tell when its probabilities grow overconfident.
    const classifier = gbdt(tabularRows(300, 41), specOf("binary", "label")).describe() as Described;
    expect(classifier.params).toMatchObject({ learningRate: 0.1, earlyStoppingRounds: 50, minSamplesLeaf: 14 });
    expect(classifier.earlyStoppingRows).toBe(30);
    // Given parameters win over every size rule.
    const given = gbdt(
      tabularRows(300, 41),
      specOf("regression", "y", { learningRate: 0.2, maxRounds: 40, minSamplesLeaf: 3 }),
    ).describe() as Described;
    expect(given.params).toMatchObject({ learningRate: 0.2, maxRounds: 40, minSamplesLeaf: 3 });
    expect(given.rounds).toBe(40);
  });

  it("leaves a multiclass model's leaf values unpenalised from 1,000 rows, penalised below", () => {
    type Described = { params: Record<string, number> };
    const below = gbdt(tabularRows(600, 44), specOf("multiclass", "kind")).describe() as Described;
    expect(below.params).toMatchObject({ lambda: 1, minChildWeight: 1 });
    const from = gbdt(tabularRows(1000, 45), specOf("multiclass", "kind")).describe() as Described;
    expect(from.params).toMatchObject({ lambda: 0, minChildWeight: 1e-3 });
    // A binary model keeps XGBoost's penalty at any size.
    const binary = gbdt(tabularRows(1000, 45), specOf("binary", "label")).describe() as Described;
    expect(binary.params).toMatchObject({ lambda: 1, minChildWeight: 1 });
    const given = gbdt(tabularRows(1000, 45), specOf("multiclass", "kind", { lambda: 2 })).describe() as Described;
    expect(given.params).toMatchObject({ lambda: 2, minChildWeight: 1e-3 });
  });

  it("replays a scored model's rounds without early stopping", () => {
    const replay = familyFor("gbdt", "regression").fit(frameOfRows(train), specOf("regression", "y"), {
      hyperparametersFrom: model.state(),
    });
    expect(replay.describe()).toMatchObject({ rounds: model.describe().rounds, earlyStoppingRows: 0 });
    // Its size-dependent parameters too: a refit on more rows keeps the scored leaf size.
    const scored = gbdt(tabularRows(300, 46), specOf("regression", "y"));
    const refit = familyFor("gbdt", "regression").fit(frameOfRows(tabularRows(600, 47)), specOf("regression", "y"), {
      hyperparametersFrom: scored.state(),
    });
    const leaf = (m: FittedModel) => (m.describe() as { params: { minSamplesLeaf: number } }).params.minSamplesLeaf;
    expect(leaf(refit)).toBe(leaf(scored));
  });
});

describe("gbdt family: classification", () => {
  const train = tabularRows(1500, 3);
  const held = tabularRows(500, 4);
  const records = [...held.map(instanceOf), ...awkward];

  it.each([
    ["binary", "label", ["no", "yes"]],
    ["multiclass", "kind", ["high", "low", "mid"]],
  ] as const)("%s: probabilities sum to 1, the label is the most probable class", (task, target, classes) => {
    const model = gbdt(train, specOf(task, target));
    expect(model.signature.classes).toEqual(classes);
    const preds = model.predict(records, 0.9) as ClassPrediction[];
    for (const p of preds) {
      expect(Object.keys(p.probabilities).sort()).toEqual([...classes]);
      const values = Object.values(p.probabilities);
      expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      for (const v of values) expect(v >= 0 && v <= 1).toBe(true);
      expect(p.probabilities[p.label]).toBe(Math.max(...values));
    }
    const correct = preds.slice(0, held.length).filter((p, i) => p.label === (held[i] as TabularRow)[target]);
    // The labels are thresholds of y, itself f + noise: most of the error is the noise near a threshold.
    expect(correct.length / held.length).toBeGreaterThan(0.8);
  });

  it("binary: contributions + expected = the log-odds of the second class", () => {
    expectLogOddsExplanations(gbdt(train, specOf("binary", "label")), records);
  });

  it("multiclass: one explanation per class whose differences are the log-ratios of probabilities", () => {
    const model = gbdt(train, specOf("multiclass", "kind"));
    const preds = model.predict(records, 0.9) as ClassPrediction[];
    const explanations = model.explain?.(records) ?? [];
    expect(explanations).toHaveLength(records.length);
    explanations.forEach((e, i) => {
      expect(Object.keys(e.outputs)).toEqual(["high", "low", "mid"]);
      const raw = (c: string) =>
        Object.values(e.outputs[c]!.contributions).reduce((a, b) => a + b, e.outputs[c]!.expected);
      const p = preds[i]!.probabilities;
      // Softmax scores are identified up to a constant shared by the classes; their differences are exact.
      expect(Math.abs(raw("high") - raw("mid") - Math.log(p.high! / p.mid!))).toBeLessThan(1e-9);
      expect(Math.abs(raw("low") - raw("mid") - Math.log(p.low! / p.mid!))).toBeLessThan(1e-9);
    });
  });
});

describe("gbdt family: bundles and auto", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "slipway-gbdt-"));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it.each([
    ["regression", "y"],
    ["binary", "label"],
    ["multiclass", "kind"],
  ] as const)("%s round-trips through a bundle with identical predictions and explanations", async (task, target) => {
    const model = gbdt(tabularRows(600, 8), specOf(task, target));
    const store = new LocalFolderStore(dir);
    await saveBundle(store, `gbdt-${task}/1`, model, { metrics: {}, lineage: {} });
    const loaded = await loadBundledModel(store, `gbdt-${task}/1`);
    const records = [...tabularRows(50, 9).map(instanceOf), ...awkward];
    expect(loaded.family).toBe("gbdt");
    expect(loaded.signature).toEqual(model.signature);
    expect(loaded.predict(records, 0.8)).toEqual(model.predict(records, 0.8));
    expect(loaded.explain?.(records)).toEqual(model.explain?.(records));
    expect(loaded.describe()).toEqual(model.describe());
  });

  it("auto picks gbdt on a nonlinear problem and linear on a linear one, and reports the choice", () => {
    // The linear rows have no missing values: a linear model imputes a missing x1 at its mean, which costs more
    // than the direction the trees learn for it, and would hand the linear problem to the trees.
    const complete = (r: TabularRow) => r.x1 !== null && r.city !== null;
    for (const [rows, expected] of [
      [tabularRows(1000, 21, "nonlinear"), "gbdt"],
      [tabularRows(600, 23, "linear").filter(complete), "linear"],
    ] as const) {
      const result = trainModel(frameOfRows(rows), specOf("regression", "y"), "auto", {
        kind: "split",
        share: 0.2,
      });
      expect(result.family).toBe(expected);
      expect(result.model.family).toBe(expected);
      expect(result.selection).toBe("evaluation");
      // The blend of the two is scored too; where one family is clearly right, averaging in the other costs.
      expect(result.candidates.map((c) => c.family)).toEqual(["gbdt", "linear", "combination"]);
      const chosen = result.candidates.find((c) => c.family === expected)!;
      const rejected = result.candidates.filter((c) => c !== chosen);
      expect(chosen.chosen).toBe(true);
      for (const r of rejected) {
        expect(r.chosen).toBeUndefined();
        expect(chosen.metrics.rmse).toBeLessThan(r.metrics.rmse as number);
      }
      expect(result.metrics).toEqual(chosen.metrics);
    }
  });

  it("auto chooses between the families for classification by log loss", () => {
    const result = trainModel(frameOfRows(tabularRows(1000, 22)), specOf("binary", "label"), "auto", {
      kind: "split",
      share: 0.2,
    });
    expect(result.family).toBe("gbdt");
    expect(result.candidates.filter((c) => c.chosen).map((c) => c.family)).toEqual(["gbdt"]);
    for (const c of result.candidates)
      expect(Object.keys(c.metrics).sort()).toEqual(["accuracy", "auc", "logloss", "n"]);
  });
});
