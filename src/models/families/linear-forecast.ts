import type { Frame } from "../../core/index.js";
import { indexToTime, type TimeIndex } from "../../features/index.js";
import { RidgeRegression, type RidgeState } from "../../ml/linear/ridge.js";
import type { FittedModel, ForecastRow, ModelState, Signature, TrainSpec } from "../estimator.js";
import { forecastRows, StepForecaster, seriesFromFrame } from "../series.js";
import { numberParam } from "./family-helpers.js";

/**
 * Linear trend plus Fourier seasonality, fitted by least squares, with the analytic OLS prediction interval
 * (t quantile × σ̂ √(1 + x₀ᵀ(XᵀX)⁻¹x₀)). The classical baseline a GP has to beat.
 */
interface LinearForecastJson {
  timeIndex: TimeIndex;
  period: number | null;
  harmonics: number;
  scale: number;
  lastStep: number;
  ridge: RidgeState;
}

function design(steps: Float64Array, period: number | null, harmonics: number, scale: number) {
  const cols = 1 + 2 * harmonics;
  const data = new Float64Array(steps.length * cols);
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i];
    data[i * cols] = s / scale;
    for (let k = 1; k <= harmonics; k++) {
      const a = (2 * Math.PI * k * s) / (period as number);
      data[i * cols + 2 * k - 1] = Math.sin(a);
      data[i * cols + 2 * k] = Math.cos(a);
    }
  }
  return { rows: steps.length, cols, data };
}

class LinearForecaster extends StepForecaster {
  readonly family = "linear" as const;
  private readonly ridge: RidgeRegression;

  constructor(
    signature: Signature,
    private readonly json: LinearForecastJson,
  ) {
    super(signature, json.timeIndex, json.lastStep);
    this.ridge = RidgeRegression.fromJSON(json.ridge);
  }

  protected forecastSteps(steps: Float64Array, level: number): ForecastRow[] {
    const { period, harmonics, scale, timeIndex } = this.json;
    const pi = this.ridge.predictInterval(design(steps, period, harmonics, scale), level);
    const half = pi.upper.map((u, i) => u - pi.mean[i]);
    return forecastRows(timeIndex, steps, pi.mean, half);
  }

  describe(): Record<string, unknown> {
    return {
      trendPerStep: this.ridge.coefficients[0] / this.json.scale,
      intercept: this.ridge.intercept,
      period: this.json.period,
      harmonics: this.json.harmonics,
      residualStd: Math.sqrt(this.ridge.residualVariance),
    };
  }

  state(): ModelState {
    return { json: { ...this.json }, blobs: {} };
  }
}

export const linearForecastFamily = {
  fit(train: Frame, spec: TrainSpec): FittedModel {
    const timeColumn = spec.timeColumn as string;
    const periodParam = numberParam(spec.params, "period", { min: 2, optional: true });
    const series = seriesFromFrame(train, timeColumn, spec.target, periodParam);
    const n = series.y.length;
    let harmonics = series.period ? Math.max(1, Math.floor((series.period - 1) / 2)) : 0;
    // Keep at least a handful of residual degrees of freedom for the interval.
    while (harmonics > 0 && 2 * harmonics + 2 > n - 3) harmonics--;
    const scale = Math.max(1, series.period ?? n);
    const ridge = RidgeRegression.fit(design(series.steps, series.period, harmonics, scale), series.y);
    const lastStep = series.steps[n - 1];
    const json: LinearForecastJson = {
      timeIndex: series.timeIndex,
      period: harmonics > 0 ? series.period : null,
      harmonics,
      scale,
      lastStep,
      ridge: ridge.toJSON(),
    };
    return new LinearForecaster(forecastSignature(spec, series.timeIndex, lastStep), json);
  },
  load(state: ModelState, signature: Signature): FittedModel {
    return new LinearForecaster(signature, state.json as unknown as LinearForecastJson);
  },
};

export function forecastSignature(spec: TrainSpec, timeIndex: TimeIndex, lastStep: number): Signature {
  return {
    task: "forecast",
    target: spec.target,
    timeColumn: spec.timeColumn,
    inputs: [],
    lastTime: new Date(indexToTime(timeIndex, Math.round(lastStep))).toISOString(),
  };
}
