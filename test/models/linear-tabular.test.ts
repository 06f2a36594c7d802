import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Task } from "../../src/core/index.js";
import { encodeFrame, encodeRecords, fitTabularEncoder } from "../../src/features/index.js";
import {
  fitRidgeLeaveOneOut,
  LOGISTIC_CS,
  LogisticRegression,
  RIDGE_ALPHAS,
  RidgeRegression,
} from "../../src/ml/linear/index.js";
import {
  type ClassPrediction,
  type FittedModel,
  familyFor,
  loadBundledModel,
  type RegressionPrediction,
  type Signature,
  saveBundle,
  type TrainSpec,
} from "../../src/models/index.js";
import { encodeLabels } from "../../src/models/labels.js";
import { LocalFolderStore } from "../../src/store/index.js";
import { caught } from "../features/transforms/caught.js";
import { expectLogOddsExplanations } from "../helpers/explanations.js";
import { FEATURES, frameOfRows, instanceOf, type TabularRow, tabularRows } from "../helpers/tabular-data.js";

const specOf = (task: Task, target: string, params: Record<string, unknown> = {}): TrainSpec => ({
  task,
  target,
  features: FEATURES,
  params,
  seed: 5,
});

const linear = (rows: TabularRow[], spec: TrainSpec): FittedModel =>
  familyFor("linear", spec.task).fit(frameOfRows(rows), spec);

function coverage(model: FittedModel, rows: TabularRow[], level: number): number {
  const preds = model.predict(rows.map(instanceOf), level) as RegressionPrediction[];
  const inside = preds.filter((p, i) => p.lower <= (rows[i] as TabularRow).y && (rows[i] as TabularRow).y <= p.upper);
  return inside.length / rows.length;
}

const awkward: Record<string, unknown>[] = [
  { x1: null, x2: 0.5, city: "north" },
  { x1: 1, x2: -1, city: "atlantis" },
  { x1: null, x2: null, city: null },
];

