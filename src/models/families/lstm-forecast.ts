import { type ColumnSchema, type Frame, SlipwayError } from "../../core/index.js";
import { FittedTransformPipeline, type TimeIndex } from "../../features/index.js";
import { encodeFloat64Base64, REGRESSOR_JSON_FORMAT, SequenceRegressor } from "../../ml/nn/index.js";
import type { FitOptions, FittedModel, ModelState, Signature, TrainSpec } from "../estimator.js";
import { seriesFromFrame } from "../series.js";
import { forecastSignature } from "./linear-forecast.js";
import { featureRows, fitFeaturePipeline, targetScaleOf, windowsOf } from "./lstm-features.js";
import { BLOB_RESIDUALS, BLOB_SERIES, BLOB_WEIGHTS, LstmForecaster, type LstmForecastJson } from "./lstm-forecaster.js";
import { type LstmParams, lstmParams, parseFeature, warmUpOf } from "./lstm-params.js";
import { LstmPredictor, type TargetBounds } from "./lstm-predictor.js";
import { stepGrid } from "./step-grid.js";

/** Share of the training windows (the last ones) held out for early stopping and interval calibration. */
const VALIDATION_SHARE = 0.1;
/** Fewest complete windows a fit accepts: at least a handful to fit and one to validate on. */
const MIN_WINDOWS = 10;

/** The target's declared range (unbounded where the schema sets none). */
function boundsOf(column: ColumnSchema | undefined): TargetBounds {
  return { min: column?.min ?? Number.NEGATIVE_INFINITY, max: column?.max ?? Number.POSITIVE_INFINITY };
}

function signatureOf(spec: TrainSpec, timeIndex: TimeIndex, lastStep: number, params: LstmParams): Signature {
  const declared = spec.targetColumn;
  const target: ColumnSchema = {
    name: spec.target,
    type: "number",
    required: true,
    ...(declared?.min !== undefined ? { min: declared.min } : {}),
    ...(declared?.max !== undefined ? { max: declared.max } : {}),
  };
  const calendar = params.features.some((f) => parseFeature(f)?.kind === "calendar");
  const time: ColumnSchema[] = calendar ? [{ name: spec.timeColumn as string, type: "time", required: true }] : [];
  return { ...forecastSignature(spec, timeIndex, lastStep), inputs: [target, ...time] };
}

function build(signature: Signature, json: LstmForecastJson, blobs: Record<string, Float64Array>): LstmForecaster {
  const series = blobs[BLOB_SERIES];
  const residuals = blobs[BLOB_RESIDUALS];
  const weights = blobs[BLOB_WEIGHTS];
  if (!series || !residuals || !weights) throw new SlipwayError("SLP_INTERNAL", "an lstm bundle lacks a blob");
  const pipeline = FittedTransformPipeline.fromJSON(json.features);
  const regressor = SequenceRegressor.fromJSON({
    format: REGRESSOR_JSON_FORMAT,
    version: 1,
    config: json.network,
    weights: encodeFloat64Base64(weights),
  });
  const target = signature.target;
  const predictor = new LstmPredictor(
    pipeline,
    regressor,
    json.timeIndex,
    { target, time: signature.timeColumn as string },
    json.params.lookback,
    json.params.horizon,
    json.warmUp,
    targetScaleOf(pipeline, target),
    boundsOf(signature.inputs.find((c) => c.name === target)),
  );
  return new LstmForecaster(signature, json, predictor, series, residuals);
}

/**
 * LSTM forecaster: a stacked LSTM (ml/nn) over windows of `lookback` steps of the target and its declared
 * features (lags, rolling statistics, calendar parts; see lstm-features.ts), min-max scaled on the training rows
 * only, predicting the next `horizon` values; longer forecasts recurse (lstm-recursion.ts, which also explains the
 * intervals). The last 10% of the training windows are held out: they stop training early (`patience`) and their
 * residuals calibrate the intervals.
 *
 * Besides `forecast` (the steps after the training series), it answers `predict` for instances that carry their
 * own recent history (`{"sales": [v1, …, vN], "date": "…"}`, see lstm-history.ts): the next step's value, its
 * features computed from that history by the same code as in training.
 *
 * A champion's replay (`hyperparametersFrom`) refits with the champion's parameters and seed: a network has no
 * hyperparameters learnt apart from its weights, and the weights belong to the rows they were fitted on.
 */
