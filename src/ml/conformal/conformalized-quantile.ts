import { invalidInput, SlipwayError } from "../../core/errors.js";
import { checkLevel, checkSortedScores, conformalQuantile } from "./conformal-rank.js";
import { ConformalCalibration, type ConformalCalibrationState, type IntervalBounds } from "./split-conformal.js";

/** The stored form of a {@link QuantileCalibration}. */
export interface QuantileCalibrationState {
  kind: "conformalized-quantile";
  version: 1;
  /** The nominal level of the quantile band, e.g. 0.9 for quantile models fitted at 0.05 and 0.95. */
  level: number;
  /** E_i = max(q̂_lo(x_i) − y_i, y_i − q̂_hi(x_i)), ascending; negative where y lies inside the band. */
  scores: Float64Array;
  /** Split-conformal calibration of a median (or any point) predictor: the fallback for other levels. */
  median: ConformalCalibrationState | null;
}

/** The predictions {@link QuantileCalibration.predictInterval} needs for a batch of rows. */
export interface QuantilePredictions {
  /** q̂_lo(x), the lower quantile model's predictions. */
  lower: Float64Array;
  /** q̂_hi(x). */
  upper: Float64Array;
  /** A point (median) prediction; needed only for levels other than the band's. */
  median?: Float64Array;
}

/** Relative slack under which a requested level counts as the band's own. */
const SAME_LEVEL = 1e-9;

/**
 * Conformalised quantile regression (Romano, Patterson & Candès, "Conformalized Quantile Regression", NeurIPS
 * 2019, Theorem 1). Quantile models fitted at (1 − level)/2 and (1 + level)/2 on rows disjoint from the
 * calibration rows give a band [q̂_lo, q̂_hi]; with Q the ⌈(n + 1)·level⌉-th smallest calibration score E,
 * [q̂_lo − Q, q̂_hi + Q] covers y with probability ≥ level. Q > 0 widens a band that undercovers, Q < 0 narrows
 * one that overcovers, and the band keeps the quantile models' local width.
 *
 * Levels. The correction is designed for the level whose quantiles were fitted: that band's shape is what the
 * quantile models estimated. {@link correction} at another level is still marginally valid (the guarantee holds
 * for any fixed score function), but it stretches or shrinks a band shaped for a different level by a constant,
 * so it is neither the CQR interval at that level nor, well away from it, an efficient one. {@link predictInterval}
 * therefore serves other levels only from an optional split-conformal calibration of a median predictor
 * (ŷ_median ± q), and otherwise refuses them with `SLP_INPUT_INVALID`.
 */
export class QuantileCalibration {
  readonly level: number;
  /** Ascending calibration scores E. */
  readonly scores: Float64Array;
  /** The fallback for other levels, when median predictions were given at calibration. */
  readonly median: ConformalCalibration | null;

  private constructor(level: number, scores: Float64Array, median: ConformalCalibration | null) {
    this.level = level;
    this.scores = scores;
    this.median = median;
  }

  /**
   * Calibrates on targets `y` and the band models' predictions for the same rows. `level` is the band's nominal
   * level; with `predictions.median`, a split-conformal calibration of it is kept for other levels.
   */
  static fromQuantiles(y: Float64Array, predictions: QuantilePredictions, level: number): QuantileCalibration {
    checkLevel(level);
    const n = y.length;
    const { lower, upper, median } = predictions;
    if (lower.length !== n || upper.length !== n || (median && median.length !== n))
      throw new RangeError(`${n} targets but quantile predictions of other lengths`);
    const scores = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      scores[i] = Math.max(lower[i] - y[i], y[i] - upper[i]);
      if (!Number.isFinite(scores[i]))
        throw new SlipwayError("SLP_TRAIN_FAILED", `calibration row ${i} has a non-finite target or quantile`);
    }
    const medianCalibration = median ? ConformalCalibration.fromResiduals(y, median) : null;
    return new QuantileCalibration(level, scores.sort(), medianCalibration);
  }

  /** Number of calibration rows. */
  get size(): number {
    return this.scores.length;
  }

  /** Whether `level` is the band's own (up to a relative 1e-9). */
  isBandLevel(level: number): boolean {
    return Math.abs(level - this.level) <= SAME_LEVEL * this.level;
  }

  /**
   * Q at `level`: the ⌈(n + 1)·level⌉-th smallest score, +∞ when that rank exceeds n. Marginally valid at any
   * level (see the class comment), but the CQR interval only at the band's own.
   */
  correction(level: number): number {
    return conformalQuantile(this.scores, level);
  }

  /**
   * [q̂_lo − Q, q̂_hi + Q] at the band's level. A row whose band the correction would invert (Q < −(q̂_hi − q̂_lo)/2)
   * gets the single point at the band's midpoint: a superset of the empty set, so coverage is not reduced.
   * Another level is served as ŷ_median ± q from the median calibration, or refused with `SLP_INPUT_INVALID`.
   */
  predictInterval(predictions: QuantilePredictions, level: number): IntervalBounds {
    checkLevel(level);
    const { lower, upper, median } = predictions;
    if (!this.isBandLevel(level)) {
      if (this.median && median) return this.median.predictInterval(median, level);
      throw invalidInput(`this quantile calibration serves level ${this.level} only`, [
        {
          field: "level",
          reason: this.median
            ? `level ${level} needs median predictions for the split-conformal fallback`
            : `level ${level} differs from the quantile models' ${this.level} and no median was calibrated`,
        },
      ]);
    }
    if (upper.length !== lower.length) throw new RangeError(`${lower.length} lower but ${upper.length} upper bounds`);
    const q = this.correction(level);
    const outLower = new Float64Array(lower.length);
    const outUpper = new Float64Array(lower.length);
    for (let i = 0; i < lower.length; i++) {
      let lo = lower[i] - q;
      let hi = upper[i] + q;
      if (lo > hi) {
        lo = 0.5 * (lower[i] + upper[i]);
        hi = lo;
      }
      outLower[i] = lo;
      outUpper[i] = hi;
    }
    return { lower: outLower, upper: outUpper };
  }

  /** The state to store; `fromJSON` restores a calibration that gives identical intervals. */
  toJSON(): QuantileCalibrationState {
    return {
      kind: "conformalized-quantile",
      version: 1,
      level: this.level,
      scores: Float64Array.from(this.scores),
      median: this.median ? this.median.toJSON() : null,
    };
  }

  /** Rebuilds from {@link toJSON}'s output; throws `SLP_INPUT_INVALID` on an inconsistent state. */
  static fromJSON(state: QuantileCalibrationState): QuantileCalibration {
    const details = [];
    if (state.kind !== "conformalized-quantile" || state.version !== 1)
      details.push({ field: "/kind", reason: "expected conformalized-quantile version 1" });
    if (!(state.level > 0 && state.level < 1)) details.push({ field: "/level", reason: "expected a level in (0, 1)" });
    const problem = state.scores instanceof Float64Array ? checkSortedScores(state.scores) : "expected a Float64Array";
    if (problem !== null) details.push({ field: "/scores", reason: problem });
    if (details.length > 0) throw invalidInput("quantile calibration state is inconsistent", details);
    const median = state.median ? ConformalCalibration.fromJSON(state.median) : null;
    return new QuantileCalibration(state.level, Float64Array.from(state.scores), median);
  }
}
