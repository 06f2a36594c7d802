import { describe, expect, it } from "vitest";
import { type Frame, frameOf, takeRows } from "../../../src/core/frame.js";
import { type FeatureMatrix, TransformPipeline } from "../../../src/features/index.js";
import { Rng } from "../../../src/ml/random.js";
import { caught, num, text } from "./caught.js";

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);

/** Stores × days of sales, rows shuffled (order must not matter), a few sales missing. */
function panel(stores: string[], days: number, seed: number): Frame {
  const rng = new Rng(seed);
  const rows: { store: string; t: number; sales: number }[] = [];
  for (const store of stores)
    for (let d = 0; d < days; d++)
      rows.push({ store, t: T0 + d * DAY, sales: rng.next() < 0.05 ? Number.NaN : Math.round(rng.next() * 100) });
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }
  return frameOf({
    store: text(rows.map((r) => r.store)),
    date: { kind: "time", values: Float64Array.from(rows, (r) => r.t) },
    sales: { kind: "number", values: Float64Array.from(rows, (r) => r.sales) },
  });
}

const LAGS = [1, 2, 7];
const WINDOWS = [3, 7];
const STATS = ["mean", "std", "min", "max"] as const;

function lagPipeline(extra: Record<string, unknown> = {}) {
  return TransformPipeline.fromConfig({
    transforms: [
      {
        type: "lags",
        column: "sales",
        time: "date",
        entity: "store",
        lags: LAGS,
        windows: WINDOWS,
        stats: STATS,
        ...extra,
      },
    ],
    allowMissing: true,
  });
}

/** The textbook computation: per store, sort by time, look back over plain arrays. */
function naive(frame: Frame, includeCurrent = false): number[][] {
  const store = frame.columns.get("store")!.values as (string | null)[];
  const date = frame.columns.get("date")!.values as Float64Array;
  const sales = frame.columns.get("sales")!.values as Float64Array;
  const out: number[][] = [];
  for (let i = 0; i < frame.rowCount; i++) {
    const past = [...Array(frame.rowCount).keys()]
      .filter((j) => store[j] === store[i] && date[j] < date[i])
      .sort((a, b) => date[a] - date[b])
      .map((j) => sales[j]);
    const row: number[] = LAGS.map((k) => (past.length >= k ? past[past.length - k] : Number.NaN));
    for (const w of WINDOWS) {
      const span = includeCurrent ? [...past.slice(-(w - 1)), sales[i]] : past.slice(-w);
      const xs = (includeCurrent && w === 1 ? [sales[i]] : span).filter((v) => !Number.isNaN(v));
      const ok = xs.length >= w;
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
      row.push(
        ok ? mean : Number.NaN,
        ok ? sd : Number.NaN,
        ok ? Math.min(...xs) : Number.NaN,
        ok ? Math.max(...xs) : Number.NaN,
      );
    }
    out.push(row);
  }
  return out;
}

function rowsOf(m: FeatureMatrix): number[][] {
  return Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
}

function expectClose(actual: number[][], expected: number[][]) {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    for (let j = 0; j < actual[i].length; j++) {
      const v = actual[i][j];
      if (Number.isNaN(expected[i][j])) expect(v, `row ${i} col ${j}`).toBeNaN();
      // Both sum the same values in the same order; the tolerance only covers std's differently ordered squares.
      else expect(v, `row ${i} col ${j}`).toBeCloseTo(expected[i][j], 12);
    }
  }
}