describe("linear family: penalties", () => {
  const train = tabularRows(600, 31, "linear");
  const held = tabularRows(1000, 32, "linear");

  it("ridge (the default) reports coefficients per unit and per standard deviation of each input", () => {
    const model = linear(train, specOf("regression", "y"));
    const d = model.describe() as {
      penalty: string;
      intercept: number;
      coefficients: Record<string, number>;
      standardisedCoefficients: Record<string, number>;
      intervals: { method: string; calibrationRows: number };
    };
    expect(d.penalty).toBe("ridge");
    // y = 2·x1 − 1.5·x2 + city effect + N(0, 0.5²): per unit the slopes themselves.
    expect(d.coefficients.x1).toBeCloseTo(2, 1);
    expect(d.coefficients.x2).toBeCloseTo(-1.5, 1);
    expect(d.coefficients["city=north"]! - d.coefficients["city=south"]!).toBeCloseTo(5, 0);
    // Per standard deviation: x2 ~ U(−2, 2) has sd 4/√12, so the x2 coefficient scales by about 1.15.
    expect(d.standardisedCoefficients.x2! / d.coefficients.x2!).toBeCloseTo(4 / Math.sqrt(12), 1);
    expect(d.intervals).toEqual({ method: "leave-one-out", calibrationRows: 600, alpha: "leave-one-out" });
    // The original-scale terms reproduce the prediction of a complete row.
    const row = held[0] as TabularRow;
    const [p] = model.predict([instanceOf(row)], 0.9) as RegressionPrediction[];
    const byHand =
      d.intercept + d.coefficients.x1! * row.x1! + d.coefficients.x2! * row.x2! + d.coefficients[`city=${row.city}`]!;
    expect(byHand).toBeCloseTo(p!.value, 9);
  });

  it.each(["lasso", "elasticnet"] as const)("%s chooses alpha by seeded cross-validation", (penalty) => {
    const spec = specOf("regression", "y", { penalty });
    const model = linear(train, spec);
    const d = model.describe() as { alpha: number; l1Ratio: number; intervals: Record<string, unknown> };
    expect(d.l1Ratio).toBe(penalty === "lasso" ? 1 : 0.5);
    expect(d.alpha).toBeGreaterThan(0);
    expect(d.intervals).toEqual({ method: "out-of-fold", calibrationRows: 600, alpha: "cross-validation", folds: 5 });
    expect(linear(train, spec).describe()).toEqual(model.describe());
    const given = linear(train, specOf("regression", "y", { penalty, alpha: 0.3, l1Ratio: 0.8 })).describe();
    expect(given).toMatchObject({ alpha: 0.3, l1Ratio: penalty === "lasso" ? 1 : 0.8, intervals: { alpha: "given" } });
  });

  it("a large lasso penalty zeroes coefficients", () => {
    const d = linear(train, specOf("regression", "y", { penalty: "lasso", alpha: 1.2 })).describe() as {
      nonZero: number;
      coefficients: Record<string, number>;
    };
    expect(d.nonZero).toBeLessThan(4);
    expect(d.coefficients["city=east"]).toBe(0);
  });

  it.each([
    ["ridge", {}],
    ["lasso", { penalty: "lasso" }],
    ["elasticnet", { penalty: "elasticnet" }],
  ])("%s covers 90 percent of held-out rows", (_name, params) => {
    // 600 scores place the conformal quantile within about ±0.012 of its level; four seeds average that down.
    let total = 0;
    for (const seed of [41, 42, 43, 44]) {
      const model = linear(tabularRows(600, seed, "linear"), { ...specOf("regression", "y", params), seed });
      total += coverage(model, tabularRows(1000, seed + 50, "linear"), 0.9);
    }
    expect(total / 4).toBeGreaterThan(0.87);
    expect(total / 4).toBeLessThan(0.93);
  });

  it("ridge chooses alpha by the exact leave-one-out error on the standardised encoded columns", () => {
    const rows = tabularRows(40, 37, "linear");
    const model = linear(rows, specOf("regression", "y"));
    const d = model.describe() as { alpha: number; intervals: Record<string, unknown> };
    // The same search on the family's own encoding: the chosen alpha, and its residuals as the scores.
    const frame = frameOfRows(rows);
    const encoder = fitTabularEncoder(
      frame,
      FEATURES.map((f) => f.name),
    );
    const y = frame.columns.get("y")!.values as Float64Array;
    const search = fitRidgeLeaveOneOut(encodeFrame(encoder, frame), y, { standardise: true });
    expect(d.alpha).toBe(search.alpha);
    expect(RIDGE_ALPHAS).toContain(d.alpha);
    expect(d.intervals).toEqual({ method: "leave-one-out", calibrationRows: 40, alpha: "leave-one-out" });
    expect(model.state().blobs["conformal.scores"]).toEqual(search.residuals.map(Math.abs).sort());
    // Its held-out predictions are y minus those residuals, at each training row.
    const heldOut = model.heldOutPredictions as Float64Array;
    heldOut.forEach((v, i) => {
      expect(v).toBeCloseTo((y[i] as number) - (search.residuals[i] as number), 12);
    });
    // A given alpha is used as it is; a replay keeps the scored one.
    const given = linear(rows, specOf("regression", "y", { alpha: 0.37 })).describe();
    expect(given).toMatchObject({ alpha: 0.37, intervals: { alpha: "given" } });
    const replay = familyFor("linear", "regression").fit(frameOfRows(held), specOf("regression", "y"), {
      hyperparametersFrom: model.state(),
    });
    expect(replay.describe()).toMatchObject({ alpha: d.alpha, intervals: { alpha: "replayed" } });
  });

  it("a classifier chooses C by cross-validation below 1,000 rows, and keeps C = 1 from there", () => {
    const cOf = (m: FittedModel) => m.describe() as { C: number; CSetBy: string };
    const small = cOf(linear(tabularRows(300, 38), specOf("multiclass", "kind")));
    expect(small.CSetBy).toBe("cross-validation");
    expect(LOGISTIC_CS).toContain(small.C);
    expect(cOf(linear(tabularRows(1000, 38), specOf("binary", "label")))).toMatchObject({ C: 1, CSetBy: "default" });
    expect(cOf(linear(tabularRows(300, 38), specOf("binary", "label", { C: 0.5 })))).toMatchObject({
      C: 0.5,
      CSetBy: "given",
    });
    const scored = linear(tabularRows(300, 38), specOf("binary", "label"));
    const replay = familyFor("linear", "binary").fit(frameOfRows(tabularRows(500, 39)), specOf("binary", "label"), {
      hyperparametersFrom: scored.state(),
    });
    expect(cOf(replay)).toEqual(expect.objectContaining({ C: cOf(scored).C, CSetBy: "replayed" }));
  });

  it("replays a scored elastic net at its alpha", () => {
    const scored = linear(train, specOf("regression", "y", { penalty: "elasticnet" }));
    const replay = familyFor("linear", "regression").fit(frameOfRows(held), specOf("regression", "y"), {
      hyperparametersFrom: scored.state(),
    });
    expect(replay.describe()).toMatchObject({
      penalty: "elasticnet",
      alpha: (scored.describe() as { alpha: number }).alpha,
      intervals: { alpha: "replayed" },
    });
  });

  it("refuses parameters that do not fit the penalty, naming them", () => {
    const field = (params: Record<string, unknown>, task: Task = "regression", target = "y") =>
      caught(() => linear(train, specOf(task, target, params))).details[0]?.field;
    expect(field({ penalty: "l1" })).toBe("/params/penalty");
    expect(field({ penalty: "elasticnet", l1Ratio: 0 })).toBe("/params/l1Ratio");
    expect(field({ penalty: "elasticnet", l1Ratio: 1.5 })).toBe("/params/l1Ratio");
    expect(field({ penalty: "lasso", alpha: 0 })).toBe("/params/alpha");
    expect(field({ penalty: "lasso", folds: 1 })).toBe("/params/folds");
    expect(field({ penalty: "lasso" }, "binary", "label")).toBe("/params/penalty");
  });
});

