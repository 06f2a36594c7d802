import { describe, expect, it } from "vitest";
import { type Frame, frameOf, takeRows } from "../../../src/core/frame.js";
import {
  type FeatureMatrix,
  FittedTransformPipeline,
  parsePipelineConfig,
  TransformPipeline,
} from "../../../src/features/index.js";
import { Rng } from "../../../src/ml/random.js";
import { caught, num, text, time } from "./caught.js";

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 2, 1);

/** A small retail table: store × day, with price, promo flag, region (some missing) and sales. */
function retail(days: number, seed: number): Frame {
  const rng = new Rng(seed);
  const cols = {
    store: [] as string[],
    date: [] as number[],
    price: [] as number[],
    region: [] as (string | null)[],
    sales: [] as number[],
  };
  for (let d = 0; d < days; d++)
    for (const store of ["s1", "s2", "s3"]) {
      cols.store.push(store);
      cols.date.push(T0 + d * DAY);
      cols.price.push(rng.next() < 0.1 ? Number.NaN : 5 + Math.round(rng.next() * 500) / 100);
      cols.region.push(rng.next() < 0.1 ? null : store === "s3" ? "south" : "north");
      cols.sales.push(Math.round(20 + 10 * Math.sin(d) + rng.next() * 5));
    }
  return frameOf({
    store: text(cols.store),
    date: { kind: "time", values: Float64Array.from(cols.date) },
    price: num(cols.price),
    region: text(cols.region),
    sales: num(cols.sales),
  });
}

const CONFIG = {
  transforms: [
    {
      type: "lags",
      column: "sales",
      time: "date",
      entity: "store",
      lags: [1, 7],
      windows: [7],
      stats: ["mean", "std"],
    },
    {
      type: "impute",
      columns: ["sales_lag_1", "sales_lag_7", "sales_rolling_mean_7", "sales_rolling_std_7"],
      strategy: "constant",
      value: 0,
      indicator: true,
    },
    { type: "impute", columns: ["price"], strategy: "median" },
    { type: "standard", columns: ["price", "sales_lag_1"] },
    { type: "onehot", columns: ["store", "region"] },
    { type: "calendar", column: "date", features: ["dayOfWeek", "weekend"], cyclic: ["dayOfWeek"] },
  ],
};

/** The rows of a frame as JSON request records (times as ISO strings, missing as null). */
function recordsOf(frame: Frame): Record<string, unknown>[] {
  return Array.from({ length: frame.rowCount }, (_, i) => {
    const r: Record<string, unknown> = {};
    for (const [name, col] of frame.columns) {
      const v = col.values[i];
      if (col.kind === "string") r[name] = v;
      else if (typeof v === "number")
        r[name] = Number.isNaN(v) ? null : col.kind === "time" ? new Date(v).toISOString() : v;
    }
    return r;
  });
}

function bits(m: FeatureMatrix): Uint8Array {
  return new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength);
}