describe("lag and rolling features", () => {
  it("gives known answers on one short series", () => {
    const frame = frameOf({
      date: num([1, 2, 3, 4, 5]),
      sales: num([10, 20, 30, 40, 50]),
    });
    const fitted = TransformPipeline.fromConfig({
      transforms: [{ type: "lags", column: "sales", time: "date", lags: [1, 2], windows: [3], stats: STATS }],
      allowMissing: true,
    }).fit(frame);
    expect(fitted.featureNames).toEqual([
      "sales_lag_1",
      "sales_lag_2",
      "sales_rolling_mean_3",
      "sales_rolling_std_3",
      "sales_rolling_min_3",
      "sales_rolling_max_3",
    ]);
    const m = fitted.transform(frame);
    const N = Number.NaN;
    expect(rowsOf(m)).toEqual([
      [N, N, N, N, N, N],
      [10, N, N, N, N, N],
      [20, 10, N, N, N, N],
      [30, 20, 20, 10, 10, 30], // window 10, 20, 30: the row's own 40 is not in it
      [40, 30, 30, 10, 20, 40],
    ]);
  });

  it("equals a naive per-entity computation on shuffled rows with missing values", () => {
    const frame = panel(["a", "b", "c"], 30, 1);
    const m = lagPipeline().fit(frame).transform(frame);
    expectClose(rowsOf(m), naive(frame));
  });

  it("includes the row itself in rolling windows only with includeCurrent", () => {
    const frame = panel(["a", "b"], 20, 2);
    const m = lagPipeline({ includeCurrent: true }).fit(frame).transform(frame);
    expectClose(rowsOf(m), naive(frame, true));
  });

  it("never reads the row's own value or a later row", () => {
    const frame = panel(["a", "b"], 25, 3);
    const fitted = lagPipeline().fit(frame);
    const before = rowsOf(fitted.transform(frame));
    const date = frame.columns.get("date")!.values as Float64Array;
    const store = frame.columns.get("store")!.values as (string | null)[];
    const cut = T0 + 12 * DAY;
    // Change every value of store a from day 12 on: no feature of a day-12-or-later row of a may move… except
    // through earlier days, which are untouched, so rows up to and including day 12 must be identical.
    const changed = (frame.columns.get("sales")!.values as Float64Array).map((v, i) =>
      store[i] === "a" && date[i] >= cut ? v + 1000 : v,
    );
    const after = rowsOf(
      fitted.transform(frameOf({ ...Object.fromEntries(frame.columns), sales: num(Array.from(changed)) })),
    );
    for (let i = 0; i < frame.rowCount; i++) {
      if (store[i] !== "a" || date[i] <= cut) expect(after[i]).toEqual(before[i]);
      else expect(after[i]).not.toEqual(before[i]);
    }
  });

  it("featurises a one-row request from the stored history of its entity", () => {
    const full = panel(["a", "b"], 40, 4);
    const date = full.columns.get("date")!.values as Float64Array;
    const trainRows = [...Array(full.rowCount).keys()].filter((i) => date[i] < T0 + 30 * DAY);
    const fitted = lagPipeline().fit(takeRows(full, trainRows));
    const expected = rowsOf(lagPipeline().fit(full).transform(full));
    const store = full.columns.get("store")!.values as (string | null)[];
    const next = [...Array(full.rowCount).keys()].find((i) => store[i] === "b" && date[i] === T0 + 30 * DAY)!;
    // The request does not know the day's sales: lags only read the past.
    const answer = fitted.transform([{ store: "b", date: new Date(T0 + 30 * DAY).toISOString() }]);
    expect(rowsOf(answer)[0]).toEqual(expected[next]);
    // A later test frame, with its own known values, reads the training tail for its first rows.
    const testRows = [...Array(full.rowCount).keys()].filter((i) => date[i] >= T0 + 30 * DAY);
    const test = fitted.transform(takeRows(full, testRows));
    expect(rowsOf(test)).toEqual(testRows.map((i) => expected[i]));
  });

  it("uses history sent with the request instead of the stored one for that entity", () => {
    const full = panel(["a", "b"], 60, 5);
    const date = full.columns.get("date")!.values as Float64Array;
    const store = full.columns.get("store")!.values as (string | null)[];
    const sales = full.columns.get("sales")!.values as Float64Array;
    const fitted = lagPipeline().fit(
      takeRows(
        full,
        [...Array(full.rowCount).keys()].filter((i) => date[i] < T0 + 20 * DAY),
      ),
    );
    const expected = rowsOf(lagPipeline().fit(full).transform(full));
    const day = T0 + 50 * DAY;
    const history = [...Array(full.rowCount).keys()]
      .filter((i) => store[i] === "a" && date[i] < day && date[i] >= day - 10 * DAY)
      .map((i) => ({ store: "a", date: date[i], sales: Number.isNaN(sales[i]) ? null : sales[i] }));
    const target = [...Array(full.rowCount).keys()].find((i) => store[i] === "a" && date[i] === day)!;
    const answer = fitted.transform([{ store: "a", date: day }], { history });
    expect(rowsOf(answer)[0]).toEqual(expected[target]);
    // Store b sent no history: its stored tail (ending on day 19) still applies.
    const b = fitted.transform([{ store: "b", date: T0 + 20 * DAY }], { history });
    const bTarget = [...Array(full.rowCount).keys()].find((i) => store[i] === "b" && date[i] === T0 + 20 * DAY)!;
    expect(rowsOf(b)[0]).toEqual(expected[bTarget]);
  });

  it("reports a missing feature for an entity without history, naming the request field", () => {
    const fitted = TransformPipeline.fromConfig({
      transforms: [{ type: "lags", column: "sales", time: "date", entity: "store", lags: [1] }],
    }).fit(panel(["a"], 5, 6));
    const e = caught(() => fitted.transform([{ store: "new", date: "2024-02-01" }]));
    expect(e.code).toBe("SLP_INPUT_INVALID");
    expect(e.details).toEqual([
      { field: "/records/0/sales", reason: expect.stringContaining("sales_lag_1 is missing") },
    ]);
  });

  it("rejects two rows of one entity at the same time", () => {
    const frame = frameOf({ store: text(["a", "a", "b"]), date: num([1, 1, 1]), sales: num([1, 2, 3]) });
    const e = caught(() =>
      TransformPipeline.fromConfig({
        transforms: [{ type: "lags", column: "sales", time: "date", entity: "store", lags: [1] }],
      }).fit(frame),
    );
    expect(e.details).toEqual([{ field: "date", reason: 'row 1: entity "a" already has a row at 1 (row 0)' }]);
  });
});
