import type { ColumnSchema, Family, Frame, Task } from "../core/index.js";

/**
 * The families models/ can fit and load: the user-selectable ones (the CLI's `--family` choices less `auto`) and
 * internal candidates of `auto` that no flag names ("seasonal-naive", and "combination", a weighted combination of
 * other families' models of one task). Bundles record one of these.
 */
export type ModelFamilyName = Exclude<Family, "auto"> | "seasonal-naive" | "combination";

/** What a family needs to know to fit: the task, the columns, and its own hyperparameters. */
export interface TrainSpec {
  task: Task;
  target: string;
  /** The time column of a forecast task. */
  timeColumn?: string;
  /**
   * The target's declared column (type and bounds), when a dataset schema declares it; a family that takes the
   * target's own history as input (`lstm`) validates requests against its bounds.
   */
  targetColumn?: ColumnSchema;
  /** Input columns of a tabular task, with their declared types (the prediction signature). */
  features: ColumnSchema[];
  params: Record<string, unknown>;
  seed: number;
}

/** A fitted model's state as stored in a bundle: JSON plus named typed arrays. */
export interface ModelState {
  json: Record<string, unknown>;
  blobs: Record<string, Float64Array>;
}

export interface ForecastRow {
  time: string;
  mean: number;
  lower: number;
  upper: number;
}

export interface RegressionPrediction {
  value: number;
  lower: number;
  upper: number;
}

export interface ClassPrediction {
  label: string;
  probabilities: Record<string, number>;
}

export type Prediction = RegressionPrediction | ClassPrediction;

/**
 * Why one record got its prediction: per model output (`value` for regression, a class for classification), each
 * feature's contribution and the expected value; contributions + expected = the raw prediction on `scale`
 * (exact TreeSHAP for trees).
 */
export interface Explanation {
  /** What the contributions add to: the prediction itself, its log (Poisson), or the log-odds of a class. */
  scale: "value" | "log" | "log-odds";
  outputs: Record<string, { expected: number; contributions: Record<string, number> }>;
}

/** The inputs a fitted model takes; it is what the serving layer validates requests against. */
export interface Signature {
  task: Task;
  target: string;
  timeColumn?: string;
  inputs: ColumnSchema[];
  /** Class labels of a classification model, as strings in training-file order of first appearance sorted. */
  classes?: string[];
  /** The last observed time of a forecaster (ISO-8601), after which `forecast` starts. */
  lastTime?: string;
  /** A model of several series: the column that named them, and their ids. */
  idColumn?: string;
  ids?: string[];
}

export interface FittedModel {
  /** The family that fitted it; "auto" for a model of several series whose members differ. */
  readonly family: ModelFamilyName | "auto";
  readonly signature: Signature;
  /**
   * Forecast tasks: the `horizon` steps after the last observation. `seriesId` names the series of a model trained
   * on several (`--id COL`); it is required there and refused by a single-series model.
   */
  forecast(horizon: number, level: number, seriesId?: string): ForecastRow[];
  /** Forecast tasks: predictions at given times (epoch ms), for evaluation on held-out rows. */
  forecastAt(times: Float64Array, level: number, seriesId?: string): ForecastRow[];
  /**
   * Tabular tasks: one prediction per record. Records come from JSON bodies or CSV rows; invalid fields raise
   * `SLP_INPUT_INVALID` naming `<pointerPrefix>/<i>/<column>`.
   */
  predict(records: Record<string, unknown>[], level: number, pointerPrefix?: string): Prediction[];
  /**
   * True for a forecaster whose `predict` answers instances that carry their own recent history (the `lstm`
   * family: the step after each); absent elsewhere, where a forecast model's `predict` refuses.
   */
  readonly predictsFromHistory?: boolean;
  /** Tabular families that can explain a prediction (per-feature contributions); absent where they cannot. */
  explain?(records: Record<string, unknown>[], pointerPrefix?: string): Explanation[];
  /** What every explanation of this model adds up to; present exactly when `explain` is. */
  readonly explanationScale?: Explanation["scale"];
  /**
   * Tabular regression, on a model just fitted (bundles do not keep it): for each row of the training frame, its
   * prediction by a fit that had not seen that row, NaN where there is none — the predictions the interval was
   * calibrated on. A combination calibrates its own interval from its members'.
   */
  readonly heldOutPredictions?: Float64Array;
  /** Hyperparameters and fitted summaries worth reporting (kernel, coefficients…). */
  describe(): Record<string, unknown>;
  state(): ModelState;
}

export interface FitOptions {
  /** Reuse this fitted model's hyperparameters instead of optimising new ones (the gate's champion replay). */
  hyperparametersFrom?: ModelState;
}

/** A model family: fits on a frame and restores from a stored state; loading never executes stored code. */
export interface ModelFamily {
  readonly name: ModelFamilyName;
  readonly tasks: readonly Task[];
  fit(train: Frame, spec: TrainSpec, options?: FitOptions): FittedModel;
  load(state: ModelState, signature: Signature): FittedModel;
}
