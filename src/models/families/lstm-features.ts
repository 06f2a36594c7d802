import { type Frame, frameOf, SlipwayError } from "../../core/index.js";
import {
  type CalendarPart,
  type FittedTransformPipeline,
  indexToTime,
  type PipelineConfigInput,
  type TimeIndex,
  TransformPipeline,
  type TransformSpecInput,
} from "../../features/index.js";
import { CALENDAR_FEATURES, type LstmFeature, parseFeature } from "./lstm-params.js";

/**
 * The per-step inputs of the `lstm` family, built from the shared feature transforms (features/transforms), so
 * training windows and serving requests go through the same code: the target, its lags and rolling statistics
 * (one `lags` step per statistic), calendar parts of the time, then one min-max scaler over all of them, fitted
 * on the training rows only.
 *
 * Rolling windows end at the row itself (`includeCurrent`): a window's row at step t holds what is known once
 * y_t is observed, and the network predicts y_{t+1}…, so the statistic may include y_t without leaking a target.
 * Lags look strictly back (lag k at t is y_{t−k}). A step with too little history, or a gap in it, has missing
 * features and no window uses it.
 */
export function featurePipelineConfig(target: string, time: string, features: readonly string[]): PipelineConfigInput {
  const parsed = features.map((name) => parseFeature(name) as LstmFeature);
  const transforms: TransformSpecInput[] = [];
  const base = { type: "lags" as const, column: target, time, includeCurrent: true, prefix: "" };
  const lags = parsed.flatMap((f) => (f.kind === "lag" ? [f.lag] : []));
  if (lags.length > 0) transforms.push({ ...base, lags, windows: [] });
  for (const stat of ["mean", "std", "min", "max"] as const) {
    const windows = parsed.flatMap((f) => (f.kind === "rolling" && f.stat === stat ? [f.window] : []));
    if (windows.length > 0) transforms.push({ ...base, lags: [], windows, stats: [stat] });
  }
  const calendar = parsed.flatMap((f): CalendarPart[] => (f.kind === "calendar" ? [CALENDAR_FEATURES[f.name]] : []));
  if (calendar.length > 0) transforms.push({ type: "calendar", column: time, features: calendar, prefix: "" });
  transforms.push({ type: "minmax", columns: [target, ...features] });
  return { transforms, allowMissing: true };
}

/** A stretch of the series on consecutive steps: the step of its first value, and the values (NaN at gaps). */
export interface SeriesSegment {
  firstStep: number;
  values: Float64Array;
}

/** The segment as a frame of its two columns, times from the step index. */
export function segmentFrame(timeIndex: TimeIndex, target: string, time: string, segment: SeriesSegment): Frame {
  const times = new Float64Array(segment.values.length);
  for (let i = 0; i < times.length; i++) times[i] = indexToTime(timeIndex, segment.firstStep + i);
  return frameOf({ [time]: { kind: "time", values: times }, [target]: { kind: "number", values: segment.values } });
}

/** Fits the feature pipeline (lags, calendar, scaler) on the training segment. */
export function fitFeaturePipeline(
  timeIndex: TimeIndex,
  target: string,
  time: string,
  features: readonly string[],
  segment: SeriesSegment,
): FittedTransformPipeline {
  return TransformPipeline.fromConfig(featurePipelineConfig(target, time, features)).fit(
    segmentFrame(timeIndex, target, time, segment),
  );
}

/**
 * The scaled feature rows of a segment, [values.length, features] row-major (NaN where a feature lacks history).
 * The segment is passed as the lag steps' history too, so the pipeline's stored tail of the training series never
 * mixes in: a row's features depend on the segment's values alone, the same in training and at serving time.
 */
export function featureRows(
  pipeline: FittedTransformPipeline,
  timeIndex: TimeIndex,
  target: string,
  time: string,
  segment: SeriesSegment,
): Float64Array {
  const frame = segmentFrame(timeIndex, target, time, segment);
  return pipeline.transform(frame, { history: frame }).data;
}

/** The training range of the target kept by the pipeline's scaler, to map network outputs back to values. */
export interface TargetScale {
  min: number;
  max: number;
}

/** Reads the target's min and max from the fitted scaler (the pipeline's last step, first column). */
export function targetScaleOf(pipeline: FittedTransformPipeline, target: string): TargetScale {
  const steps = pipeline.toJSON().steps;
  const columns = steps[steps.length - 1]?.columns;
  const first = Array.isArray(columns) ? (columns[0] as Record<string, unknown> | undefined) : undefined;
  if (first?.column !== target || typeof first.min !== "number" || typeof first.max !== "number") {
    throw new SlipwayError("SLP_INTERNAL", `the lstm feature pipeline has no scaler for ${target}`);
  }
  return { min: first.min, max: first.max };
}

/** y from its scaled value s = (y − min) / (max − min); a constant training target maps back to itself. */
export function unscale(scale: TargetScale, s: number): number {
  return scale.min + s * (scale.max > scale.min ? scale.max - scale.min : 1);
}

/**
 * Input windows and their targets over a feature matrix [n, features] and scaled targets: window e covers rows
 * e − lookback + 1 … e and predicts the targets at e + 1 … e + horizon. Only windows whose rows and targets are
 * all present are kept, in time order.
 */
export interface Windows {
  /** The last row of each window. */
  ends: Int32Array;
  X: Float64Array;
  y: Float64Array;
}

export function windowsOf(
  rows: Float64Array,
  featureCount: number,
  scaledTarget: Float64Array,
  lookback: number,
  horizon: number,
): Windows {
  const n = scaledTarget.length;
  const present = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let ok = 1;
    for (let f = 0; f < featureCount; f++) if (!Number.isFinite(rows[i * featureCount + f])) ok = 0;
    present[i] = ok;
  }
  const ends: number[] = [];
  for (let e = lookback - 1; e + horizon < n; e++) {
    let ok = true;
    for (let i = e - lookback + 1; i <= e && ok; i++) ok = present[i] === 1;
    for (let h = 1; h <= horizon && ok; h++) ok = Number.isFinite(scaledTarget[e + h]);
    if (ok) ends.push(e);
  }
  const width = lookback * featureCount;
  const X = new Float64Array(ends.length * width);
  const y = new Float64Array(ends.length * horizon);
  ends.forEach((e, w) => {
    X.set(rows.subarray((e - lookback + 1) * featureCount, (e + 1) * featureCount), w * width);
    y.set(scaledTarget.subarray(e + 1, e + 1 + horizon), w * horizon);
  });
  return { ends: Int32Array.from(ends), X, y };
}