describe("TransformPipeline", () => {
  const full = retail(40, 11);
  const date = full.columns.get("date")!.values as Float64Array;
  const idx = [...Array(full.rowCount).keys()];
  const train = takeRows(
    full,
    idx.filter((i) => date[i] < T0 + 30 * DAY),
  );
  const test = takeRows(
    full,
    idx.filter((i) => date[i] >= T0 + 30 * DAY),
  );

  it("orders features deterministically: each step's outputs where they first appear", () => {
    const fitted = TransformPipeline.fromConfig(CONFIG).fit(train);
    expect(fitted.featureNames).toEqual([
      "sales_lag_1",
      "sales_lag_7",
      "sales_rolling_mean_7",
      "sales_rolling_std_7",
      "sales_lag_1_missing",
      "sales_lag_7_missing",
      "sales_rolling_mean_7_missing",
      "sales_rolling_std_7_missing",
      "price",
      "store=s1",
      "store=s2",
      "store=s3",
      "store=<other>",
      "store=<unseen>",
      "store=<missing>",
      "region=north",
      "region=south",
      "region=<other>",
      "region=<unseen>",
      "region=<missing>",
      "date_day_of_week",
      "date_weekend",
      "date_day_of_week_sin",
      "date_day_of_week_cos",
    ]);
    expect(fitted.inputs).toEqual([
      { name: "sales", kind: "number", required: false },
      { name: "date", kind: "time", required: true },
      { name: "store", kind: "string", required: true },
      { name: "price", kind: "number", required: true },
      { name: "region", kind: "string", required: true },
    ]);
    expect(fitted.historyColumns.map((c) => c.name)).toEqual(["store", "date", "sales"]);
  });

  it("gives the same matrix, to the bit, from a frame and from records, before and after a JSON round trip", () => {
    const fitted = TransformPipeline.fromConfig(CONFIG).fit(train);
    const fromFrame = fitted.transform(test);
    const reloaded = FittedTransformPipeline.fromJSON(JSON.parse(JSON.stringify(fitted)));
    expect(reloaded.featureNames).toEqual(fitted.featureNames);
    const records = JSON.parse(JSON.stringify(recordsOf(test)));
    for (const m of [fitted.transform(records), reloaded.transform(test), reloaded.transform(records)]) {
      expect(m.rows).toBe(test.rowCount);
      expect(bits(m)).toEqual(bits(fromFrame));
    }
    // The bundle form: JSON plus typed-array blobs for the stored lag history.
    const state = fitted.toState("features");
    expect(Object.keys(state.blobs)).toEqual(["features.0.times", "features.0.values"]);
    const fromState = FittedTransformPipeline.fromState({
      json: JSON.parse(JSON.stringify(state.json)),
      blobs: state.blobs,
    });
    expect(bits(fromState.transform(records))).toEqual(bits(fromFrame));
  });

  it("featurises a one-row request from the stored history, identically after a round trip", () => {
    const fitted = TransformPipeline.fromConfig(CONFIG).fit(train);
    const reloaded = FittedTransformPipeline.fromJSON(JSON.parse(JSON.stringify(fitted.toJSON())));
    const row = [{ store: "s2", date: "2024-03-31", price: 6.5, region: "north" }];
    const a = fitted.transform(row);
    expect(bits(reloaded.transform(row))).toEqual(bits(a));
    // 2024-03-31 is day 30: lag 1 is store s2's day-29 sales (standardised), lag 7 its day-23 sales (raw).
    const salesOf = (day: number) => {
      const store = train.columns.get("store")!.values as (string | null)[];
      const d = train.columns.get("date")!.values as Float64Array;
      const i = store.findIndex((s, j) => s === "s2" && d[j] === T0 + day * DAY);
      return (train.columns.get("sales")!.values as Float64Array)[i];
    };
    const scaler = fitted.toJSON().steps[3] as { columns: { column: string; mean: number; sd: number }[] };
    const { mean, sd } = scaler.columns[1];
    expect(scaler.columns[1].column).toBe("sales_lag_1");
    expect(a.data[0]).toBe((salesOf(29) - mean) / sd);
    expect(a.data[1]).toBe(salesOf(23));
    expect(Array.from(a.data.subarray(4, 8))).toEqual([0, 0, 0, 0]); // nothing imputed
  });

  it("fits every statistic on the training rows only", () => {
    const spec = {
      transforms: [
        { type: "impute", columns: ["price"], strategy: "mean" },
        { type: "standard", columns: ["price"] },
      ],
    };
    const onTrain = TransformPipeline.fromConfig(spec).fit(train).transform(test);
    const onAll = TransformPipeline.fromConfig(spec).fit(full).transform(test);
    expect(Array.from(onTrain.data)).not.toEqual(Array.from(onAll.data));
    // The scaler is fitted on the imputed training column: missing prices count as the training mean.
    const raw = train.columns.get("price")!.values as Float64Array;
    const known = raw.filter((v) => !Number.isNaN(v));
    const mean = known.reduce((a, b) => a + b, 0) / known.length;
    const sd = Math.sqrt(known.reduce((a, b) => a + (b - mean) ** 2, 0) / raw.length);
    const first = (test.columns.get("price")!.values as Float64Array)[0];
    expect(onTrain.data[0]).toBeCloseTo(Number.isNaN(first) ? 0 : (first - mean) / sd, 12);
  });
});

