import { describe, expect, it } from "vitest";
import { type Frame, frameOf, numericColumn, SlipwayError } from "../../src/core/index.js";
import { Rng } from "../../src/ml/random.js";
import {
  type BacktestFamily,
  backtestOrigins,
  defaultBacktestHorizon,
  type FittedModel,
  type ForecastRow,
  rollingOriginBacktest,
  type TrainSpec,
} from "../../src/models/index.js";

const DAY_MS = 86_400_000;

/** y = 200 + 2t + 30·sin(2πt/12) + N(0, 5²), monthly from 2012-01. */
function monthly(n: number, seed: number): Frame {
  const rng = new Rng(seed);
  const month = Float64Array.from({ length: n }, (_, t) => Date.UTC(2012, t, 1));
  const y = Float64Array.from(
    { length: n },
    (_, t) => 200 + 2 * t + 30 * Math.sin((2 * Math.PI * t) / 12) + 5 * rng.normal(),
  );
  return frameOf({ month: { kind: "time", values: month }, y: { kind: "number", values: y } });
}

const spec: TrainSpec = { task: "forecast", target: "y", timeColumn: "month", features: [], params: {}, seed: 1 };

/**
 * A forecaster that memorises its training rows: asked about a time it has seen it answers the value exactly,
 * otherwise 0. Every fit logs the times it was given.
 */
function memoriser(log: number[][]): BacktestFamily {
  return {
    name: "memoriser",
    fit(train: Frame, s: TrainSpec): FittedModel {
      const times = numericColumn(train, s.timeColumn as string);
      const values = numericColumn(train, s.target);
      const seen = new Map<number, number>();
      for (let i = 0; i < train.rowCount; i++) seen.set(times[i] as number, values[i] as number);
      log.push(Array.from(times));
      const answer = (t: number): ForecastRow => {
        const v = seen.get(t) ?? 0;
        return { time: new Date(t).toISOString(), mean: v, lower: v - 1, upper: v + 1 };
      };
      return {
        family: "linear",
        signature: { task: "forecast", target: s.target, inputs: [] },
        forecast: () => [],
        forecastAt: (ts: Float64Array) => Array.from(ts, answer),
        predict: () => [],
        describe: () => ({}),
        state: () => ({ json: {}, blobs: {} }),
      };
    },
  };
}

describe("rolling-origin backtest", () => {
  it("puts the folds' windows end to end up to the last row", () => {
    expect(backtestOrigins(100, 3, 12, 12)).toEqual([64, 76, 88]);
    // An origin that would leave too little to fit on is dropped, the later ones kept.
    expect(backtestOrigins(30, 3, 12, 12)).toEqual([18]);
    expect(backtestOrigins(20, 3, 12, 12)).toEqual([]);
  });

  it("defaults to 3 folds of one season, and to n/10 steps without a season", () => {
    const frame = monthly(100, 1);
    expect(defaultBacktestHorizon(frame, spec)).toBe(12);
    // Every other day has no calendar season, and white noise no detectable one.
    const rng = new Rng(2);
    const t = Float64Array.from({ length: 80 }, (_, i) => Date.UTC(2020, 0, 1) + 2 * i * DAY_MS);
    const y = Float64Array.from({ length: 80 }, () => rng.normal());
    const noise = frameOf({ month: { kind: "time", values: t }, y: { kind: "number", values: y } });
    expect(defaultBacktestHorizon(noise, spec)).toBe(8);

    const result = rollingOriginBacktest(frame, spec, "seasonal-naive");
    expect(result.horizon).toBe(12);
    expect(result.folds.map((f) => [f.origin, f.trainRows, f.testRows])).toEqual([
      [64, 64, 12],
      [76, 76, 12],
      [88, 88, 12],
    ]);
    expect(result.folds[0]?.originTime).toBe(new Date(Date.UTC(2012, 64, 1)).toISOString());
  });

  it("never lets a fold's fit see the rows it forecasts", () => {
    const frame = monthly(60, 3);
    const log: number[][] = [];
    const result = rollingOriginBacktest(frame, spec, memoriser(log), { folds: 4, horizon: 6 });
    const times = numericColumn(frame, "month");
    const y = numericColumn(frame, "y");
    expect(log).toHaveLength(4);
    result.folds.forEach((fold, k) => {
      const fitted = log[k] as number[];
      expect(fitted).toHaveLength(fold.origin);
      expect(Math.max(...fitted)).toBeLessThan(times[fold.origin] as number);
      // The memoriser forecasts 0 for every unseen row, so its MAE is the mean |y| of the fold's rows exactly.
      let sum = 0;
      for (let i = fold.origin; i < fold.origin + fold.testRows; i++) sum += Math.abs(y[i] as number);
      expect(fold.metrics.mae).toBeCloseTo(sum / fold.testRows, 9);
    });
  });

  it("pools the folds: n adds up, MAE is the folds' mean weighted by rows, and scores every metric", () => {
    const result = rollingOriginBacktest(monthly(90, 4), { ...spec, params: { restarts: 0 } }, "ets", {
      folds: 3,
      horizon: 12,
    });
    const n = result.folds.reduce((a, f) => a + f.metrics.n, 0);
    expect(result.metrics.n).toBe(n);
    const mae = result.folds.reduce((a, f) => a + f.metrics.mae * f.metrics.n, 0) / n;
    expect(result.metrics.mae).toBeCloseTo(mae, 9);
    for (const k of ["r2", "mae", "rmse", "mape", "coverage95", "width95"] as const) {
      expect(Number.isFinite(result.metrics[k])).toBe(true);
    }
    // A trending seasonal series with little noise: ETS should forecast a season ahead well.
    expect(result.metrics.r2).toBeGreaterThan(0.7);
    expect(result.metrics.mape).toBeLessThan(0.05);
  });

  it("refuses a frame too short for one fold", () => {
    let error: unknown = null;
    try {
      rollingOriginBacktest(monthly(20, 5), spec, "seasonal-naive", { horizon: 12 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SlipwayError);
    expect((error as SlipwayError).code).toBe("SLP_TRAIN_FAILED");
  });
});
