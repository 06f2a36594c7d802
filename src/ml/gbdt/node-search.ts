/**
 * The work of one node of a growing tree, as each thread runs it over its own share of the features: the
 * histogram of the node's rows, the sibling's histogram by subtraction from the parent's, and the best split of
 * each. Two threads split the features, not the rows: each thread's histogram slots are written and read only by
 * that thread, so no histogram crosses between the cores' caches; what crosses is a node's best split (a few
 * numbers). See `tree-kernels.ts` for the threads.
 *
 * Every function here references only its arguments (the kernels of `histogram.ts` and `splitter.ts` come in the
 * context), so the helper thread can run its source.
 */
import {
  accumulateHistogram,
  fillConstantHessian,
  type HistogramLayout,
  type HistogramSource,
  subtractHistogram,
  zeroHistogram,
} from "./histogram.js";
import {
  CATEGORY_BITSET_WORDS,
  findBestSplit,
  type NodeSums,
  type SplitInfo,
  type SplitParams,
  type SplitScratch,
} from "./splitter.js";

/** One node's work. */
export interface NodeWork {
  /** Receives the histogram of `rowIndex[start … end)`. */
  built: Float64Array;
  start: number;
  end: number;
  /** When given, the parent's histogram: it becomes parent − built in place (the sibling's histogram). */
  parent: Float64Array | null;
  /** Search `built` with these totals (null: do not search it). */
  builtSums: NodeSums | null;
  /** Search the sibling's histogram (in `parent`) with these totals (null: do not search it). */
  parentSums: NodeSums | null;
}

/** The kernels a node's work calls. */
export interface NodeKernels {
  zeroHistogram: typeof zeroHistogram;
  accumulateHistogram: typeof accumulateHistogram;
  fillConstantHessian: typeof fillConstantHessian;
  subtractHistogram: typeof subtractHistogram;
  findBestSplit: typeof findBestSplit;
}

/** This thread's kernels. */
export const NODE_KERNELS: NodeKernels = {
  zeroHistogram,
  accumulateHistogram,
  fillConstantHessian,
  subtractHistogram,
  findBestSplit,
};

/** What stays the same for every node of a training set. */
export interface NodeContext {
  readonly kernels: NodeKernels;
  readonly layout: HistogramLayout;
  readonly isCategorical: Uint8Array;
  readonly rowIndex: Int32Array;
  readonly params: SplitParams;
  readonly scratch: SplitScratch;
}

/**
 * Runs `work` over `features` (ascending): fills the histograms' slots of those features and writes the best split
 * among them into `builtBest` and `parentBest` (feature −1 when there is none, or when not searched).
 */
export function searchNode(
  ctx: NodeContext,
  source: HistogramSource,
  features: Int32Array,
  work: NodeWork,
  builtBest: SplitInfo,
  parentBest: SplitInfo,
): void {
  accumulateNode(work.built, ctx, source, features, work.start, work.end);
  finishNode(ctx, source, features, work, builtBest, parentBest);
}

/** `hist` = the gradient sums and counts of `features` over `rowIndex[start … end)` (hessians too, unless constant). */
export function accumulateNode(
  hist: Float64Array,
  ctx: NodeContext,
  source: HistogramSource,
  features: Int32Array,
  start: number,
  end: number,
): void {
  const { slots, cols, grad, hess, constantHessian } = source;
  const k = ctx.kernels;
  k.zeroHistogram(hist, ctx.layout.offsets, features);
  k.accumulateHistogram(hist, slots, cols, features, grad, hess, constantHessian === 0, ctx.rowIndex, start, end);
}

/** The rest of {@link searchNode} once `work.built` holds the accumulated sums: subtraction and the searches. */
export function finishNode(
  ctx: NodeContext,
  source: HistogramSource,
  features: Int32Array,
  work: NodeWork,
  builtBest: SplitInfo,
  parentBest: SplitInfo,
): void {
  const { layout, isCategorical, params, scratch, kernels: k } = ctx;
  const hist = work.built;
  if (source.constantHessian !== 0) k.fillConstantHessian(hist, layout.offsets, features, source.constantHessian);
  if (work.parent !== null) k.subtractHistogram(work.parent, work.parent, hist, layout, features);
  builtBest.reset();
  parentBest.reset();
  if (work.builtSums !== null) {
    k.findBestSplit(hist, layout, features, isCategorical, work.builtSums, params, builtBest, scratch);
  }
  if (work.parent !== null && work.parentSums !== null) {
    k.findBestSplit(work.parent, layout, features, isCategorical, work.parentSums, params, parentBest, scratch);
  }
}

/** Float64 words of one split in the shared result block, followed by its category bitset as uint32 words. */
export const SPLIT_WORDS = 11;

/** Writes `s` into `out` from word `at` (numbers) and `bits` from word `bitsAt` (the category bitset). */
export function writeSplit(s: SplitInfo, out: Float64Array, at: number, bits: Uint32Array, bitsAt: number): void {
  out[at] = s.gain;
  out[at + 1] = s.feature;
  out[at + 2] = s.bin;
  out[at + 3] = s.defaultLeft ? 1 : 0;
  out[at + 4] = s.isCategorical ? 1 : 0;
  out[at + 5] = s.leftGrad;
  out[at + 6] = s.leftHess;
  out[at + 7] = s.leftCount;
  out[at + 8] = s.rightGrad;
  out[at + 9] = s.rightHess;
  out[at + 10] = s.rightCount;
  if (s.isCategorical) bits.set(s.catBits, bitsAt);
}

/**
 * Keeps in `best` the better of itself and the split at word `at`, which was searched over later features: on a
 * tie `best` stays, as when one thread scans every feature in order, so the model is the same on any thread count.
 */
export function mergeSplit(best: SplitInfo, from: Float64Array, at: number, bits: Uint32Array, bitsAt: number): void {
  if (from[at + 1] < 0 || !(from[at] > best.gain)) return;
  best.gain = from[at];
  best.feature = from[at + 1];
  best.bin = from[at + 2];
  best.defaultLeft = from[at + 3] === 1;
  best.isCategorical = from[at + 4] === 1;
  best.leftGrad = from[at + 5];
  best.leftHess = from[at + 6];
  best.leftCount = from[at + 7];
  best.rightGrad = from[at + 8];
  best.rightHess = from[at + 9];
  best.rightCount = from[at + 10];
  if (best.isCategorical) best.catBits.set(bits.subarray(bitsAt, bitsAt + CATEGORY_BITSET_WORDS));
}

/** Source text of this module's functions that the helper runs. */
export function nodeSearchSource(): string {
  return [searchNode.toString(), accumulateNode.toString(), finishNode.toString(), writeSplit.toString()].join("\n");
}