describe("config validation", () => {
  it("names unknown transforms, unknown fields and bad values by JSON pointer", () => {
    const e = caught(() =>
      parsePipelineConfig({
        transforms: [
          { type: "standard", colums: ["x"] },
          { type: "scale", columns: ["x"] },
          { type: "lags", column: "y", time: "t", lags: [0] },
          { type: "impute", columns: ["x"], strategy: "constant" },
        ],
      }),
    );
    expect(e.code).toBe("SLP_INPUT_INVALID");
    expect(e.details.map((d) => d.field)).toEqual([
      "/transforms/0/colums",
      "/transforms/0/columns",
      "/transforms/1/type",
      "/transforms/2/lags/0",
      "/transforms/3/value",
    ]);
  });

  it("names missing columns and columns of the wrong kind when fitting", () => {
    const frame = frameOf({ x: num([1, 2]), s: text(["a", "b"]), t: time(["2024-01-01", "2024-01-02"]) });
    const e = caught(() =>
      TransformPipeline.fromConfig({
        transforms: [
          { type: "standard", columns: ["x", "nope"] },
          { type: "minmax", columns: ["s"] },
          { type: "calendar", column: "x" },
          { type: "impute", columns: ["s"], strategy: "median" },
        ],
      }).fit(frame),
    );
    expect(e.details).toEqual([
      { field: "/transforms/0/columns/1", reason: 'no column "nope" in the training data or from an earlier step' },
      { field: "/transforms/1/columns/0", reason: "expected a number or time column, got a text column" },
      { field: "/transforms/2/column", reason: "expected a time column, got a number column" },
      {
        field: "/transforms/3/strategy",
        reason: "median needs a numeric column; s is text (use mostFrequent or constant)",
      },
    ]);
  });

  it("refuses a step output that would overwrite another column, and lags of a transformed column", () => {
    const frame = frameOf({ x: num([1, 2]), t: num([1, 2]) });
    const e = caught(() =>
      TransformPipeline.fromConfig({
        transforms: [
          { type: "impute", columns: ["x"], strategy: "mean" },
          { type: "lags", column: "x", time: "t", lags: [1], prefix: "" },
          { type: "lags", column: "t", time: "x", lags: [1], prefix: "" },
        ],
      }).fit(frame),
    );
    expect(e.details.map((d) => d.field)).toEqual(["/transforms/1/column", "/transforms/2/time", "/transforms/2"]);
  });
});

describe("bad input at transform time", () => {
  const train = frameOf({ price: num([1, 2, 3]), store: text(["a", "b", "a"]) });
  const fitted = TransformPipeline.fromConfig({
    transforms: [
      { type: "standard", columns: ["price"] },
      { type: "onehot", columns: ["store"] },
    ],
  }).fit(train);

  it("names a column whose kind differs from training, and a missing column", () => {
    const e = caught(() => fitted.transform(frameOf({ price: text(["1"]) })));
    expect(e.details).toEqual([
      { field: "price", reason: "expected a number column (as in training), got a text column" },
      { field: "store", reason: "required" },
    ]);
  });

  it("names record fields by JSON pointer: non-numeric strings, missing keys, wrong types", () => {
    const e = caught(() =>
      fitted.transform([
        { price: "1.5", store: "a" },
        { price: "abc", store: "a" },
        { store: 3 },
        { price: 2, store: true },
        7,
      ]),
    );
    expect(e.details).toEqual([
      { field: "/records/1/price", reason: "expected a number" },
      { field: "/records/2/price", reason: "required" },
      { field: "/records/3/store", reason: "expected a string" },
      { field: "/records/4", reason: "expected an object" },
    ]);
  });

  it("uses the caller's pointer prefix, and refuses history a pipeline without lags cannot use", () => {
    const e = caught(() => fitted.transform([{ price: "x", store: "a" }], { pointerPrefix: "/instances" }));
    expect(e.details).toEqual([{ field: "/instances/0/price", reason: "expected a number" }]);
    const h = caught(() => fitted.transform([{ price: 1, store: "a" }], { history: [] }));
    expect(h.details).toEqual([{ field: "/history", reason: "not used by this model" }]);
  });

  it("names a missing value in a column no step imputes", () => {
    const e = caught(() =>
      fitted.transform([
        { price: 1, store: "a" },
        { price: null, store: "b" },
      ]),
    );
    expect(e.code).toBe("SLP_INPUT_INVALID");
    expect(e.details).toEqual([{ field: "/records/1/price", reason: "missing: no impute step covers it" }]);
    const f = caught(() => fitted.transform(frameOf({ price: num([Number.NaN, 1]), store: text(["a", "a"]) })));
    expect(f.details).toEqual([{ field: "price", reason: "row 0: missing: no impute step covers it" }]);
  });

  it("rejects a stored state that was tampered with, naming the field", () => {
    const json = JSON.parse(JSON.stringify(fitted));
    json.steps[0].columns[0].sd = -1;
    json.config.transforms[1].type = "bogus";
    expect(caught(() => FittedTransformPipeline.fromJSON(json)).details[0].field).toBe("/config/transforms/1/type");
    json.config.transforms[1].type = "onehot";
    expect(caught(() => FittedTransformPipeline.fromJSON(json)).details).toEqual([
      { field: "/steps/0/columns", reason: "sd must be > 0" },
    ]);
  });
});
