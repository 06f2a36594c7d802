/**
 * Feature binning for histogram gradient boosting, after scikit-learn's `_BinMapper` (`binning.py`): each feature
 * is cut once, on the training rows only, into at most 255 bins so a bin code fits a byte, and every later stage
 * (histograms, split search, partitioning) works on those codes instead of raw floats.
 *
 * Numeric features: with at most `maxBins` distinct values each value gets its own bin (thresholds at midpoints);
 * otherwise thresholds are the i/maxBins quantiles (i = 1 … maxBins − 1) of the values, duplicates dropped. A value
 * x goes to the first bin b with x ≤ threshold[b]; the last bin is unbounded above. So "bin ≤ b" and "x ≤
 * threshold[b]" select the same rows, which is what lets a tree grown on bins predict on raw floats.
 *
 * Categorical features: one bin per category (ordered by code). Past `maxBins` categories, the `maxBins − 1` most
 * frequent keep their own bins and the rest share the last one. Categories not seen in training are treated as
 * missing, as scikit-learn does.
 *
 * Missing values (NaN) of feature f get the reserved code `binCount[f]`, one past its last bin.
 */
import { invalidInput } from "../../core/index.js";
import { Rng } from "../random.js";
import { sortFloat64 } from "../stats/radix-sort.js";

/** A dense row-major matrix of raw features: entry (i, j) is `data[i * cols + j]`; NaN marks a missing value. */
export interface GbdtMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/**
 * Bin codes, column-major: the code of row i, feature f is `codes[f * rows + i]`. Column-major because
 * partitioning a node reads one feature over the node's rows (in ascending row order, so nearly sequentially);
 * histogram building reads a row-major copy (`slotMatrix` in `histogram.ts`).
 */
export interface BinnedMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly codes: Uint8Array;
}

/** Options of {@link BinMapper.fit}. */
export interface BinMapperOptions {
  /** Non-missing bins per feature, 2 … 255 (default 255). */
  maxBins?: number;
  /** Indices of categorical features; their values must be non-negative integer codes or NaN. */
  categoricalFeatures?: readonly number[];
  /** Quantiles are computed on at most this many rows, drawn by `rng` (default 200,000, as scikit-learn). */
  sampleRows?: number;
  /** Draws the quantile subsample; default `new Rng(0)`. */
  rng?: Rng;
}

/** Largest category code accepted: the predictor keeps a code → bin table of this length per feature. */
export const MAX_CATEGORY_CODE = 1 << 20;

/** The JSON form of a fitted mapper (thresholds and category tables are plain number arrays). */
export interface BinMapperState {
  maxBins: number;
  binCount: number[];
  categorical: number[];
  thresholds: number[][];
  categoryBins: number[][];
}

/** A fitted binning of every feature. */
export class BinMapper {
  readonly featureCount: number;
  readonly maxBins: number;
  /** Non-missing bins of each feature; the missing code of feature f is `binCount[f]`. */
  readonly binCount: Int32Array;
  /** 1 for categorical features. */
  readonly isCategorical: Uint8Array;
  /** Numeric features: `binCount[f] − 1` ascending upper bin bounds. Categorical features: empty. */
  readonly thresholds: Float64Array[];
  /** Categorical features: category code → bin, −1 for a code not seen in training. Numeric features: empty. */
  readonly categoryBins: Int16Array[];

  constructor(
    maxBins: number,
    binCount: Int32Array,
    isCategorical: Uint8Array,
    thresholds: Float64Array[],
    categoryBins: Int16Array[],
  ) {
    this.featureCount = binCount.length;
    this.maxBins = maxBins;
    this.binCount = binCount;
    this.isCategorical = isCategorical;
    this.thresholds = thresholds;
    this.categoryBins = categoryBins;
  }

