import type { Sequence } from "./lag-sequence.js";
import type { LagSpec } from "./transform-spec.js";

/**
 * Writes the lag and rolling outputs of every input row of `sequence` into `outputs` (in `lagOutputNames`
 * order, indexed by input row).
 *
 * Each window is summed afresh from its own values, oldest first, rather than by a running sum: O(w) per row,
 * but the result depends only on the window's values, so a row featurised at serving time from stored history
 * equals, to the bit, the same row featurised during training.
 *
 * Rolling std is the sample standard deviation (n − 1 denominator, as pandas' `rolling().std()`); it needs two
 * values. Missing values inside a window are skipped and the statistic needs `minPeriods` (default w) non-missing
 * ones; lag k is missing when the entity has fewer than k earlier observations or that observation is missing.
 */
export function computeLagValues(sequence: Sequence, starts: Int32Array, spec: LagSpec, outputs: Float64Array[]): void {
  const { lags, windows, stats, includeCurrent } = spec;
  const value = sequence.value;
  const groupCount = starts.length - 1;
  for (let g = 0; g < groupCount; g++) {
    const first = starts[g];
    const end = starts[g + 1];
    for (let p = first; p < end; p++) {
      const row = sequence.row[p];
      if (row < 0) continue; // a past entry: read, never written
      let o = 0;
      for (let l = 0; l < lags.length; l++) {
        const q = p - lags[l];
        // Infinities read as missing, as the stored history keeps them (JSON cannot carry them).
        outputs[o++][row] = q >= first && Number.isFinite(value[q]) ? value[q] : Number.NaN;
      }
      for (let w = 0; w < windows.length; w++) {
        const width = windows[w];
        const last = includeCurrent ? p : p - 1;
        const from = Math.max(first, last - width + 1);
        let count = 0;
        let sum = 0;
        let min = Number.POSITIVE_INFINITY;
        let max = Number.NEGATIVE_INFINITY;
        for (let q = from; q <= last; q++) {
          const v = value[q];
          if (!Number.isFinite(v)) continue;
          count++;
          sum += v;
          if (v < min) min = v;
          if (v > max) max = v;
        }
        const enough = count > 0 && count >= Math.min(spec.minPeriods ?? width, width);
        const mean = sum / count;
        for (let s = 0; s < stats.length; s++) {
          const stat = stats[s];
          let out = Number.NaN;
          if (enough) {
            if (stat === "mean") out = mean;
            else if (stat === "min") out = min;
            else if (stat === "max") out = max;
            else if (count >= 2) {
              let squares = 0;
              for (let q = from; q <= last; q++) if (Number.isFinite(value[q])) squares += (value[q] - mean) ** 2;
              out = Math.sqrt(squares / (count - 1));
            }
          }
          outputs[o++][row] = out;
        }
      }
    }
  }
}
