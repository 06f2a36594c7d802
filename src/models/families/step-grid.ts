import { SlipwayError } from "../../core/index.js";
import type { Series } from "../series.js";

/**
 * A series laid on every integer step from its first to its last observation, NaN where a step has no value:
 * the form the recursive forecasters (ETS, seasonal naive) need, since their states move one step at a time.
 */
export interface StepGrid {
  /** Step index of grid position 0. */
  firstStep: number;
  y: Float64Array;
}

/**
 * Rounds each step index to the nearest integer (a later observation on the same step wins) and fills the gaps
 * with NaN. A grid much longer than the data means the times are too irregular for a step model.
 */
export function stepGrid(series: Series): StepGrid {
  const n = series.y.length;
  const firstStep = Math.round(series.steps[0]);
  const length = Math.round(series.steps[n - 1]) - firstStep + 1;
  if (length > 10 * n + 1000) {
    throw new SlipwayError(
      "SLP_TRAIN_FAILED",
      `the ${n} observations span ${length} steps: too irregular for a step-by-step forecaster`,
      [{ field: "time", reason: "irregular time steps" }],
    );
  }
  const y = new Float64Array(length).fill(Number.NaN);
  for (let i = 0; i < n; i++) y[Math.round(series.steps[i]) - firstStep] = series.y[i];
  return { firstStep, y };
}

/** The seasonal period as a whole number of steps (a fractional one, e.g. 52.18 weeks, rounds), or null below 2. */
export function wholePeriod(period: number | null): number | null {
  if (period === null) return null;
  const m = Math.round(period);
  return m >= 2 ? m : null;
}