  /** Fits the bins of every column of `X` (the training rows only). */
  static fit(X: GbdtMatrix, options: BinMapperOptions = {}): BinMapper {
    checkMatrix(X);
    const maxBins = options.maxBins ?? 255;
    if (!Number.isInteger(maxBins) || maxBins < 2 || maxBins > 255) {
      throw invalidInput("maxBins must be an integer in [2, 255]", [{ field: "maxBins", reason: `got ${maxBins}` }]);
    }
    const { rows, cols, data } = X;
    const isCategorical = categoricalMask(cols, options.categoricalFeatures ?? []);
    const sampleRows = options.sampleRows ?? 200_000;
    const sample = rows > sampleRows ? sampleRowIndices(rows, sampleRows, options.rng ?? new Rng(0)) : null;
    const binCount = new Int32Array(cols);
    const thresholds: Float64Array[] = [];
    const categoryBins: Int16Array[] = [];
    const values = new Float64Array(sample ? sample.length : rows);
    const scratch = new Uint32Array(2 * values.length);
    for (let f = 0; f < cols; f++) {
      if (isCategorical[f] === 1) {
        // Categories are counted on every training row: a rare category must still get its code mapped.
        const table = categoryTable(data, rows, cols, f, maxBins);
        categoryBins.push(table.bins);
        thresholds.push(new Float64Array(0));
        binCount[f] = table.binCount;
        continue;
      }
      let m = 0;
      if (sample) {
        for (let s = 0; s < sample.length; s++) {
          const v = data[sample[s] * cols + f];
          if (!Number.isNaN(v)) values[m++] = v;
        }
      } else {
        for (let i = 0; i < rows; i++) {
          const v = data[i * cols + f];
          if (!Number.isNaN(v)) values[m++] = v;
        }
      }
      const t = numericThresholds(values.subarray(0, m), maxBins, scratch);
      thresholds.push(t);
      categoryBins.push(new Int16Array(0));
      binCount[f] = t.length + 1;
    }
    return new BinMapper(maxBins, binCount, isCategorical, thresholds, categoryBins);
  }

  /** The code of raw value `v` of feature `f`. */
  binOf(f: number, v: number): number {
    if (Number.isNaN(v)) return this.binCount[f];
    if (this.isCategorical[f] === 1) {
      const table = this.categoryBins[f];
      if (!Number.isInteger(v) || v < 0 || v >= table.length) return this.binCount[f];
      const b = table[v];
      return b < 0 ? this.binCount[f] : b;
    }
    // First b with v ≤ t[b], by binary search; binCount − 1 (the open last bin) when v exceeds every threshold.
    const t = this.thresholds[f];
    let lo = 0;
    let hi = t.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (v <= t[mid]) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Bins every value of `X` (any rows with the fitted columns) into column-major codes. */
  transform(X: GbdtMatrix): BinnedMatrix {
    checkMatrix(X);
    if (X.cols !== this.featureCount) {
      throw invalidInput("the matrix has a different number of features than the binning", [
        { field: "cols", reason: `expected ${this.featureCount}, got ${X.cols}` },
      ]);
    }
    const { rows, cols, data } = X;
    const codes = new Uint8Array(rows * cols);
    // Thresholds padded with +∞ to 255, so the search below always takes 8 fixed halving steps.
    const padded = new Float64Array(255);
    for (let f = 0; f < cols; f++) {
      const base = f * rows;
      if (this.isCategorical[f] === 1) {
        for (let i = 0; i < rows; i++) codes[base + i] = this.binOf(f, data[i * cols + f]);
        continue;
      }
      const t = this.thresholds[f];
      padded.fill(Number.POSITIVE_INFINITY);
      padded.set(t);
      const missing = this.binCount[f];
      for (let i = 0; i < rows; i++) {
        const v = data[i * cols + f];
        if (Number.isNaN(v)) {
          codes[base + i] = missing;
          continue;
        }
        // b = the number of thresholds below v, i.e. the first bin whose upper bound is ≥ v. Without a branch:
        // each step's direction is a coin flip for the branch predictor (measured: twice as fast).
        let b = 0;
        for (let step = 128; step > 0; step >>= 1) b += step * +(padded[b + step - 1] < v);
        codes[base + i] = b;
      }
    }
    return { rows, cols, codes };
  }

  /** The raw threshold of "bin ≤ b": the upper bound of bin b, +∞ for the last bin. Numeric features only. */
  rawThreshold(f: number, b: number): number {
    const t = this.thresholds[f];
    return b < t.length ? t[b] : Number.POSITIVE_INFINITY;
  }

  toJSON(): BinMapperState {
    const categorical: number[] = [];
    for (let f = 0; f < this.featureCount; f++) if (this.isCategorical[f] === 1) categorical.push(f);
    return {
      maxBins: this.maxBins,
      binCount: Array.from(this.binCount),
      categorical,
      thresholds: this.thresholds.map((t) => Array.from(t)),
      categoryBins: this.categoryBins.map((t) => Array.from(t)),
    };
  }

  static fromJSON(state: BinMapperState): BinMapper {
    const cols = state.binCount.length;
    return new BinMapper(
      state.maxBins,
      Int32Array.from(state.binCount),
      categoricalMask(cols, state.categorical),
      state.thresholds.map((t) => Float64Array.from(t)),
      state.categoryBins.map((t) => Int16Array.from(t)),
    );
  }
}

function checkMatrix(X: GbdtMatrix): void {
  if (!Number.isInteger(X.rows) || !Number.isInteger(X.cols) || X.rows < 0 || X.cols < 0) {
    throw invalidInput("matrix dimensions must be non-negative integers", [
      { field: "shape", reason: `got ${X.rows} × ${X.cols}` },
    ]);
  }
  if (X.data.length !== X.rows * X.cols) {
    throw invalidInput("matrix data length does not match its shape", [
      { field: "data", reason: `expected ${X.rows * X.cols} values, got ${X.data.length}` },
    ]);
  }
}

/** A 0/1 mask of the categorical columns, checking the indices. */
export function categoricalMask(cols: number, features: readonly number[]): Uint8Array {
  const mask = new Uint8Array(cols);
  for (const f of features) {
    if (!Number.isInteger(f) || f < 0 || f >= cols) {
      throw invalidInput("categorical feature index out of range", [
        { field: "categoricalFeatures", reason: `${f} is not in [0, ${cols})` },
      ]);
    }
    mask[f] = 1;
  }
  return mask;
}

/** `count` distinct row indices in ascending order, uniformly without replacement (Floyd's algorithm). */
function sampleRowIndices(rows: number, count: number, rng: Rng): Int32Array {
  const chosen = new Uint8Array(rows);
  for (let j = rows - count; j < rows; j++) {
    const t = rng.int(j + 1);
    if (chosen[t] === 0) chosen[t] = 1;
    else chosen[j] = 1;
  }
  const out = new Int32Array(count);
  let k = 0;
  for (let i = 0; i < rows; i++) if (chosen[i] === 1) out[k++] = i;
  return out;
}

/** Ascending thresholds (at most maxBins − 1) for the non-missing `values` of one feature; sorts `values`. */
export function numericThresholds(values: Float64Array, maxBins: number, scratch?: Uint32Array): Float64Array {
  sortFloat64(values, scratch);
  const n = values.length;
  let distinct = 0;
  for (let i = 0; i < n; i++) if (i === 0 || values[i] !== values[i - 1]) distinct++;
  const out: number[] = [];
  if (distinct <= maxBins) {
    let prev = Number.NaN;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (i > 0 && v !== prev) out.push(midpoint(prev, v));
      prev = v;
    }
  } else {
    // Linear-interpolated quantiles at i / maxBins, as numpy's default percentile.
    for (let i = 1; i < maxBins; i++) {
      const pos = (i / maxBins) * (n - 1);
      const lo = Math.floor(pos);
      const frac = pos - lo;
      const hi = Math.min(lo + 1, n - 1);
      let q = frac === 0 ? values[lo] : values[lo] + frac * (values[hi] - values[lo]);
      if (!Number.isFinite(q)) q = values[lo];
      if (out.length === 0 || q > out[out.length - 1]) out.push(q);
    }
    // A threshold at or above the largest value would leave the last bin empty.
    while (out.length > 0 && out[out.length - 1] >= values[n - 1]) out.pop();
  }
  return Float64Array.from(out);
}

