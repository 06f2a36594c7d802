/**
 * Per-node gradient histograms, after scikit-learn's `histogram.pyx`. A node's histogram holds, for every feature
 * and bin, the sums of gradients and hessians and the row count of the node's rows in that bin, interleaved as
 * (g, h, count) triples in one Float64Array. Feature f owns the `binCount[f] + 1` slots from `offsets[f]` (its bins,
 * then its missing bin), so small features take little room.
 *
 * A child's histogram is the parent's minus its sibling's, so only the smaller child of each split is built from
 * rows (the "histogram subtraction" trick of LightGBM and scikit-learn); the larger costs one pass over the slots.
 */

/** Values per histogram slot: gradient sum, hessian sum, count. */
export const HIST_STRIDE = 3;

/** Where each feature's slots start in a node histogram. */
export class HistogramLayout {
  /** Slot index of feature f's bin 0; `offsets[cols]` is the total number of slots. */
  readonly offsets: Int32Array;
  /** Non-missing bins of each feature (the missing slot is `offsets[f] + binCount[f]`). */
  readonly binCount: Int32Array;
  /** Float64 values of one histogram. */
  readonly length: number;

  constructor(binCount: Int32Array) {
    this.binCount = binCount;
    this.offsets = new Int32Array(binCount.length + 1);
    for (let f = 0; f < binCount.length; f++) this.offsets[f + 1] = this.offsets[f] + binCount[f] + 1;
    this.length = this.offsets[binCount.length] * HIST_STRIDE;
  }
}

/** Row-major slot indices: entry i·cols + f is the histogram slot of row i's bin of feature f. */
export type SlotMatrix = Uint16Array | Uint32Array;

/**
 * The histogram slot of every row and feature, row-major (`slots[i * cols + f] = offsets[f] + code`): a node's
 * rows are scattered, and one row's slots for every feature then share a cache line, and the feature offset is
 * already added. Measured in V8 on 180,000 × 10 codes, this builds histograms about twice as fast as reading
 * one column-major feature at a time (partitioning keeps reading columns, see `grower.ts`).
 */
export function slotMatrix(layout: HistogramLayout, codes: Uint8Array, rows: number): SlotMatrix {
  const cols = layout.binCount.length;
  const total = layout.offsets[cols];
  const out = total <= 0xffff ? new Uint16Array(rows * cols) : new Uint32Array(rows * cols);
  for (let f = 0; f < cols; f++) {
    const base = f * rows;
    const offset = layout.offsets[f];
    for (let i = 0; i < rows; i++) out[i * cols + f] = offset + codes[base + i];
  }
  return out;
}

/** The rows and gradients a histogram is built from. */
export interface HistogramSource {
  /** From {@link slotMatrix}. */
  readonly slots: SlotMatrix;
  readonly cols: number;
  /** Per-row gradients and hessians (indexed by row). */
  readonly grad: Float64Array;
  readonly hess: Float64Array;
  /**
   * When every hessian equals this positive constant (squared error and the other unit-curvature losses), the
   * hessian column is filled from the counts instead of summed; 0 otherwise.
   */
  readonly constantHessian: number;
}

/**
 * Fills `hist` with the histograms of `features` (ascending) over the rows `rowIndex[start … end)`. Slots of
 * other features are left as they were.
 */
export function buildHistogram(
  hist: Float64Array,
  layout: HistogramLayout,
  source: HistogramSource,
  features: Int32Array,
  rowIndex: Int32Array,
  start: number,
  end: number,
): void {
  zeroHistogram(hist, layout.offsets, features);
  const { slots, cols, grad, hess, constantHessian } = source;
  accumulateHistogram(hist, slots, cols, features, grad, hess, constantHessian === 0, rowIndex, start, end);
  if (constantHessian !== 0) fillConstantHessian(hist, layout.offsets, features, constantHessian);
}

/** Zeroes the slots of `features`. Self-contained (no outer references): it also runs on the helper thread. */
export function zeroHistogram(hist: Float64Array, offsets: Int32Array, features: Int32Array): void {
  for (let k = 0; k < features.length; k++) {
    const f = features[k];
    hist.fill(0, offsets[f] * 3, offsets[f + 1] * 3);
  }
}

/**
 * Adds the rows `rowIndex[start … end)` to `hist` (gradients, counts, and hessians when `withHess`). Each row's
 * gradient is loaded once and its features updated four at a time (independent updates, one loop test). It and
 * the kernels it calls reference nothing outside themselves but `HIST_STRIDE`, so the helper thread runs their
 * source (see `tree-kernels.ts`).
 */
export function accumulateHistogram(
  hist: Float64Array,
  slots: SlotMatrix,
  cols: number,
  features: Int32Array,
  grad: Float64Array,
  hess: Float64Array,
  withHess: boolean,
  rowIndex: Int32Array,
  start: number,
  end: number,
): void {
  const m = features.length;
  if (m > 0 && features[m - 1] - features[0] === m - 1) {
    // A run of consecutive features (every feature, or a thread's half of them).
    const f0 = features[0];
    if (withHess) accumulateRangeWithHess(hist, slots, cols, f0, f0 + m, grad, hess, rowIndex, start, end);
    else accumulateRange(hist, slots, cols, f0, f0 + m, grad, rowIndex, start, end);
  } else {
    accumulateSome(hist, slots, cols, features, grad, hess, withHess, rowIndex, start, end);
  }
}

