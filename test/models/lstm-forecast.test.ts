import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Frame, frameOf, isSlipwayError, sliceFrame } from "../../src/core/index.js";
import { Rng } from "../../src/ml/random.js";
import { featureRows, fitFeaturePipeline, windowsOf } from "../../src/models/families/lstm-features.js";
import {
  type FittedModel,
  familyFor,
  loadBundledModel,
  type RegressionPrediction,
  saveBundle,
  type TrainSpec,
  trainModel,
} from "../../src/models/index.js";
import { LocalFolderStore } from "../../src/store/index.js";

const DAY_MS = 86_400_000;
/** 2026-01-05 is a Monday: day_of_week 0 at position 0. */
const START = Date.UTC(2026, 0, 5);
/** Units per weekday, Monday first: whole numbers, so a 7-day rolling mean is exactly constant. */
const PATTERN = [200, 220, 250, 300, 380, 450, 320];

/** Daily sales: the weekly pattern plus rounded N(0, σ²) noise. */
function weekly(n: number, sigma: number, seed: number): Frame {
  const rng = new Rng(seed);
  const date = new Float64Array(n);
  const sales = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    date[i] = START + i * DAY_MS;
    sales[i] = (PATTERN[i % 7] as number) + (sigma > 0 ? Math.round(sigma * rng.normal()) : 0);
  }
  return frameOf({ date: { kind: "time", values: date }, sales: { kind: "number", values: sales } });
}

function salesOf(frame: Frame): Float64Array {
  return frame.columns.get("sales")?.values as Float64Array;
}

const SPEC: TrainSpec = {
  task: "forecast",
  target: "sales",
  timeColumn: "date",
  targetColumn: { name: "sales", type: "number", min: 0, max: 10_000 },
  features: [],
  // A learning rate of 0.01: with a few hundred windows, the default 1e-3 needs far more than 50 epochs.
  params: { learningRate: 0.01 },
  seed: 3,
};
const lstm = familyFor("lstm", "forecast");

/** The next-day prediction from the `n` values before position `end`. */
function nextDay(model: FittedModel, sales: Float64Array, end: number, n = 20): RegressionPrediction {
  return model.predict([{ sales: Array.from(sales.subarray(end - n, end)) }], 0.95)[0] as RegressionPrediction;
}

/** The details of the SLP_INPUT_INVALID error `run` throws. */
function invalidDetails(run: () => unknown): { field: string; reason: string }[] {
  try {
    run();
  } catch (error) {
    if (isSlipwayError(error) && error.code === "SLP_INPUT_INVALID") return error.details;
    throw error;
  }
  throw new Error("expected SLP_INPUT_INVALID");
}

function invalidFields(run: () => unknown): string[] {
  return invalidDetails(run).map((d) => d.field);
}

