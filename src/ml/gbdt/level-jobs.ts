/**
 * Depth-wise growth splits a whole level of nodes at once: each node's split is one job (partition its rows, build
 * the smaller child's histogram, subtract for the larger, search both children), and the jobs of a level touch
 * disjoint rows and histograms, so two threads take them in any order and the tree is the same. A thread that
 * partitions a node then builds its child's histogram from rows it has just moved, in its own cache.
 *
 * Jobs are described in typed tables (shared memory when a helper thread runs them) and every function here
 * references only its arguments and this module's constants (the node kernels come in the scope), so the helper
 * runs their source.
 */
import type { HistogramSource } from "./histogram.js";
import type { NodeContext, searchNode, writeSplit } from "./node-search.js";
import { CATEGORY_BITSET_WORDS, type SplitInfo } from "./splitter.js";

/** Words of a category bitset, under a name of this module (see the module comment). */
const BITS = CATEGORY_BITSET_WORDS;

/** Jobs per batch: a level with more nodes runs as several batches. */
export const LEVEL_BATCH = 64;

/** Int32 words of a job: the node's rows and split, then the child to build and the histograms. */
const J_START = 0;
const J_END = 1;
const J_MID = 2;
const J_FEATURE = 3;
const J_BIN = 4;
const J_DEFAULT_LEFT = 5;
const J_CATEGORICAL = 6;
const J_BUILT = 7;
const J_BUILT_START = 8;
const J_BUILT_END = 9;
const J_PARENT = 10;
const J_SEARCH_BUILT = 11;
const J_SEARCH_PARENT = 12;
const J_CAT_BITS = 13;
export const JOB_INTS = J_CAT_BITS + BITS;
/** Float64 words of a job: the built child's totals, then the sibling's. */
export const JOB_NUMBERS = 6;

/** A batch of level jobs and their results (two splits per job: the built child's, then its sibling's). */
export interface LevelTables {
  readonly ints: Int32Array;
  readonly numbers: Float64Array;
  readonly results: Float64Array;
  readonly resultBits: Uint32Array;
}

/** What a job needs besides the tables: the training set's arrays and this thread's scratch. */
export interface LevelScope {
  readonly ctx: NodeContext;
  /** Column-major bin codes (partitioning reads one feature's column). */
  readonly codes: Uint8Array;
  readonly rows: number;
  readonly scratch: Int32Array;
  readonly goesLeft: Uint8Array;
  readonly histograms: Float64Array[];
  readonly builtBest: SplitInfo;
  readonly parentBest: SplitInfo;
  readonly builtSums: { grad: number; hess: number; count: number };
  readonly parentSums: { grad: number; hess: number; count: number };
  /** Result words per split (SPLIT_WORDS of `node-search.ts`). */
  readonly splitWords: number;
  readonly searchNode: typeof searchNode;
  readonly writeSplit: typeof writeSplit;
}

/** Tables for {@link LEVEL_BATCH} jobs, on shared memory when `shared`. */
export function levelTables(splitWords: number, shared: boolean): LevelTables {
  const block = (bytes: number) => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  return {
    ints: new Int32Array(block(LEVEL_BATCH * JOB_INTS * 4)),
    numbers: new Float64Array(block(LEVEL_BATCH * JOB_NUMBERS * 8)),
    results: new Float64Array(block(LEVEL_BATCH * 2 * splitWords * 8)),
    resultBits: new Uint32Array(block(LEVEL_BATCH * 2 * BITS * 4)),
  };
}

/** The split of node `rowIndex[start … end)` and the child work that follows it, as job `i`. */
export interface LevelJob {
  start: number;
  end: number;
  split: SplitInfo;
  /** Histogram id of the child to build from its rows, or −1 when neither child needs a histogram. */
  built: number;
  builtStart: number;
  builtEnd: number;
  /** The parent's histogram id, which becomes the sibling's; −1 for none. */
  parent: number;
  builtSums: { grad: number; hess: number; count: number } | null;
  parentSums: { grad: number; hess: number; count: number } | null;
}

/** Writes job `i` into the tables. */
export function writeLevelJob(t: LevelTables, i: number, job: LevelJob): void {
  const o = i * JOB_INTS;
  const s = job.split;
  const w = t.ints;
  w[o + J_START] = job.start;
  w[o + J_END] = job.end;
  w[o + J_MID] = job.start + s.leftCount;
  w[o + J_FEATURE] = s.feature;
  w[o + J_BIN] = s.bin;
  w[o + J_DEFAULT_LEFT] = s.defaultLeft ? 1 : 0;
  w[o + J_CATEGORICAL] = s.isCategorical ? 1 : 0;
  if (s.isCategorical) for (let k = 0; k < BITS; k++) w[o + J_CAT_BITS + k] = s.catBits[k];
  w[o + J_BUILT] = job.built;
  w[o + J_BUILT_START] = job.builtStart;
  w[o + J_BUILT_END] = job.builtEnd;
  w[o + J_PARENT] = job.parent;
  w[o + J_SEARCH_BUILT] = job.builtSums === null ? 0 : 1;
  w[o + J_SEARCH_PARENT] = job.parentSums === null ? 0 : 1;
  const n = i * JOB_NUMBERS;
  if (job.builtSums !== null) {
    t.numbers[n] = job.builtSums.grad;
    t.numbers[n + 1] = job.builtSums.hess;
    t.numbers[n + 2] = job.builtSums.count;
  }
  if (job.parentSums !== null) {
    t.numbers[n + 3] = job.parentSums.grad;
    t.numbers[n + 4] = job.parentSums.hess;
    t.numbers[n + 5] = job.parentSums.count;
  }
}

