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
 * Backtests `family` on a frame sorted by time. Throws `SLP_TRAIN_FAILED` when the frame is too short for one
 * fold; a fold whose fit fails fails the backtest (the caller records it against the family).
 */
export function rollingOriginBacktest(
  frame: Frame,
  spec: TrainSpec,
  family: ModelFamilyName | BacktestFamily,
  options: BacktestOptions = {},
): BacktestResult {
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
  const out: BacktestFold[] = [];
  for (const origin of origins) {
    const end = Math.min(origin + horizon, n);
    // The fit sees rows [0, origin) only: a view that ends before the forecast rows, so nothing can leak.
    const model = impl.fit(sliceFrame(frame, 0, origin), spec);
    const start = pooled;
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
    out.push({
      origin,
      originTime: new Date(times[origin]).toISOString(),
      trainRows: origin,
      testRows: end - origin,
      metrics: scores(
        actual.subarray(start, pooled),
        mean.subarray(start, pooled),
        lower.subarray(start, pooled),
        upper.subarray(start, pooled),
      ),
    });
  }
  return {
    family: impl.name,
    horizon,
    folds: out,
    metrics: scores(
      actual.subarray(0, pooled),
      mean.subarray(0, pooled),
      lower.subarray(0, pooled),
      upper.subarray(0, pooled),
    ),
  };
}

function scores(actual: Float64Array, mean: Float64Array, lower: Float64Array, upper: Float64Array): ForecastScores {
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
