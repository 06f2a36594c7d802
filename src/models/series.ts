import { type Frame, invalidInput, numericColumn, SlipwayError } from "../core/index.js";
import {
  defaultSeasonPeriod,
  formatTime,
  indexToTime,
  inferTimeIndex,
  type TimeIndex,
  timeToIndex,
} from "../features/index.js";
import { detectSeasonPeriod } from "../ml/stats/autocorrelation.js";
import type { FittedModel, ForecastRow, ModelState, Signature } from "./estimator.js";
import { notTabular } from "./families/family-helpers.js";

/** A univariate series ready for a forecaster: regular step indices, values, and the calendar behind them. */
export interface Series {
  timeIndex: TimeIndex;
  /** Step index of every observation (0 … n−1 for a series without gaps). */
  steps: Float64Array;
  y: Float64Array;
  /** The seasonal period in steps, or null. */
  period: number | null;
}

/**
 * Extracts the (time, target) series of a frame, sorted, without rows whose target is missing. `period`: a number
 * fixes the seasonal period (in steps), `null` means none, and `undefined` detects it: the calendar's natural
 * period (12 for monthly data, 7 for daily, …) when the data's autocorrelation confirms it, else the strongest
 * autocorrelation peak, else none.
 */
export function seriesFromFrame(frame: Frame, timeColumn: string, target: string, period?: number | null): Series {
  const times = numericColumn(frame, timeColumn);
  const values = numericColumn(frame, target);
  const order = Array.from({ length: frame.rowCount }, (_, i) => i)
    .filter((i) => Number.isFinite(times[i]) && Number.isFinite(values[i]))
    .sort((a, b) => times[a] - times[b]);
  if (order.length < 4) {
    throw new SlipwayError(
      "SLP_TRAIN_FAILED",
      `a forecast needs at least 4 observations of ${target}; got ${order.length}`,
      [{ field: target, reason: "too few observations" }],
    );
  }
  const t = Float64Array.from(order, (i) => times[i]);
  const y = Float64Array.from(order, (i) => values[i]);
  const timeIndex = inferTimeIndex(t);
  const steps = t.map((ti) => timeToIndex(timeIndex, ti));
  const detected = period === undefined ? detectSeasonPeriod(y, defaultSeasonPeriod(timeIndex)) : period;
  return { timeIndex, steps, y, period: detected };
}

/** The step indices of the `horizon` steps after `lastStep`. */
export function futureSteps(lastStep: number, horizon: number): Float64Array {
  const out = new Float64Array(horizon);
  const start = Math.floor(lastStep + 1e-9) + 1;
  for (let h = 0; h < horizon; h++) out[h] = start + h;
  return out;
}

export function forecastRows(
  timeIndex: TimeIndex,
  steps: Float64Array,
  mean: Float64Array,
  halfWidth: Float64Array,
): ForecastRow[] {
  const rows: ForecastRow[] = new Array(steps.length);
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i];
    const time = Number.isInteger(s) ? indexToTime(timeIndex, s) : timeIndex.origin + s * approxStepMs(timeIndex);
    rows[i] = {
      time: formatTime(timeIndex, time),
      mean: mean[i],
      lower: mean[i] - halfWidth[i],
      upper: mean[i] + halfWidth[i],
    };
  }
  return rows;
}

function approxStepMs(index: TimeIndex): number {
  return index.unit === "ms" ? index.step : index.step * 30.436875 * 86_400_000;
}

export function stepsOfTimes(timeIndex: TimeIndex, times: Float64Array): Float64Array {
  return times.map((t) => timeToIndex(timeIndex, t));
}

/**
 * A forecaster over regular time steps: subclasses predict at step indices, and this maps horizons and calendar
 * times onto steps. Forecasters answer forecast requests only.
 */
export abstract class StepForecaster implements FittedModel {
  abstract readonly family: FittedModel["family"];

  constructor(
    readonly signature: Signature,
    protected readonly timeIndex: TimeIndex,
    protected readonly lastStep: number,
  ) {}

  /** Predictions with `level` intervals at (possibly fractional) step indices. */
  protected abstract forecastSteps(steps: Float64Array, level: number): ForecastRow[];

  forecast(horizon: number, level: number, seriesId?: string): ForecastRow[] {
    refuseSeriesId(seriesId);
    return this.forecastSteps(futureSteps(this.lastStep, horizon), level);
  }

  forecastAt(times: Float64Array, level: number, seriesId?: string): ForecastRow[] {
    refuseSeriesId(seriesId);
    return this.forecastSteps(stepsOfTimes(this.timeIndex, times), level);
  }

  predict(): never {
    return notTabular(this.signature);
  }

  abstract describe(): Record<string, unknown>;
  abstract state(): ModelState;
}

function refuseSeriesId(seriesId: string | undefined): void {
  if (seriesId !== undefined) {
    throw invalidInput("this model forecasts a single series; leave out id", [
      { field: "/id", reason: "the model was not trained with --id" },
    ]);
  }
}
