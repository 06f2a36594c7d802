import { type Frame, numericColumn, SlipwayError, sliceFrame } from "../core/index.js";
import { coverage, mae, mape, meanWidth, r2, rmse } from "../ml/metrics.js";
import type { ModelFamily, ModelFamilyName, TrainSpec } from "./estimator.js";
import { numberParam } from "./families/family-helpers.js";
import { familyFor } from "./families/index.js";
import { seriesFromFrame } from "./series.js";

/**
 * Rolling-origin backtest ("evaluation on a rolling forecasting origin", FPP3 §5.10; Tashman 2000): the series is
 * cut at several origins; at each, the family is fitted on every row before the origin only and forecasts the next
 * `horizon` rows, which are scored. The folds' windows are consecutive and together end at the last row, so the
 * origins are n − F·H, n − (F−1)·H, …, n − H for F folds of horizon H.
 */
export interface BacktestOptions {
  /** Number of origins (default 3); fewer when the earliest would leave less than `minTrainRows` to fit on. */
  folds?: number;
  /** Rows forecast from each origin (default: one season, or max(1, round(n/10)) without a season). */
  horizon?: number;
  /** Fewest rows a fold may be fitted on (default max(4, horizon): at least a season of history). */
  minTrainRows?: number;
}

/** Forecast accuracy on a set of rows: R², MAE, RMSE, MAPE (a fraction), and the 95% interval's coverage and width. */
export interface ForecastScores {
  r2: number;
  mae: number;
  rmse: number;
  mape: number;
  coverage95: number;
  width95: number;
  n: number;
}

export interface BacktestFold {
  /** Row index of the first forecast row; the fold was fitted on rows [0, origin). */
  origin: number;
  /** Time of the first forecast row (ISO-8601). */
  originTime: string;
  trainRows: number;
  testRows: number;
  metrics: ForecastScores;
}

export interface BacktestResult {
  family: string;
  horizon: number;
  folds: BacktestFold[];
  /** Scores over every forecast row of every fold together (R² around their common mean). */
  metrics: ForecastScores;
}

/** Anything that fits a forecaster: a registered family, or (in tests) a stand-in. */
export type BacktestFamily = Pick<ModelFamily, "fit"> & { name: string };

const LEVEL = 0.95;

/** The default horizon: one seasonal period (rounded to whole steps), or max(1, round(n/10)) without a season. */
export function defaultBacktestHorizon(frame: Frame, spec: TrainSpec): number {
  const periodParam = numberParam(spec.params, "period", { min: 2, optional: true });
  const series = seriesFromFrame(frame, spec.timeColumn as string, spec.target, periodParam);
  if (series.period !== null && Math.round(series.period) >= 2) return Math.round(series.period);
  return Math.max(1, Math.round(series.y.length / 10));
}

/** The fold origins (row indices) of `rows` rows, earliest first; empty when not even one fold fits. */
export function backtestOrigins(rows: number, folds: number, horizon: number, minTrainRows: number): number[] {
  const origins: number[] = [];
  for (let k = folds; k >= 1; k--) {
    const origin = rows - k * horizon;
    if (origin >= minTrainRows) origins.push(origin);
  }
  return origins;
}

/**
 * The forecasts behind a backtest, pooled fold after fold: fold k's rows are [foldEnds[k−1], foldEnds[k]), with
 * their actual values and the 95% interval. Kept so that forecasts of several families on the same folds can be
 * combined and scored without fitting anything again.
 */
export interface BacktestForecasts {
  actual: Float64Array;
  mean: Float64Array;
  lower: Float64Array;
  upper: Float64Array;
  foldEnds: number[];
}

/**
 * Backtests `family` on a frame sorted by time. Throws `SLP_TRAIN_FAILED` when the frame is too short for one
 * fold; a fold whose fit fails fails the backtest (the caller records it against the family).
 */
export function rollingOriginBacktest(
  frame: Frame,
  spec: TrainSpec,
  family: ModelFamilyName | BacktestFamily,
  options: BacktestOptions = {},
): BacktestResult {
  return rollingOriginForecasts(frame, spec, family, options).result;
}