describe("lstm features and windows", () => {
  it("computes lags, rolling means and calendar parts, scaled on the training rows, and windows them", () => {
    // y = 10, 20, …, 80 on eight days from a Monday.
    const values = Float64Array.from({ length: 8 }, (_, i) => 10 * (i + 1));
    const index = { unit: "ms" as const, step: DAY_MS, origin: START, dayOfMonth: 5, msOfDay: 0, dateOnly: true };
    const segment = { firstStep: 0, values };
    const features = ["lag_1", "rolling_mean_3", "day_of_week"];
    const pipeline = fitFeaturePipeline(index, "sales", "date", features, segment);
    expect(pipeline.featureNames).toEqual(["lag_1", "rolling_mean_3", "day_of_week", "sales"]);
    const rows = featureRows(pipeline, index, "sales", "date", segment);
    // Raw at row 3 (y = 40, a Thursday): lag_1 = 30, rolling_mean_3 = mean(20, 30, 40) = 30 (the window ends at
    // the row), day_of_week = 3. Training ranges: lag_1 10…70, rolling_mean_3 20…70, day_of_week 0…6, sales 10…80.
    expect(Array.from(rows.subarray(3 * 4, 4 * 4))).toEqual([(30 - 10) / 60, (30 - 20) / 50, 3 / 6, (40 - 10) / 70]);
    // Rows 0 and 1 lack the rolling mean's two earlier values (row 0 also lag_1).
    expect(Number.isNaN(rows[0 * 4 + 0] as number)).toBe(true);
    expect(Number.isNaN(rows[1 * 4 + 1] as number)).toBe(true);
    expect(Number.isFinite(rows[2 * 4 + 1] as number)).toBe(true);

    const scaled = Float64Array.from({ length: 8 }, (_, i) => rows[i * 4 + 3] as number);
    const windows = windowsOf(rows, 4, scaled, 2, 1);
    // A window of 2 rows needs complete rows: the first ends at row 3 (rows 2 and 3); the last at row 6 (target 7).
    expect(Array.from(windows.ends)).toEqual([3, 4, 5, 6]);
    expect(Array.from(windows.X.subarray(0, 8))).toEqual(Array.from(rows.subarray(2 * 4, 4 * 4)));
    expect(windows.y[0]).toBeCloseTo((50 - 10) / 70, 15);
    // Horizon 2: each window predicts two targets, so one fewer window fits.
    const two = windowsOf(rows, 4, scaled, 2, 2);
    expect(Array.from(two.ends)).toEqual([3, 4, 5]);
    expect(Array.from(two.y.subarray(0, 2))).toEqual([scaled[4], scaled[5]]);
  });

  it("fits the scalers on the training rows only, never on the held-out window", () => {
    // A spike in the 30 held-out days: a scaler fitted on every row would stretch its range to it.
    const frame = weekly(180, 10, 1);
    salesOf(frame)[170] = 5000;
    const result = trainModel(frame, SPEC, "lstm", { kind: "holdout", rows: 30 });
    const trainMax = Math.max(...salesOf(frame).subarray(0, 150));
    const scored = result.scored?.describe().scaler as Record<string, [number, number]>;
    expect(scored.sales).toEqual([Math.min(...salesOf(frame).subarray(0, 150)), trainMax]);
    expect(scored.lag_1?.[1]).toBeLessThanOrEqual(trainMax);
    // The registered model is refitted on every row, so its range does include the spike.
    expect((result.model.describe().scaler as Record<string, [number, number]>).sales?.[1]).toBe(5000);
  });
});

