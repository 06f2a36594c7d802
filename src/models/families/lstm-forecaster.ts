import { invalidInput } from "../../core/index.js";
import type { FittedPipelineJson, TimeIndex } from "../../features/index.js";
import type { ConformalCalibration } from "../../ml/conformal/index.js";
import { parseRegressorJson, type StoredRegressorConfig } from "../../ml/nn/index.js";
import type { FittedModel, ForecastRow, ModelState, RegressionPrediction, Signature } from "../estimator.js";
import { forecastRows, futureSteps, stepsOfTimes } from "../series.js";
import { conformalHalfWidth } from "./conformal-interval.js";
import { type HistoryShape, readHistories } from "./lstm-history.js";
import { type LstmParams, parseFeature } from "./lstm-params.js";
import type { LstmPredictor } from "./lstm-predictor.js";
import {
  MAX_SIMULATED_STEPS,
  outputCalibrations,
  recursiveHalfWidths,
  recursivePaths,
  type SimulatedSpread,
  simulateSpread,
} from "./lstm-recursion.js";

/** The stored state of an `lstm` model (lstm-forecast.ts fits it), beside the blobs named below. */
export interface LstmForecastJson {
  timeIndex: TimeIndex;
  /** Step of grid position 0, and the grid's length (observed steps and gaps). */
  firstStep: number;
  gridLength: number;
  lastStep: number;
  params: LstmParams;
  seed: number;
  /** Earlier values the features need beyond the lookback window. */
  warmUp: number;
  features: FittedPipelineJson;
  network: StoredRegressorConfig;
  training: {
    trainWindows: number;
    validationWindows: number;
    epochs: number;
    keptEpoch: number;
    stoppedEarly: boolean;
    trainLoss: number;
    validationLoss: number;
  };
  replayed: boolean;
}

/** Offsets the interval simulation's stream from the network's, which starts from the same seed. */
const SIMULATION_SEED_OFFSET = 0x5bd1e995;

export const BLOB_SERIES = "series";
export const BLOB_RESIDUALS = "residuals";
export const BLOB_WEIGHTS = "network.weights";

/** A fitted `lstm` model: forecasts after its training series, and next-step predictions from a sent history. */
export class LstmForecaster implements FittedModel {
  readonly family = "lstm" as const;
  /** Answers `predict` for instances carrying their recent history (see the serving docs). */
  readonly predictsFromHistory = true;
  private readonly calibrations: ConformalCalibration[];
  private readonly history: HistoryShape;
  private point: Float64Array = new Float64Array(0);
  private spread: SimulatedSpread | null = null;

  constructor(
    readonly signature: Signature,
    private readonly json: LstmForecastJson,
    private readonly predictor: LstmPredictor,
    private readonly series: Float64Array,
    private readonly residuals: Float64Array,
  ) {
    this.calibrations = outputCalibrations(residuals, json.params.horizon);
    this.history = {
      target: predictor.columns.target,
      time: predictor.columns.time,
      needsTime: json.params.features.some((f) => parseFeature(f)?.kind === "calendar"),
      historyLength: predictor.historyLength,
      lookback: json.params.lookback,
      bounds: predictor.bounds,
      timeIndex: json.timeIndex,
      defaultLastStep: json.lastStep,
    };
  }

  forecast(horizon: number, level: number, seriesId?: string): ForecastRow[] {
    refuseSeriesId(seriesId);
    return this.forecastSteps(futureSteps(this.json.lastStep, horizon), level);
  }

  forecastAt(times: Float64Array, level: number, seriesId?: string): ForecastRow[] {
    refuseSeriesId(seriesId);
    return this.forecastSteps(stepsOfTimes(this.json.timeIndex, times), level);
  }

  /**
   * Steps after the data: the recursive forecast from the end of the training series. Steps inside it: the
   * one-step prediction from the window before (NaN where the series has too little history or a gap there).
   */
  private forecastSteps(steps: Float64Array, level: number): ForecastRow[] {
    const { firstStep, gridLength } = this.json;
    const last = gridLength - 1;
    const positions = Array.from(steps, (s) => Math.round(s) - firstStep);
    let ahead = 0;
    for (const p of positions) ahead = Math.max(ahead, p - last);
    const point = this.pointForecast(ahead);
    const half = ahead > 0 ? recursiveHalfWidths(this.calibrations, ahead, level, this.spreadFor(ahead)) : null;
    const oneStep = conformalHalfWidth(this.calibrations[0] as ConformalCalibration, level);
    const mean = new Float64Array(steps.length);
    const halfWidth = new Float64Array(steps.length);
    positions.forEach((p, i) => {
      if (p > last) {
        mean[i] = point[p - last - 1] as number;
        halfWidth[i] = (half as Float64Array)[p - last - 1] as number;
      } else {
        mean[i] = this.inSample(p);
        halfWidth[i] = oneStep;
      }
    });
    const rows = forecastRows(this.json.timeIndex, steps, mean, halfWidth);
    for (const row of rows) {
      row.lower = this.predictor.clamp(row.lower);
      row.upper = this.predictor.clamp(row.upper);
    }
    return rows;
  }