/** A threshold t with a ≤ t < b (a < b), robust to infinities and overflow. */
function midpoint(a: number, b: number): number {
  const m = a / 2 + b / 2;
  return m >= a && m < b ? m : a;
}

/** The code → bin table of one categorical column (counted over all `rows`), and how many bins it uses. */
function categoryTable(
  data: Float64Array,
  rows: number,
  cols: number,
  f: number,
  maxBins: number,
): { bins: Int16Array; binCount: number } {
  let maxCode = -1;
  for (let i = 0; i < rows; i++) {
    const v = data[i * cols + f];
    if (Number.isNaN(v)) continue;
    if (!Number.isInteger(v) || v < 0 || v > MAX_CATEGORY_CODE) {
      throw invalidInput("categorical values must be non-negative integer codes or NaN", [
        { field: `/${i}/${f}`, reason: `got ${v} (codes must be integers in [0, ${MAX_CATEGORY_CODE}])` },
      ]);
    }
    if (v > maxCode) maxCode = v;
  }
  const counts = new Float64Array(maxCode + 1);
  for (let i = 0; i < rows; i++) {
    const v = data[i * cols + f];
    if (!Number.isNaN(v)) counts[v]++;
  }
  const seen: number[] = [];
  for (let c = 0; c <= maxCode; c++) if (counts[c] > 0) seen.push(c);
  const bins = new Int16Array(maxCode + 1).fill(-1);
  if (seen.length <= maxBins) {
    for (let k = 0; k < seen.length; k++) bins[seen[k]] = k;
    return { bins, binCount: Math.max(seen.length, 1) };
  }
  // Keep the maxBins − 1 most frequent (ties: smaller code), in code order; the rest share the last bin.
  const byFrequency = seen.slice().sort((a, b) => counts[b] - counts[a] || a - b);
  const kept = byFrequency.slice(0, maxBins - 1).sort((a, b) => a - b);
  for (const c of seen) bins[c] = maxBins - 1;
  for (let k = 0; k < kept.length; k++) bins[kept[k]] = k;
  return { bins, binCount: maxBins };
}