/**
 * Stable partition of `rowIndex[start … end)` by `goesLeft[code]`: rows going left are packed from `start` in
 * place, rows going right are written to `scratch` from `start`. Returns the end of the left rows. Both
 * destinations are written every row, so there is no data-dependent branch (a split's direction is a coin flip
 * for the branch predictor).
 */
export function partitionChunk(
  rowIndex: Int32Array,
  scratch: Int32Array,
  codes: Uint8Array,
  colBase: number,
  goesLeft: Uint8Array,
  start: number,
  end: number,
): number {
  let l = start;
  let r = start;
  for (let i = start; i < end; i++) {
    const row = rowIndex[i];
    const t = goesLeft[codes[colBase + row]];
    // l ≤ i, so the slot written was already read.
    rowIndex[l] = row;
    scratch[r] = row;
    l += t;
    r += 1 - t;
  }
  return l;
}

/**
 * Fills `goesLeft` for a split: 1 for the codes that go left. Numeric: codes ≤ `bin`, and the missing code
 * (`missing`) by the default direction; categorical: the codes whose bit is set in `bits[from …]`.
 */
export function fillGoesLeft(
  goesLeft: Uint8Array,
  categorical: boolean,
  bin: number,
  missing: number,
  defaultLeft: boolean,
  bits: ArrayLike<number>,
  from: number,
): void {
  if (categorical) {
    for (let c = 0; c < 256; c++) goesLeft[c] = (bits[from + (c >>> 5)] >>> (c & 31)) & 1;
  } else {
    goesLeft.fill(1, 0, bin + 1);
    goesLeft.fill(0, bin + 1);
    goesLeft[missing] = defaultLeft ? 1 : 0;
  }
}

/** Stable partition of `rowIndex[start … end)` by `goesLeft` on feature `f`; returns the first right index. */
export function partitionRows(s: LevelScope, f: number, start: number, end: number): number {
  const rowIndex = s.ctx.rowIndex;
  const l = partitionChunk(rowIndex, s.scratch, s.codes, f * s.rows, s.goesLeft, start, end);
  rowIndex.set(s.scratch.subarray(start, start + (end - l)), l);
  return l;
}

/** Runs job `i` of `t` over `features`: partition, the child's histogram and both searches into the results. */
export function runLevelJob(
  s: LevelScope,
  t: LevelTables,
  i: number,
  source: HistogramSource,
  features: Int32Array,
): void {
  const o = i * JOB_INTS;
  const w = t.ints;
  const f = w[o + J_FEATURE];
  fillGoesLeft(
    s.goesLeft,
    w[o + J_CATEGORICAL] === 1,
    w[o + J_BIN],
    s.ctx.layout.binCount[f],
    w[o + J_DEFAULT_LEFT] === 1,
    w,
    o + J_CAT_BITS,
  );
  const mid = partitionRows(s, f, w[o + J_START], w[o + J_END]);
  if (mid !== w[o + J_MID]) throw new Error(`job ${i}: the partition disagrees with the split's left count`);
  s.builtBest.reset();
  s.parentBest.reset();
  if (w[o + J_BUILT] >= 0) {
    const n = i * JOB_NUMBERS;
    s.builtSums.grad = t.numbers[n];
    s.builtSums.hess = t.numbers[n + 1];
    s.builtSums.count = t.numbers[n + 2];
    s.parentSums.grad = t.numbers[n + 3];
    s.parentSums.hess = t.numbers[n + 4];
    s.parentSums.count = t.numbers[n + 5];
    const parent = w[o + J_PARENT];
    s.searchNode(
      s.ctx,
      source,
      features,
      {
        built: s.histograms[w[o + J_BUILT]],
        start: w[o + J_BUILT_START],
        end: w[o + J_BUILT_END],
        parent: parent >= 0 ? s.histograms[parent] : null,
        builtSums: w[o + J_SEARCH_BUILT] === 1 ? s.builtSums : null,
        parentSums: w[o + J_SEARCH_PARENT] === 1 ? s.parentSums : null,
      },
      s.builtBest,
      s.parentBest,
    );
  }
  s.writeSplit(s.builtBest, t.results, 2 * i * s.splitWords, t.resultBits, 2 * i * BITS);
  s.writeSplit(s.parentBest, t.results, (2 * i + 1) * s.splitWords, t.resultBits, (2 * i + 1) * BITS);
}

/**
 * Source text of the level kernels, for the helper thread: the constants, then the functions.
 */
export function levelJobSource(): string {
  const constants = {
    BITS,
    J_START,
    J_END,
    J_MID,
    J_FEATURE,
    J_BIN,
    J_DEFAULT_LEFT,
    J_CATEGORICAL,
    J_BUILT,
    J_BUILT_START,
    J_BUILT_END,
    J_PARENT,
    J_SEARCH_BUILT,
    J_SEARCH_PARENT,
    J_CAT_BITS,
    JOB_INTS,
    JOB_NUMBERS,
  };
  return [
    ...Object.entries(constants).map(([k, v]) => `const ${k} = ${v};`),
    partitionChunk.toString(),
    fillGoesLeft.toString(),
    partitionRows.toString(),
    runLevelJob.toString(),
  ].join("\n");
}
