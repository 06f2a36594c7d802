import type { Frame } from "../../core/index.js";
import { SlipwayError } from "../../core/index.js";
import type { TimeIndex } from "../../features/index.js";
import { normalQuantile } from "../../ml/stats/normal.js";
import type { FitOptions, FittedModel, ForecastRow, ModelState, Signature, TrainSpec } from "../estimator.js";
import { forecastRows, StepForecaster, seriesFromFrame } from "../series.js";
import { numberParam } from "./family-helpers.js";
import { forecastSignature } from "./linear-forecast.js";
import { stepGrid, wholePeriod } from "./step-grid.js";

/**
 * Seasonal naive forecaster (FPP3 §5.2): each forecast repeats the last observed value of the same season,
 *   ŷ_{T+h} = y_{T+h−m(k+1)},   k = ⌊(h − 1)/m⌋,
 * and, without a season (m = 1), the last value (the naive method). Its interval (FPP3 §5.5, table 5.2) is
 *   ŷ ± z σ̂ √(k + 1),
 * σ̂² the mean squared in-sample seasonal difference y_t − y_{t−m}: each further season ahead adds one more
 * independent seasonal step of a seasonal random walk. It is an internal candidate of `auto` only (the benchmark a
 * forecaster should beat), registered as "seasonal-naive" so a bundle of it loads; it has no hyperparameters, so a
 * replay re-estimates σ̂ and nothing else.
 */
interface SeasonalNaiveJson {
  timeIndex: TimeIndex;
  /** Seasonal period in steps; 1 for the naive method. */
  period: number;
  firstStep: number;
  gridLength: number;
  lastStep: number;
  sigma: number;
  /** In-sample seasonal differences behind σ̂. */
  residualCount: number;
}

class SeasonalNaiveForecaster extends StepForecaster {
  readonly family = "seasonal-naive" as const;

  /** `y` is the step grid (NaN at gaps); the last season of it is what a forecast repeats. */
  constructor(
    signature: Signature,
    private readonly json: SeasonalNaiveJson,
    private readonly y: Float64Array,
  ) {
    super(signature, json.timeIndex, json.lastStep);
  }

  protected forecastSteps(steps: Float64Array, level: number): ForecastRow[] {
    const { period: m, firstStep, gridLength, sigma, timeIndex } = this.json;
    const z = normalQuantile(0.5 + level / 2);
    const last = gridLength - 1;
    const mean = new Float64Array(steps.length);
    const halfWidth = new Float64Array(steps.length);
    for (let i = 0; i < steps.length; i++) {
      const position = Math.round(steps[i]) - firstStep;
      if (position > last) {
        const h = position - last;
        const k = Math.floor((h - 1) / m);
        mean[i] = this.valueBefore(position - m * (k + 1));
        halfWidth[i] = z * sigma * Math.sqrt(k + 1);
      } else {
        // Inside the data: the one-step seasonal naive value y_{t−m} (the first season repeats itself).
        mean[i] = this.valueBefore(position >= m ? position - m : Math.max(0, position));
        halfWidth[i] = z * sigma;
      }
    }
    return forecastRows(timeIndex, steps, mean, halfWidth);
  }

  /** y at grid position p, or at the nearest earlier position of the same season when p is a gap. */
  private valueBefore(p: number): number {
    const m = this.json.period;
    for (let q = p; q >= 0; q -= m) if (!Number.isNaN(this.y[q])) return this.y[q];
    for (let q = p; q < this.y.length; q += m) if (!Number.isNaN(this.y[q])) return this.y[q];
    return Number.NaN;
  }

  describe(): Record<string, unknown> {
    return {
      method: this.json.period > 1 ? "seasonal naive" : "naive",
      period: this.json.period,
      sigma: this.json.sigma,
      residualCount: this.json.residualCount,
    };
  }

  state(): ModelState {
    return { json: { ...this.json }, blobs: { y: this.y } };
  }
}

export const seasonalNaiveFamily = {
  fit(train: Frame, spec: TrainSpec, _options: FitOptions = {}): FittedModel {
    const periodParam = numberParam(spec.params, "period", { min: 2, optional: true });
    const series = seriesFromFrame(train, spec.timeColumn as string, spec.target, periodParam);
    const grid = stepGrid(series);
    const period = wholePeriod(series.period) ?? 1;
    // Shorter than one season and a bit: fall back to the naive method, whose residuals exist.
    const m = grid.y.length > period ? period : 1;
    let sum = 0;
    let count = 0;
    for (let t = m; t < grid.y.length; t++) {
      const e = grid.y[t] - grid.y[t - m];
      if (Number.isNaN(e)) continue;
      sum += e * e;
      count++;
    }
    if (count === 0) {
      throw new SlipwayError("SLP_TRAIN_FAILED", "seasonal naive needs two values a season apart", [
        { field: spec.target, reason: "no seasonal difference" },
      ]);
    }
    const lastStep = series.steps[series.steps.length - 1];
    const json: SeasonalNaiveJson = {
      timeIndex: series.timeIndex,
      period: m,
      firstStep: grid.firstStep,
      gridLength: grid.y.length,
      lastStep,
      sigma: Math.sqrt(sum / count),
      residualCount: count,
    };
    return new SeasonalNaiveForecaster(forecastSignature(spec, series.timeIndex, lastStep), json, grid.y);
  },
  load(state: ModelState, signature: Signature): FittedModel {
    return new SeasonalNaiveForecaster(signature, state.json as unknown as SeasonalNaiveJson, state.blobs.y);
  },
};
