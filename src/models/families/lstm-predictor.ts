import { SlipwayError } from "../../core/index.js";
import type { FittedTransformPipeline, TimeIndex } from "../../features/index.js";
import type { SequenceRegressor } from "../../ml/nn/index.js";
import { featureRows, type TargetScale, unscale } from "./lstm-features.js";

/** The declared range of the target (from the dataset schema); values and forecasts stay inside it. */
export interface TargetBounds {
  min: number;
  max: number;
}

/**
 * A fitted network with its feature pipeline: from the last `historyLength` values of a series (lookback plus the
 * features' warm-up) to the next `horizon` values, in the target's units. Shared by training (validation
 * residuals), forecasts (recursion) and predictions from a request's history, so all three featurise alike.
 */
export class LstmPredictor {
  readonly featureCount: number;
  /** Values a prediction reads: the lookback window plus the warm-up of its lag and rolling features. */
  readonly historyLength: number;

  constructor(
    readonly pipeline: FittedTransformPipeline,
    readonly regressor: SequenceRegressor,
    readonly timeIndex: TimeIndex,
    readonly columns: { target: string; time: string },
    readonly lookback: number,
    readonly horizon: number,
    warmUp: number,
    readonly scale: TargetScale,
    readonly bounds: TargetBounds,
  ) {
    this.featureCount = pipeline.featureNames.length;
    this.historyLength = lookback + warmUp;
  }

  /** Writes the input window of the history `values` (its last value at step `lastStep`) into `X` at window `w`. */
  writeWindow(values: Float64Array, lastStep: number, X: Float64Array, w: number): void {
    const n = this.historyLength;
    const segment = { firstStep: lastStep - n + 1, values: values.subarray(values.length - n) };
    const rows = featureRows(this.pipeline, this.timeIndex, this.columns.target, this.columns.time, segment);
    const width = this.lookback * this.featureCount;
    const window = rows.subarray((n - this.lookback) * this.featureCount);
    for (let i = 0; i < width; i++) {
      if (!Number.isFinite(window[i]))
        throw new SlipwayError("SLP_INTERNAL", "an lstm input window has a missing feature value");
    }
    X.set(window, w * width);
  }

  /** The network's answers for n windows, [n, horizon], in the target's units and inside its declared range. */
  predictWindows(X: Float64Array, n: number): Float64Array {
    const out = this.regressor.predict(X, n);
    for (let i = 0; i < out.length; i++) out[i] = this.clamp(unscale(this.scale, out[i]));
    return out;
  }

  clamp(v: number): number {
    return Math.min(this.bounds.max, Math.max(this.bounds.min, v));
  }
}