describe("linear family: explanations", () => {
  const train = tabularRows(600, 33, "linear");
  const records = [...tabularRows(30, 34, "linear").map(instanceOf), ...awkward];

  it.each(["ridge", "lasso"] as const)("%s: contributions + expected = the prediction", (penalty) => {
    const model = linear(train, specOf("regression", "y", { penalty }));
    const preds = model.predict(records, 0.9) as RegressionPrediction[];
    const explanations = model.explain?.(records) ?? [];
    expect(explanations).toHaveLength(records.length);
    explanations.forEach((e, i) => {
      expect(e.scale).toBe("value");
      const out = e.outputs.value!;
      expect(Object.keys(out.contributions)).toEqual(["x1", "x2", "city"]);
      const sum = Object.values(out.contributions).reduce((a, b) => a + b, out.expected);
      expect(Math.abs(sum - preds[i]!.value)).toBeLessThan(1e-9);
    });
    // A missing number is imputed at its mean, where its contribution is nothing.
    expect(Math.abs(explanations[records.length - 3]!.outputs.value!.contributions.x1!)).toBeLessThan(1e-12);
    // The contribution of a number is w·(x − mean): linear in x, with the fitted slope.
    const x1Share = (x1: number) =>
      (model.explain?.([{ x1, x2: 0, city: "north" }]) ?? [])[0]?.outputs.value?.contributions.x1 ?? Number.NaN;
    expect(x1Share(2) - x1Share(1)).toBeCloseTo(
      (model.describe() as { coefficients: Record<string, number> }).coefficients.x1!,
      9,
    );
  });

  it("binary: contributions + expected = the log-odds of the second class", () => {
    expectLogOddsExplanations(linear(train, specOf("binary", "label")), records);
  });

  it("multiclass: the softmax of each class's contributions + expected gives the probabilities", () => {
    const model = linear(train, specOf("multiclass", "kind"));
    const preds = model.predict(records, 0.9) as ClassPrediction[];
    const explanations = model.explain?.(records) ?? [];
    expect(explanations).toHaveLength(records.length);
    explanations.forEach((e, i) => {
      const classes = Object.keys(e.outputs);
      expect(classes).toEqual(["high", "low", "mid"]);
      const z = classes.map((c) =>
        Object.values(e.outputs[c]!.contributions).reduce((a, b) => a + b, e.outputs[c]!.expected),
      );
      const total = z.reduce((s, v) => s + Math.exp(v), 0);
      classes.forEach((c, k) => {
        expect(Math.abs(Math.exp(z[k]!) / total - preds[i]!.probabilities[c]!)).toBeLessThan(1e-12);
      });
    });
  });
});