  /** The point forecast of the first `steps` steps after the data (a longer earlier one is reused: same values). */
  private pointForecast(steps: number): Float64Array {
    if (steps > this.point.length) {
      this.point = recursivePaths(this.predictor, this.series, this.json.lastStep, steps, 1);
    }
    return this.point;
  }

  /** The simulated spread behind the intervals past the first block, kept for later requests. */
  private spreadFor(ahead: number): SimulatedSpread | null {
    const h = this.json.params.horizon;
    if (ahead <= h) return null;
    const steps = Math.min(ahead, Math.max(MAX_SIMULATED_STEPS, h));
    if (this.spread === null || this.spread.steps < steps) {
      // Draws go block by block, so a longer simulation repeats a shorter one's first steps exactly.
      const point = this.pointForecast(steps);
      const seed = (this.json.seed + SIMULATION_SEED_OFFSET) >>> 0;
      this.spread = simulateSpread(this.predictor, this.series, this.json.lastStep, steps, point, this.residuals, seed);
    }
    return this.spread;
  }

  private inSample(position: number): number {
    const n = this.predictor.historyLength;
    if (position < n) return Number.NaN;
    const values = this.series.subarray(position - n, position);
    if (!values.every(Number.isFinite)) return Number.NaN;
    const X = new Float64Array(this.predictor.lookback * this.predictor.featureCount);
    this.predictor.writeWindow(values, this.json.firstStep + position - 1, X, 0);
    return this.predictor.predictWindows(X, 1)[0] as number;
  }

  /** The next step after each instance's history, with the split-conformal one-step interval. */
  predict(records: Record<string, unknown>[], level: number, pointerPrefix = "/instances"): RegressionPrediction[] {
    const instances = readHistories(records, this.history, pointerPrefix);
    const { lookback, featureCount, horizon } = this.predictor;
    const X = new Float64Array(instances.length * lookback * featureCount);
    instances.forEach((inst, i) => {
      this.predictor.writeWindow(inst.values, inst.lastStep, X, i);
    });
    const out = this.predictor.predictWindows(X, instances.length);
    const half = conformalHalfWidth(this.calibrations[0] as ConformalCalibration, level);
    return instances.map((_, i) => {
      const value = out[i * horizon] as number;
      return { value, lower: this.predictor.clamp(value - half), upper: this.predictor.clamp(value + half) };
    });
  }

  describe(): Record<string, unknown> {
    const { params, training } = this.json;
    return {
      lookback: params.lookback,
      horizon: params.horizon,
      layers: params.layers,
      dropout: params.dropout,
      loss: params.loss,
      inputs: [...this.predictor.pipeline.featureNames],
      historyLength: this.predictor.historyLength,
      ...training,
      scaler: scalerRanges(this.json.features),
      intervals: "split conformal on the validation windows' residuals; widened past the first block by simulation",
      estimated: this.json.replayed ? "weights (parameters and seed replayed)" : "weights",
    };
  }

  state(): ModelState {
    const weights = parseRegressorJson(this.predictor.regressor.toJSON()).weights;
    return {
      json: { ...this.json },
      blobs: { [BLOB_SERIES]: this.series, [BLOB_RESIDUALS]: this.residuals, [BLOB_WEIGHTS]: weights },
    };
  }
}

function refuseSeriesId(seriesId: string | undefined): void {
  if (seriesId !== undefined) {
    throw invalidInput("this model forecasts a single series; leave out id", [
      { field: "/id", reason: "the model was not trained with --id" },
    ]);
  }
}

/** Each scaled column's training range, `{ sales: [min, max], … }`, from the stored scaler. */
function scalerRanges(features: FittedPipelineJson): Record<string, [number, number]> {
  const columns = features.steps[features.steps.length - 1]?.columns;
  const out: Record<string, [number, number]> = {};
  if (!Array.isArray(columns)) return out;
  for (const c of columns as { column: string; min: number; max: number }[]) out[c.column] = [c.min, c.max];
  return out;
}