/** {@link rollingOriginBacktest}, with the pooled forecasts it scored. */
export function rollingOriginForecasts(
  frame: Frame,
  spec: TrainSpec,
  family: ModelFamilyName | BacktestFamily,
  options: BacktestOptions = {},
): { result: BacktestResult; forecasts: BacktestForecasts } {
  const impl: BacktestFamily = typeof family === "string" ? familyFor(family, spec.task) : family;
  const n = frame.rowCount;
  const horizon = options.horizon ?? defaultBacktestHorizon(frame, spec);
  const folds = options.folds ?? 3;
  const minTrainRows = options.minTrainRows ?? Math.max(4, horizon);
  const origins = backtestOrigins(n, folds, horizon, minTrainRows);
  if (origins.length === 0) {
    throw new SlipwayError(
      "SLP_TRAIN_FAILED",
      `a backtest of horizon ${horizon} needs more than ${minTrainRows + horizon - 1} rows; got ${n}`,
      [{ field: "backtest", reason: "too few rows" }],
    );
  }
  const times = numericColumn(frame, spec.timeColumn as string);
  const target = numericColumn(frame, spec.target);
  // Pooled forecasts, filled fold after fold.
  const actual = new Float64Array(origins.length * horizon);
  const mean = new Float64Array(actual.length);
  const lower = new Float64Array(actual.length);
  const upper = new Float64Array(actual.length);
  let pooled = 0;
  const foldEnds: number[] = [];
  const out: Omit<BacktestFold, "metrics">[] = [];
  for (const origin of origins) {
    const end = Math.min(origin + horizon, n);
    // The fit sees rows [0, origin) only: a view that ends before the forecast rows, so nothing can leak.
    const model = impl.fit(sliceFrame(frame, 0, origin), spec);
    const ask: number[] = [];
    for (let i = origin; i < end; i++) if (Number.isFinite(target[i]) && Number.isFinite(times[i])) ask.push(i);
    const rows = model.forecastAt(
      Float64Array.from(ask, (i) => times[i]),
      LEVEL,
    );
    for (let j = 0; j < ask.length; j++) {
      const row = rows[j];
      actual[pooled] = target[ask[j]];
      mean[pooled] = row.mean;
      lower[pooled] = row.lower;
      upper[pooled] = row.upper;
      pooled++;
    }
    foldEnds.push(pooled);
    out.push({
      origin,
      originTime: new Date(times[origin]).toISOString(),
      trainRows: origin,
      testRows: end - origin,
    });
  }
  const forecasts: BacktestForecasts = {
    actual: actual.subarray(0, pooled),
    mean: mean.subarray(0, pooled),
    lower: lower.subarray(0, pooled),
    upper: upper.subarray(0, pooled),
    foldEnds,
  };
  return { result: scoreBacktest(impl.name, horizon, out, forecasts), forecasts };
}

/**
 * The backtest of a weighted combination of forecasters, from their own backtests on the same folds: at every
 * pooled row the mean and both interval bounds are the weighted means of the members' (weights summing to 1; see
 * families/combination.ts for why bounds are averaged). No model is fitted. Throws `SLP_INTERNAL` when the
 * members' folds differ, which a backtest of one frame and one spec never produces.
 */
export function combineBacktests(
  family: string,
  members: { result: BacktestResult; forecasts: BacktestForecasts; weight: number }[],
): { result: BacktestResult; forecasts: BacktestForecasts } {
  const first = members[0];
  if (!first) throw new SlipwayError("SLP_INTERNAL", "a combined backtest needs at least one member");
  const n = first.forecasts.actual.length;
  const sameFolds = members.every(
    (m) =>
      m.result.horizon === first.result.horizon &&
      m.forecasts.actual.length === n &&
      m.forecasts.foldEnds.join() === first.forecasts.foldEnds.join() &&
      m.result.folds.map((f) => f.origin).join() === first.result.folds.map((f) => f.origin).join(),
  );
  if (!sameFolds) throw new SlipwayError("SLP_INTERNAL", "cannot combine backtests run on different folds");
  const mean = new Float64Array(n);
  const lower = new Float64Array(n);
  const upper = new Float64Array(n);
  for (const { forecasts, weight } of members) {
    for (let i = 0; i < n; i++) {
      mean[i] += weight * forecasts.mean[i];
      lower[i] += weight * forecasts.lower[i];
      upper[i] += weight * forecasts.upper[i];
    }
  }
  const forecasts: BacktestForecasts = {
    actual: first.forecasts.actual,
    mean,
    lower,
    upper,
    foldEnds: [...first.forecasts.foldEnds],
  };
  const folds = first.result.folds.map(({ metrics: _, ...fold }) => fold);
  return { result: scoreBacktest(family, first.result.horizon, folds, forecasts), forecasts };
}

/** Scores every fold (its rows of the pooled forecasts) and the pool as a whole. */
function scoreBacktest(
  family: string,
  horizon: number,
  folds: Omit<BacktestFold, "metrics">[],
  forecasts: BacktestForecasts,
): BacktestResult {
  const scored = folds.map((fold, k) => ({
    ...fold,
    metrics: scores(k === 0 ? 0 : (forecasts.foldEnds[k - 1] as number), forecasts.foldEnds[k] as number, forecasts),
  }));
  return { family, horizon, folds: scored, metrics: scores(0, forecasts.actual.length, forecasts) };
}

function scores(start: number, end: number, f: Omit<BacktestForecasts, "foldEnds">): ForecastScores {
  const actual = f.actual.subarray(start, end);
  const mean = f.mean.subarray(start, end);
  const lower = f.lower.subarray(start, end);
  const upper = f.upper.subarray(start, end);
  return {
    r2: r2(actual, mean),
    mae: mae(actual, mean),
    rmse: rmse(actual, mean),
    mape: mape(actual, mean),
    coverage95: coverage(actual, lower, upper),
    width95: meanWidth(lower, upper),
    n: actual.length,
  };
}