describe("linear family: bundles", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "slipway-linear-"));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));
  const train = tabularRows(300, 35, "linear");
  const records = [...tabularRows(40, 36, "linear").map(instanceOf), ...awkward];

  it.each([
    ["regression", "y", {}],
    ["regression", "y", { penalty: "elasticnet" }],
    ["binary", "label", {}],
    ["multiclass", "kind", {}],
  ] as const)("%s %j round-trips with identical predictions and explanations", async (task, target, params) => {
    const model = linear(train, specOf(task, target, params));
    const store = new LocalFolderStore(dir);
    const key = `linear-${task}-${Object.keys(params).length}/1`;
    await saveBundle(store, key, model, { metrics: {}, lineage: {} });
    const loaded = await loadBundledModel(store, key);
    expect(loaded.predict(records, 0.8)).toEqual(model.predict(records, 0.8));
    expect(loaded.explain?.(records)).toEqual(model.explain?.(records));
    expect(loaded.describe()).toEqual(model.describe());
  });

  it("loads bundles written before penalties and conformal intervals, and predicts as they did", async () => {
    // The state such a bundle holds: the encoder and the fitted ridge or logistic model, no blobs.
    const frame = frameOfRows(train);
    const names = FEATURES.map((f) => f.name);
    const encoder = fitTabularEncoder(frame, names);
    const ridge = RidgeRegression.fit(encodeFrame(encoder, frame), frame.columns.get("y")!.values as Float64Array, {
      alpha: 1e-6,
    });
    const regression: Signature = { task: "regression", target: "y", inputs: FEATURES };
    const store = new LocalFolderStore(dir);
    const old = familyFor("linear", "regression").load(
      { json: { encoder, ridge: ridge.toJSON() }, blobs: {} },
      regression,
    );
    await saveBundle(store, "legacy-ridge/1", old, { metrics: {}, lineage: {} });
    const loaded = await loadBundledModel(store, "legacy-ridge/1");
    const known = records.slice(0, 40);
    const expected = ridge.predictInterval(encodeRecords(encoder, known), 0.8);
    const preds = loaded.predict(known, 0.8) as RegressionPrediction[];
    preds.forEach((p, i) => {
      expect(p.value).toBe(expected.mean[i]);
      expect(p.lower).toBe(expected.lower[i]);
      expect(p.upper).toBe(expected.upper[i]);
    });
    expect(loaded.describe()).toMatchObject({ penalty: "ridge", intervals: { method: "ols" } });
    // An old ridge model still explains: its state kept the means of the encoded columns.
    expect(loaded.explain).toBeDefined();

    const labels = encodeLabels(frame, "label");
    const logistic = LogisticRegression.fit(encodeFrame(encoder, frame), labels.y, { classCount: 2 });
    const binary: Signature = { task: "binary", target: "label", inputs: FEATURES, classes: labels.classes };
    const oldLogistic = familyFor("linear", "binary").load(
      { json: { encoder, logistic: logistic.toJSON() }, blobs: {} },
      binary,
    );
    const proba = logistic.predictProba(encodeRecords(encoder, known));
    (oldLogistic.predict(known, 0.9) as ClassPrediction[]).forEach((p, i) => {
      expect(p.probabilities.yes).toBe(proba[2 * i + 1]);
    });
    // Without the training means an old logistic model cannot explain; the serving layer answers 400 for it.
    expect(oldLogistic.explain).toBeUndefined();
  });
});