describe("lstm forecaster", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "slipway-lstm-"));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it("learns a noiseless weekly pattern: one-step MAE under 1% of its range", () => {
    const all = weekly(200, 0, 1);
    const model = lstm.fit(sliceFrame(all, 0, 150), SPEC);
    const sales = salesOf(all);
    let error = 0;
    for (let end = 150; end < 200; end++) error += Math.abs(nextDay(model, sales, end).value - (sales[end] as number));
    // The pattern spans 250 units; the network reaches a fraction of a unit in 50 epochs (0.24 when measured).
    expect(error / 50).toBeLessThan(2.5);
  });

  it("covers about 95% with its intervals on noisy series", () => {
    let inside = 0;
    let total = 0;
    let aheadInside = 0;
    for (const seed of [1, 2, 3]) {
      const all = weekly(400, 20, seed);
      const sales = salesOf(all);
      const model = lstm.fit(sliceFrame(all, 0, 300), { ...SPEC, seed });
      for (let end = 300; end < 400; end++) {
        const p = nextDay(model, sales, end);
        const y = sales[end] as number;
        if (y >= p.lower && y <= p.upper) inside++;
        total++;
      }
      model.forecast(30, 0.95).forEach((row, h) => {
        const y = sales[300 + h] as number;
        if (y >= row.lower && y <= row.upper) aheadInside++;
      });
    }
    // 300 one-step predictions: split conformal promises ≥ 95% on average; the sampling sd of the share is about
    // 1.3 points, and the calibration set (27 windows a series) adds its own spread, hence 88%.
    expect(inside / total).toBeGreaterThan(0.88);
    expect(inside / total).toBeLessThanOrEqual(1);
    // Recursive forecasts 1…30 days ahead, 90 in all: the widened intervals should still cover most.
    expect(aheadInside / 90).toBeGreaterThan(0.85);
  });

  it("predicts from a history exactly as it featurised the training rows (no train/serve skew)", () => {
    const frame = weekly(120, 15, 4);
    const model = lstm.fit(frame, SPEC);
    const sales = salesOf(frame);
    const date = frame.columns.get("date")?.values as Float64Array;
    // In-sample one-step forecast at day 100 is the window ending at day 99, built from the stored series.
    const inSample = model.forecastAt(Float64Array.of(date[100] as number), 0.95)[0];
    expect(nextDay(model, sales, 100).value).toBe(inSample?.mean);
    // A longer history uses its last 20 values.
    expect(nextDay(model, sales, 100, 40).value).toBe(inSample?.mean);
  });

  it("forecasts after the last day, recursively; a longer forecast starts with the shorter one", () => {
    const model = lstm.fit(weekly(120, 15, 5), SPEC);
    const short = model.forecast(5, 0.95);
    const long = model.forecast(40, 0.95);
    expect(short[0]?.time).toBe(new Date(START + 120 * DAY_MS).toISOString().slice(0, 10));
    expect(long.slice(0, 5)).toEqual(short);
    // Intervals never narrow further ahead (horizon 1: each step is the same output, one block later).
    const widths = long.map((r) => r.upper - r.lower);
    for (let h = 1; h < widths.length; h++) expect(widths[h]).toBeGreaterThanOrEqual((widths[h - 1] as number) - 1e-9);
    // The first step's interval is the split-conformal one of the next-day prediction.
    const sales = salesOf(weekly(120, 15, 5));
    const p = nextDay(model, sales, 120);
    expect([short[0]?.mean, short[0]?.lower, short[0]?.upper]).toEqual([p.value, p.lower, p.upper]);
  });

  it("predicts several steps per window with horizon > 1", () => {
    const model = lstm.fit(weekly(150, 10, 6), { ...SPEC, params: { ...SPEC.params, horizon: 3 } });
    const rows = model.forecast(10, 0.9);
    expect(rows).toHaveLength(10);
    for (const r of rows) expect(r.lower).toBeLessThan(r.upper);
    expect(model.describe().horizon).toBe(3);
  });

  it("round-trips through a bundle: identical forecasts and predictions", async () => {
    const frame = weekly(120, 15, 7);
    const model = lstm.fit(frame, { ...SPEC, params: { ...SPEC.params, features: ["lag_1", "day_of_week"] } });
    const store = new LocalFolderStore(dir);
    await saveBundle(store, "m/1", model, { metrics: {}, lineage: {} });
    const loaded = await loadBundledModel(store, "m/1");
    expect(loaded.family).toBe("lstm");
    expect(loaded.forecast(30, 0.95)).toEqual(model.forecast(30, 0.95));
    const instance = { sales: Array.from(salesOf(frame).subarray(100)), date: "2026-05-04" };
    expect(loaded.predict([instance], 0.8)).toEqual(model.predict([instance], 0.8));
    expect(loaded.signature.inputs.map((c) => c.name)).toEqual(["sales", "date"]);
  });

  it("is deterministic for a seed, and the seed matters", () => {
    const frame = weekly(100, 15, 8);
    const a = lstm.fit(frame, SPEC).state();
    const b = lstm.fit(frame, SPEC).state();
    const c = lstm.fit(frame, { ...SPEC, seed: 4 }).state();
    expect(b.blobs["network.weights"]).toEqual(a.blobs["network.weights"]);
    expect(b.blobs.residuals).toEqual(a.blobs.residuals);
    expect(c.blobs["network.weights"]).not.toEqual(a.blobs["network.weights"]);
  });

  it("replays a champion's parameters and seed, not the spec's", () => {
    const frame = weekly(120, 15, 9);
    const champion = lstm.fit(frame, { ...SPEC, params: { ...SPEC.params, lookback: 7 }, seed: 11 });
    const replay = lstm.fit(frame, SPEC, { hyperparametersFrom: champion.state() });
    expect(replay.describe().lookback).toBe(7);
    expect(replay.state().blobs["network.weights"]).toEqual(champion.state().blobs["network.weights"]);
    expect(replay.describe().estimated).toMatch(/replayed/);
  });

  it("names the parameter of an invalid value", () => {
    const frame = weekly(60, 5, 1);
    const fieldsOf = (params: Record<string, unknown>) => invalidFields(() => lstm.fit(frame, { ...SPEC, params }));
    expect(fieldsOf({ lookback: 0 })).toEqual(["/params/lookback"]);
    expect(fieldsOf({ horizon: 1.5 })).toEqual(["/params/horizon"]);
    expect(fieldsOf({ layers: [32, 0] })).toEqual(["/params/layers/1"]);
    expect(fieldsOf({ layers: 32 })).toEqual(["/params/layers"]);
    expect(fieldsOf({ units: 16, layers: [16] })).toEqual(["/params/units"]);
    expect(fieldsOf({ dropout: 1 })).toEqual(["/params/dropout"]);
    expect(fieldsOf({ epochs: 0 })).toEqual(["/params/epochs"]);
    expect(fieldsOf({ batchSize: "32" })).toEqual(["/params/batchSize"]);
    expect(fieldsOf({ learningRate: 0 })).toEqual(["/params/learningRate"]);
    expect(fieldsOf({ loss: "l1" })).toEqual(["/params/loss"]);
    expect(fieldsOf({ patience: -1 })).toEqual(["/params/patience"]);
    expect(fieldsOf({ features: ["lag_1", "lag_0"] })).toEqual(["/params/features/1"]);
    expect(fieldsOf({ features: ["lag_1", "lag_1"] })).toEqual(["/params/features/1"]);
    expect(fieldsOf({ features: "lag_1" })).toEqual(["/params/features"]);
  });

  it("refuses a series too short for its windows, naming the lookback", () => {
    try {
      lstm.fit(weekly(25, 5, 1), SPEC);
      throw new Error("expected a failure");
    } catch (error) {
      expect(isSlipwayError(error) && error.code).toBe("SLP_TRAIN_FAILED");
      expect(isSlipwayError(error) && error.details[0]?.field).toBe("/params/lookback");
    }
  });

  it("names the field of every invalid prediction input", () => {
    const frame = weekly(100, 15, 2);
    const plain = lstm.fit(frame, SPEC);
    const history = Array.from(salesOf(frame).subarray(80));
    const fieldsOf = (model: FittedModel, instances: unknown[]) =>
      invalidFields(() => model.predict(instances as Record<string, unknown>[], 0.95, "/instances"));
    const negative = [...history];
    negative[3] = -5;
    expect(fieldsOf(plain, [{ sales: negative }])).toEqual(["/instances/0/sales/3"]);
    expect(fieldsOf(plain, [{ sales: history }, { sales: history.slice(0, 5) }])).toEqual(["/instances/1/sales"]);
    expect(fieldsOf(plain, [{ sales: [...history.slice(1), "many"] }])).toEqual(["/instances/0/sales/19"]);
    expect(fieldsOf(plain, [{ sales: 300 }])).toEqual(["/instances/0/sales"]);
    expect(fieldsOf(plain, [{}])).toEqual(["/instances/0/sales"]);
    expect(fieldsOf(plain, [{ sales: [...history.slice(1), 20_000] }])).toEqual(["/instances/0/sales/19"]);
    const short = invalidDetails(() => plain.predict([{ sales: history.slice(0, 5) }], 0.95, "/instances"));
    expect(short[0]?.reason).toMatch(/at least 20 values \(lookback 14 \+ 6 for the features' warm-up\)/);
    const calendar = lstm.fit(frame, { ...SPEC, params: { ...SPEC.params, features: ["lag_1", "day_of_week"] } });
    expect(fieldsOf(calendar, [{ sales: history }])).toEqual(["/instances/0/date"]);
    expect(fieldsOf(calendar, [{ sales: history, date: "someday" }])).toEqual(["/instances/0/date"]);
    expect(fieldsOf(calendar, [{ sales: history, date: "2026-04-14T12:00:00Z" }])).toEqual(["/instances/0/date"]);
    expect(calendar.predict([{ sales: history, date: "2026-04-14" }], 0.95)).toHaveLength(1);
  });
});
