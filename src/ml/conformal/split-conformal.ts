import { invalidInput, SlipwayError } from "../../core/errors.js";
import { checkLevel, checkSortedScores, conformalQuantile } from "./conformal-rank.js";

/** Lower and upper bounds, one pair per row. */
export interface IntervalBounds {
  lower: Float64Array;
  upper: Float64Array;
}

/** The stored form of a {@link ConformalCalibration}: the sorted scores, so any level can be served later. */
export interface ConformalCalibrationState {
  kind: "split-conformal";
  version: 1;
  /** Whether the scores are |y − ŷ| / σ̂(x) (locally weighted) rather than |y − ŷ|. */
  normalised: boolean;
  /** Ascending, finite, non-negative. */
  scores: Float64Array;
}

/**
 * Split conformal prediction for any point predictor (Lei et al., JASA 2018, §2.2): the absolute residuals of
 * held-out calibration rows, sorted. For a test row exchangeable with them, ŷ ± q with q the
 * ⌈(n + 1)·level⌉-th smallest residual covers y with probability ≥ level (and, without ties, < level + 1/(n + 1)).
 * The guarantee is marginal, over calibration and test draws, and needs the predictor fitted without the
 * calibration rows.
 *
 * Normalised scores |y − ŷ| / σ̂(x), given a positive spread estimate σ̂ fitted without the calibration rows,
 * give the same guarantee with intervals ŷ ± q·σ̂(x) that widen where σ̂ is large (Lei et al., §5.2).
 */
export class ConformalCalibration {
  /** Ascending calibration scores. */
  readonly scores: Float64Array;
  readonly isNormalised: boolean;

  private constructor(scores: Float64Array, isNormalised: boolean) {
    this.scores = scores;
    this.isNormalised = isNormalised;
  }

  /**
   * Calibrates on targets `y` and the predictor's `predictions` for the same rows; with `scale` (σ̂(x) > 0 per
   * row) the scores are normalised.
   */
  static fromResiduals(
    y: Float64Array,
    predictions: Float64Array,
    options: { scale?: Float64Array } = {},
  ): ConformalCalibration {
    const n = y.length;
    if (predictions.length !== n) throw new RangeError(`${n} targets but ${predictions.length} predictions`);
    const scale = options.scale;
    if (scale && scale.length !== n) throw new RangeError(`${n} targets but ${scale.length} scales`);
    const scores = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const s = scale ? scale[i] : 1;
      if (!(s > 0 && Number.isFinite(s)))
        throw new SlipwayError("SLP_TRAIN_FAILED", `conformal scale ${s} at calibration row ${i} is not positive`);
      scores[i] = Math.abs(y[i] - predictions[i]) / s;
      if (!Number.isFinite(scores[i]))
        throw new SlipwayError("SLP_TRAIN_FAILED", `calibration row ${i} has a non-finite target or prediction`);
    }
    return new ConformalCalibration(scores.sort(), scale !== undefined);
  }

  /** Calibrates on precomputed non-negative scores (any order). */
  static fromScores(scores: Float64Array, options: { normalised?: boolean } = {}): ConformalCalibration {
    const sorted = Float64Array.from(scores).sort();
    const problem = checkSortedScores(sorted);
    if (problem !== null || (sorted.length > 0 && sorted[0] < 0))
      throw new SlipwayError("SLP_TRAIN_FAILED", `conformal scores must be finite and ≥ 0 (${problem ?? "negative"})`);
    return new ConformalCalibration(sorted, options.normalised ?? false);
  }

  /** Number of calibration rows. */
  get size(): number {
    return this.scores.length;
  }

  /**
   * The half-width q at `level` in (0, 1): the ⌈(n + 1)·level⌉-th smallest score, +∞ when that rank exceeds n
   * (too few calibration rows for the level). Multiplies σ̂(x) when the scores are normalised.
   */
  quantile(level: number): number {
    return conformalQuantile(this.scores, level);
  }

  /**
   * ŷ ± q (or ŷ ± q·σ̂(x) with normalised scores, where `scale` is required) for each prediction. Bounds are
   * ±∞ when q is.
   */
  predictInterval(predictions: Float64Array, level: number, scale?: Float64Array): IntervalBounds {
    checkLevel(level);
    if (this.isNormalised && !scale) throw new RangeError("normalised conformal scores need a scale for each row");
    if (scale && scale.length !== predictions.length)
      throw new RangeError(`${predictions.length} predictions but ${scale.length} scales`);
    const q = this.quantile(level);
    const lower = new Float64Array(predictions.length);
    const upper = new Float64Array(predictions.length);
    for (let i = 0; i < predictions.length; i++) {
      // q = ∞ with σ̂ > 0 stays ∞; the guard avoids ∞·0 should a caller pass a zero scale.
      const half = q === Number.POSITIVE_INFINITY ? q : q * (this.isNormalised && scale ? scale[i] : 1);
      lower[i] = predictions[i] - half;
      upper[i] = predictions[i] + half;
    }
    return { lower, upper };
  }

  /** The state to store; `fromJSON` restores a calibration that gives identical intervals. */
  toJSON(): ConformalCalibrationState {
    return {
      kind: "split-conformal",
      version: 1,
      normalised: this.isNormalised,
      scores: Float64Array.from(this.scores),
    };
  }

  /** Rebuilds from {@link toJSON}'s output; throws `SLP_INPUT_INVALID` when the scores are not ascending and ≥ 0. */
  static fromJSON(state: ConformalCalibrationState): ConformalCalibration {
    const details = [];
    if (state.kind !== "split-conformal" || state.version !== 1)
      details.push({ field: "/kind", reason: "expected split-conformal version 1" });
    const problem = state.scores instanceof Float64Array ? checkSortedScores(state.scores) : "expected a Float64Array";
    if (problem !== null) details.push({ field: "/scores", reason: problem });
    else if (state.scores.length > 0 && state.scores[0] < 0)
      details.push({ field: "/scores", reason: "scores must be ≥ 0" });
    if (details.length > 0) throw invalidInput("conformal calibration state is inconsistent", details);
    return new ConformalCalibration(Float64Array.from(state.scores), state.normalised === true);
  }
}