export const lstmForecastFamily = {
  fit(train: Frame, spec: TrainSpec, options: FitOptions = {}): FittedModel {
    const previous = options.hyperparametersFrom?.json as Partial<LstmForecastJson> | undefined;
    const params = lstmParams((previous?.params ?? spec.params) as Record<string, unknown>);
    const seed = typeof previous?.seed === "number" ? previous.seed : spec.seed;
    const time = spec.timeColumn as string;
    const target = spec.target;
    const series = seriesFromFrame(train, time, target, null);
    const grid = stepGrid(series);
    const segment = { firstStep: grid.firstStep, values: grid.y };
    const warmUp = warmUpOf(params.features);
    const historyLength = params.lookback + warmUp;
    const tail = grid.y.subarray(Math.max(0, grid.y.length - historyLength));
    if (tail.length < historyLength || !tail.every(Number.isFinite)) {
      throw new SlipwayError(
        "SLP_TRAIN_FAILED",
        `an lstm forecast starts from the last ${historyLength} steps of ${target}, which need a value each`,
        [{ field: target, reason: "a gap among the last steps" }],
      );
    }
    const pipeline = fitFeaturePipeline(series.timeIndex, target, time, params.features, segment);
    const rows = featureRows(pipeline, series.timeIndex, target, time, segment);
    const featureCount = pipeline.featureNames.length;
    const targetAt = pipeline.featureNames.indexOf(target);
    const scaledTarget = Float64Array.from(grid.y, (_, i) => rows[i * featureCount + targetAt] as number);
    const windows = windowsOf(rows, featureCount, scaledTarget, params.lookback, params.horizon);
    const { train: fitPart, validation } = splitWindows(windows, params, featureCount);
    if (windows.ends.length < MIN_WINDOWS || fitPart.n < 1) {
      throw new SlipwayError(
        "SLP_TRAIN_FAILED",
        `an lstm of lookback ${params.lookback} and horizon ${params.horizon} needs at least ${MIN_WINDOWS} complete windows ` +
          `(${historyLength + params.horizon + MIN_WINDOWS - 1} steps without gaps); these rows give ${windows.ends.length}`,
        [{ field: "/params/lookback", reason: "too few observations for the window" }],
      );
    }
    const regressor = SequenceRegressor.create({
      inputSize: featureCount,
      layers: params.layers,
      dropout: params.dropout,
      outputSize: params.horizon,
      seed,
    });
    const history = regressor.fit(fitPart.X, fitPart.y, {
      epochs: params.epochs,
      batchSize: params.batchSize,
      learningRate: params.learningRate,
      loss: params.loss,
      validation: { X: validation.X, y: validation.y },
      ...(params.patience > 0 ? { patience: params.patience } : {}),
      seed,
    });
    const lastStep = series.steps[series.steps.length - 1] as number;
    const signature = signatureOf(spec, series.timeIndex, lastStep, params);
    const predictor = new LstmPredictor(
      pipeline,
      regressor,
      series.timeIndex,
      { target, time },
      params.lookback,
      params.horizon,
      warmUp,
      targetScaleOf(pipeline, target),
      boundsOf(signature.inputs[0]),
    );
    // Validation residuals in the target's units, [V, horizon]: the calibration of every interval.
    const predicted = predictor.predictWindows(validation.X, validation.n);
    const residuals = new Float64Array(predicted.length);
    for (let v = 0; v < validation.n; v++) {
      const end = validation.ends[v] as number;
      for (let j = 0; j < params.horizon; j++) {
        const k = v * params.horizon + j;
        residuals[k] = (grid.y[end + 1 + j] as number) - (predicted[k] as number);
      }
    }
    const json: LstmForecastJson = {
      timeIndex: series.timeIndex,
      firstStep: grid.firstStep,
      gridLength: grid.y.length,
      lastStep: Math.round(lastStep),
      params,
      seed,
      warmUp,
      features: pipeline.toJSON(),
      network: regressor.toJSON().config,
      training: {
        trainWindows: fitPart.n,
        validationWindows: validation.n,
        epochs: history.epochs,
        keptEpoch: history.keptEpoch,
        stoppedEarly: history.stoppedEarly,
        trainLoss: history.trainLoss[history.keptEpoch] as number,
        validationLoss: history.validationLoss[history.keptEpoch] as number,
      },
      replayed: previous !== undefined,
    };
    return new LstmForecaster(signature, json, predictor, grid.y, residuals);
  },
  load(state: ModelState, signature: Signature): FittedModel {
    return build(signature, state.json as unknown as LstmForecastJson, state.blobs);
  },
};

interface WindowBlock {
  X: Float64Array;
  y: Float64Array;
  n: number;
  ends: Int32Array;
}

/**
 * The last {@link VALIDATION_SHARE} of the windows (at least one) are the validation set; training keeps the
 * windows whose targets all come before the first validation target, so no validation value is ever a training
 * target (with horizon h the h − 1 windows just before the cut would reach into it).
 */
function splitWindows(
  windows: { ends: Int32Array; X: Float64Array; y: Float64Array },
  params: LstmParams,
  featureCount: number,
): { train: WindowBlock; validation: WindowBlock } {
  const count = windows.ends.length;
  const held = Math.max(1, Math.ceil(VALIDATION_SHARE * count));
  const first = Math.max(0, count - held);
  const cut = count > 0 ? (windows.ends[first] as number) : 0;
  let trainCount = 0;
  while (trainCount < first && (windows.ends[trainCount] as number) + params.horizon <= cut) trainCount++;
  const width = params.lookback * featureCount;
  const h = params.horizon;
  const block = (from: number, to: number): WindowBlock => ({
    X: windows.X.subarray(from * width, to * width),
    y: windows.y.subarray(from * h, to * h),
    n: to - from,
    ends: windows.ends.subarray(from, to),
  });
  return { train: block(0, trainCount), validation: block(first, count) };
}
