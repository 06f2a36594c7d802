import { ConformalCalibration } from "../../ml/conformal/index.js";
import { Rng } from "../../ml/random.js";
import { conformalHalfWidth } from "./conformal-interval.js";
import type { LstmPredictor } from "./lstm-predictor.js";

/**
 * Recursive multi-step forecasts of an `lstm` model and their intervals.
 *
 * A window predicts the next `horizon` values; a longer forecast appends them to the history and predicts again
 * from the new last window, block after block, so step s ahead is output j = (s − 1) mod horizon of block
 * ⌈s / horizon⌉.
 *
 * Intervals. The validation windows (the last 10% of the training windows, which the network was not fitted
 * on) give residuals e_{v,j} = y − ŷ for every output j. Within the first block an interval is split conformal
 * (Lei et al. 2018): ŷ ± q_j, q_j the ⌈(V + 1)·level⌉-th smallest |e_{·,j}| of the V validation windows, which
 * covers with probability ≥ level for a future window exchangeable with them.
 *
 * Further ahead, the recursion feeds its own errors back as inputs, and how much that widens the spread depends
 * on the fitted network (a mean-reverting one forgets them, a persistent one carries them on). Too few
 * validation windows exist to calibrate every step directly (V − s + 1 origins for step s), so the widening is
 * measured by simulation instead, as for neural autoregressions in FPP3 §12.4: {@link SIMULATION_PATHS} sample
 * paths from the forecast origin, each block's outputs perturbed by a whole validation residual row drawn at
 * random (keeping the outputs' joint errors), give at step s the spread d_s, the `level` quantile of
 * |path − point forecast|. The half-width is then
 *   q_j · max(1, d_s / d_j, r_{s − horizon}),
 * the conformal width scaled by how much the recursion has widened the spread since the first block (whose d_j
 * is the spread of the drawn residuals alone), and never narrower than the same output one block earlier: an
 * interval does not shrink as it looks further ahead. Past {@link MAX_SIMULATED_STEPS} the last ratio is kept.
 */
export const SIMULATION_PATHS = 200;
export const MAX_SIMULATED_STEPS = 60;

/**
 * The values of `paths` recursive forecasts of `steps` steps, [paths, steps] row-major, from the history `start`
 * (at least `historyLength` values, the last at step `lastStep`). With `noise`, each block of each path adds a
 * residual row drawn from it (rows of `horizon` values); values fed back stay inside the target's range.
 */
export function recursivePaths(
  predictor: LstmPredictor,
  start: Float64Array,
  lastStep: number,
  steps: number,
  paths: number,
  noise?: { residuals: Float64Array; rng: Rng },
): Float64Array {
  const n = predictor.historyLength;
  const h = predictor.horizon;
  const blocks = Math.ceil(steps / h);
  const length = n + blocks * h;
  const buffers = new Float64Array(paths * length);
  for (let p = 0; p < paths; p++) buffers.set(start.subarray(start.length - n), p * length);
  const X = new Float64Array(paths * predictor.lookback * predictor.featureCount);
  const rowCount = noise ? noise.residuals.length / h : 0;
  for (let b = 0; b < blocks; b++) {
    const at = n + b * h;
    for (let p = 0; p < paths; p++)
      predictor.writeWindow(buffers.subarray(p * length, p * length + at), lastStep + b * h, X, p);
    const out = predictor.predictWindows(X, paths);
    for (let p = 0; p < paths; p++) {
      const row = noise ? Math.floor(noise.rng.next() * rowCount) : -1;
      for (let j = 0; j < h; j++) {
        const e = noise ? noise.residuals[row * h + j] : 0;
        buffers[p * length + at + j] = predictor.clamp(out[p * h + j] + e);
      }
    }
  }
  const result = new Float64Array(paths * steps);
  for (let p = 0; p < paths; p++) result.set(buffers.subarray(p * length + n, p * length + n + steps), p * steps);
  return result;
}

/** Sorted |path − point| per simulated step: [steps, paths], each step's row ascending. */
export interface SimulatedSpread {
  steps: number;
  paths: number;
  sorted: Float64Array;
}

/** The simulated spread of the first `steps` steps from the history `start` (see the file comment). */
export function simulateSpread(
  predictor: LstmPredictor,
  start: Float64Array,
  lastStep: number,
  steps: number,
  point: Float64Array,
  residuals: Float64Array,
  seed: number,
): SimulatedSpread {
  const paths = SIMULATION_PATHS;
  const values = recursivePaths(predictor, start, lastStep, steps, paths, { residuals, rng: new Rng(seed) });
  const sorted = new Float64Array(steps * paths);
  for (let s = 0; s < steps; s++) {
    const row = sorted.subarray(s * paths, (s + 1) * paths);
    for (let p = 0; p < paths; p++) row[p] = Math.abs(values[p * steps + s] - point[s]);
    row.sort();
  }
  return { steps, paths, sorted };
}

/** The conformal calibrations of each output, from the validation residuals [V, horizon]. */
export function outputCalibrations(residuals: Float64Array, horizon: number): ConformalCalibration[] {
  const rows = residuals.length / horizon;
  return Array.from({ length: horizon }, (_, j) =>
    ConformalCalibration.fromScores(
      Float64Array.from({ length: rows }, (_, v) => Math.abs(residuals[v * horizon + j])),
    ),
  );
}

/**
 * Half-widths of the first `steps` steps ahead at `level`; `spread` may be null when every step lies in the first
 * block (the widening ratio is 1 there).
 */
export function recursiveHalfWidths(
  calibrations: readonly ConformalCalibration[],
  steps: number,
  level: number,
  spread: SimulatedSpread | null,
): Float64Array {
  const h = calibrations.length;
  const q = calibrations.map((c) => conformalHalfWidth(c, level));
  const ratio = new Float64Array(steps);
  const quantileAt = (s: number): number => {
    const { paths, sorted } = spread as SimulatedSpread;
    const k = Math.min(paths - 1, Math.max(0, Math.ceil(level * paths) - 1));
    return sorted[s * paths + k];
  };
  for (let s = 0; s < steps; s++) {
    if (s < h) ratio[s] = 1;
    else if (spread === null || s >= spread.steps) ratio[s] = ratio[s - h];
    else {
      const first = quantileAt(s % h);
      const widened = first > 0 ? quantileAt(s) / first : 1;
      ratio[s] = Math.max(1, widened, ratio[s - h]);
    }
  }
  return ratio.map((r, s) => r * (q[s % h] as number));
}