/** Sets every hessian slot of `features` to count × `constantHessian`. */
export function fillConstantHessian(
  hist: Float64Array,
  offsets: Int32Array,
  features: Int32Array,
  constantHessian: number,
): void {
  for (let k = 0; k < features.length; k++) {
    const f = features[k];
    const hi = offsets[f + 1] * HIST_STRIDE;
    for (let s = offsets[f] * HIST_STRIDE; s < hi; s += HIST_STRIDE) hist[s + 1] = hist[s + 2] * constantHessian;
  }
}

/** `hist += other` over the slots of `features` (merging the halves of a histogram built in two parts). */
export function addHistogram(hist: Float64Array, other: Float64Array, offsets: Int32Array, features: Int32Array): void {
  for (let k = 0; k < features.length; k++) {
    const f = features[k];
    const hi = offsets[f + 1] * HIST_STRIDE;
    for (let s = offsets[f] * HIST_STRIDE; s < hi; s++) hist[s] += other[s];
  }
}

/** Features `f0 … f1 − 1`, gradients and counts (the hessian column is filled afterwards). */
function accumulateRange(
  hist: Float64Array,
  slots: SlotMatrix,
  cols: number,
  f0: number,
  f1: number,
  grad: Float64Array,
  rowIndex: Int32Array,
  start: number,
  end: number,
): void {
  const c4 = f1 - ((f1 - f0) & 3);
  for (let i = start; i < end; i++) {
    const r = rowIndex[i];
    const b = r * cols;
    const g = grad[r];
    let k = f0;
    for (; k < c4; k += 4) {
      const s0 = slots[b + k] * HIST_STRIDE;
      const s1 = slots[b + k + 1] * HIST_STRIDE;
      const s2 = slots[b + k + 2] * HIST_STRIDE;
      const s3 = slots[b + k + 3] * HIST_STRIDE;
      hist[s0] += g;
      hist[s0 + 2] += 1;
      hist[s1] += g;
      hist[s1 + 2] += 1;
      hist[s2] += g;
      hist[s2 + 2] += 1;
      hist[s3] += g;
      hist[s3 + 2] += 1;
    }
    for (; k < f1; k++) {
      const s = slots[b + k] * HIST_STRIDE;
      hist[s] += g;
      hist[s + 2] += 1;
    }
  }
}

/** Features `f0 … f1 − 1`, gradients, hessians and counts. */
function accumulateRangeWithHess(
  hist: Float64Array,
  slots: SlotMatrix,
  cols: number,
  f0: number,
  f1: number,
  grad: Float64Array,
  hess: Float64Array,
  rowIndex: Int32Array,
  start: number,
  end: number,
): void {
  const c4 = f1 - ((f1 - f0) & 3);
  for (let i = start; i < end; i++) {
    const r = rowIndex[i];
    const b = r * cols;
    const g = grad[r];
    const h = hess[r];
    let k = f0;
    for (; k < c4; k += 4) {
      const s0 = slots[b + k] * HIST_STRIDE;
      const s1 = slots[b + k + 1] * HIST_STRIDE;
      const s2 = slots[b + k + 2] * HIST_STRIDE;
      const s3 = slots[b + k + 3] * HIST_STRIDE;
      hist[s0] += g;
      hist[s0 + 1] += h;
      hist[s0 + 2] += 1;
      hist[s1] += g;
      hist[s1 + 1] += h;
      hist[s1 + 2] += 1;
      hist[s2] += g;
      hist[s2 + 1] += h;
      hist[s2 + 2] += 1;
      hist[s3] += g;
      hist[s3 + 1] += h;
      hist[s3 + 2] += 1;
    }
    for (; k < f1; k++) {
      const s = slots[b + k] * HIST_STRIDE;
      hist[s] += g;
      hist[s + 1] += h;
      hist[s + 2] += 1;
    }
  }
}

/** A subset of the features (column sampling). */
function accumulateSome(
  hist: Float64Array,
  slots: SlotMatrix,
  cols: number,
  features: Int32Array,
  grad: Float64Array,
  hess: Float64Array,
  withHess: boolean,
  rowIndex: Int32Array,
  start: number,
  end: number,
): void {
  const F = features.length;
  for (let i = start; i < end; i++) {
    const r = rowIndex[i];
    const b = r * cols;
    const g = grad[r];
    const h = withHess ? hess[r] : 0;
    for (let k = 0; k < F; k++) {
      const s = slots[b + features[k]] * HIST_STRIDE;
      hist[s] += g;
      hist[s + 1] += h;
      hist[s + 2] += 1;
    }
  }
}

/**
 * `out = parent − child` over the slots of `features` (the sibling's histogram). `out` may be `parent` itself,
 * which turns the parent's buffer into the sibling's without a copy.
 */
export function subtractHistogram(
  out: Float64Array,
  parent: Float64Array,
  child: Float64Array,
  layout: HistogramLayout,
  features: Int32Array,
): void {
  const offsets = layout.offsets;
  for (let k = 0; k < features.length; k++) {
    const f = features[k];
    const hi = offsets[f + 1] * HIST_STRIDE;
    for (let s = offsets[f] * HIST_STRIDE; s < hi; s++) out[s] = parent[s] - child[s];
  }
}

/**
 * Source text of the accumulation kernels, for the helper thread of `tree-kernels.ts` (which cannot import
 * modules: it is started from a string, so it runs the very same code as this thread).
 */
export function histogramKernelSource(): string {
  return [
    `const HIST_STRIDE = ${HIST_STRIDE};`,
    zeroHistogram.toString(),
    accumulateHistogram.toString(),
    accumulateRange.toString(),
    accumulateRangeWithHess.toString(),
    accumulateSome.toString(),
    fillConstantHessian.toString(),
    subtractHistogram.toString(),
  ].join("\n");
}
