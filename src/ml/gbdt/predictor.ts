/**
 * Prediction over a {@link TreeEnsemble}: on raw row-major Float64 inputs (batch and one row, neither
 * allocating, through the packed copy {@link PackedForest}) and on column-major bin codes (training's own updates of validation and out-of-sample
 * rows). The raw and binned decisions agree on training data by construction of the thresholds (see
 * `bin-mapper.ts`).
 */
import type { BinnedMatrix, GbdtMatrix } from "./bin-mapper.js";
import {
  addNumericGroup,
  createForestScorer,
  type ForestScorer,
  type NumericForest,
  predictNumericRows,
} from "./forest-kernels.js";
import { PARALLEL_PREDICT_ROWS, PredictHelper } from "./parallel-predict.js";
import type { TreeEnsemble } from "./tree-ensemble.js";
import { forestKernelModule } from "./wasm-forest-kernel.js";

/** Rows per block of the batch path: the block's rows stay in L1 while every tree passes over them. */
const ROW_BLOCK = 64;

/**
 * The child a raw value `x` of the node's feature leads to. NaN, and for categorical splits a code unseen in
 * training, follow `defaultLeft`.
 */
export function childOf(ens: TreeEnsemble, node: number, x: number): number {
  const catOffset = ens.catOffset[node];
  let goLeft: boolean;
  if (catOffset < 0) {
    goLeft = x <= ens.threshold[node] || (Number.isNaN(x) && ens.defaultLeft[node] === 1);
  } else {
    const bin = categoryBin(ens, ens.feature[node], x);
    goLeft = bin < 0 ? ens.defaultLeft[node] === 1 : (ens.catBits[catOffset + (bin >>> 5)] & (1 << (bin & 31))) !== 0;
  }
  return goLeft ? ens.left[node] : ens.right[node];
}

/** The bin of category code `x` of feature `f`, −1 when missing or unseen in training. */
function categoryBin(ens: TreeEnsemble, f: number, x: number): number {
  const { offset, length, table } = ens.categories;
  if (!(x >= 0 && x < length[f]) || (x | 0) !== x) return -1;
  return table[offset[f] + x];
}

/** The leaf tree `t` sends row `data[base … base + cols)` to. */
export function leafOf(ens: TreeEnsemble, t: number, data: Float64Array, base: number): number {
  let node = ens.treeStart[t];
  while (ens.feature[node] >= 0) node = childOf(ens, node, data[base + ens.feature[node]]);
  return node;
}

/**
 * The trees repacked for prediction on raw inputs. Node i is 16 bytes: the Float64 `numbers[2i]` is its
 * threshold, and the Int32 words `ints[4i + 2]` = 4·feature + 2·categorical + (1 if NaN goes right) and
 * `ints[4i + 3]` = its left child (the right child is always left + 1). A leaf has threshold NaN, word 0 and
 * itself as left child, so a step from a leaf stays there (v > NaN is false): every tree can then be walked a
 * fixed number of steps without testing for leaves, and four trees are walked in lock-step, which turns one
 * chain of dependent loads per tree into four independent ones (measured: about 2× faster per tree).
 * The step itself is branch-free: child = left + (v > t | (isNaN(v) & NaN-goes-right)).
 */
export class PackedForest implements NumericForest {
  readonly numbers: Float64Array;
  readonly ints: Int32Array;
  /** Leaf values (0 at splits). */
  readonly values: Float64Array;
  readonly roots: Int32Array;
  /** Per group of four trees (t = 4g … 4g + 3): the steps that reach every leaf of the group. */
  readonly groupDepth: Int32Array;
  readonly outputs: number;
  readonly treeCount: number;
  /** Whether any split is categorical (prediction then takes the slower step). */
  readonly categorical: boolean;

  constructor(private readonly ens: TreeEnsemble) {
    const n = ens.nodeCount;
    this.numbers = new Float64Array(2 * n);
    this.ints = new Int32Array(this.numbers.buffer);
    this.values = new Float64Array(n);
    this.roots = ens.treeStart.slice(0, ens.treeCount);
    this.outputs = ens.outputs;
    this.treeCount = ens.treeCount;
    let categorical = false;
    const depth = new Int32Array(n);
    const treeDepth = new Int32Array(ens.treeCount);
    for (let t = 0; t < ens.treeCount; t++) {
      for (let i = ens.treeStart[t]; i < ens.treeStart[t + 1]; i++) {
        const f = ens.feature[i];
        if (f < 0) {
          this.numbers[2 * i] = Number.NaN;
          this.ints[4 * i + 3] = i;
          this.values[i] = ens.value[i];
          if (depth[i] > treeDepth[t]) treeDepth[t] = depth[i];
          continue;
        }
        if (ens.right[i] !== ens.left[i] + 1) throw new RangeError(`node ${i}: the right child must follow the left`);
        const isCat = ens.catOffset[i] >= 0;
        categorical ||= isCat;
        this.numbers[2 * i] = isCat ? Number.NaN : ens.threshold[i];
        this.ints[4 * i + 2] = 4 * f + (isCat ? 2 : 0) + (ens.defaultLeft[i] === 1 ? 0 : 1);
        this.ints[4 * i + 3] = ens.left[i];
        // Children follow their parent, so depths fill in one forward pass.
        depth[ens.left[i]] = depth[i] + 1;
        depth[ens.right[i]] = depth[i] + 1;
      }
    }
    this.groupDepth = new Int32Array(Math.ceil(ens.treeCount / 4));
    for (let t = 0; t < ens.treeCount; t++) {
      const g = t >> 2;
      if (treeDepth[t] > this.groupDepth[g]) this.groupDepth[g] = treeDepth[t];
    }
    this.categorical = categorical;
  }

  /** One step from `node` for raw row `x[offset …]`, categorical splits included. */
  private stepAny(node: number, x: Float64Array, offset: number): number {
    const w = this.ints[4 * node + 2];
    const v = x[offset + (w >> 2)];
    const left = this.ints[4 * node + 3];
    if ((w & 2) === 0) return left + (+(v > this.numbers[2 * node]) | (+Number.isNaN(v) & w));
    const bin = categoryBin(this.ens, w >> 2, v);
    if (bin < 0) return left + (w & 1);
    return (this.ens.catBits[this.ens.catOffset[node] + (bin >>> 5)] & (1 << (bin & 31))) !== 0 ? left : left + 1;
  }

  /** Adds trees `4g … last − 1` (one group) for row `x[offset …]` to `out[outOffset + t mod K]`. */
  private addGroup(g: number, x: Float64Array, offset: number, out: Float64Array, outOffset: number, last: number) {
    if (!this.categorical) {
      addNumericGroup(this, g, x, offset, out, outOffset, last);
      return;
    }
    const K = this.outputs;
    const steps = this.groupDepth[g];
    for (let t = 4 * g; t < last; t++) {
      let node = this.roots[t];
      for (let d = 0; d < steps; d++) node = this.stepAny(node, x, offset);
      out[outOffset + (t % K)] += this.values[node];
    }
  }

  /**
   * Raw scores of one row `x[offset … offset + cols)` into `out[outOffset … outOffset + outputs)`, from
   * `baseline` over every tree. Allocates nothing.
   */
  predictRow(baseline: Float64Array, x: Float64Array, offset: number, out: Float64Array, outOffset: number): void {
    const K = this.outputs;
    for (let k = 0; k < K; k++) out[outOffset + k] = baseline[k];
    const T = this.treeCount;
    for (let g = 0; 4 * g < T; g++) this.addGroup(g, x, offset, out, outOffset, Math.min(T, 4 * g + 4));
  }

  /**
   * Raw scores of every row of `X` into `out` (row-major rows × outputs). With `threads` = 2 a large batch of a
   * forest without categorical splits is shared with a helper thread (see `parallel-predict.ts`); the scores do
   * not depend on it.
   */
  predictBatch(baseline: Float64Array, X: GbdtMatrix, out: Float64Array, threads = 1): void {
    const { rows, cols, data } = X;
    if (!this.categorical) {
      if (threads > 1 && rows >= PARALLEL_PREDICT_ROWS) {
        this.helper ??= PredictHelper.start(this);
        if (this.helper.predict(baseline, X, out, this.wasmScorer())) return;
      }
      predictNumericRows(this, baseline, data, cols, out, 0, rows, this.wasmScorer());
      return;
    }
    const K = this.outputs;
    const T = this.treeCount;
    // Blocks of rows: a block's rows stay in L1 while every group of trees passes over them.
    for (let r0 = 0; r0 < rows; r0 += ROW_BLOCK) {
      const r1 = Math.min(rows, r0 + ROW_BLOCK);
      for (let r = r0; r < r1; r++) for (let k = 0; k < K; k++) out[r * K + k] = baseline[k];
      for (let g = 0; 4 * g < T; g++) {
        const last = Math.min(T, 4 * g + 4);
        for (let r = r0; r < r1; r++) this.addGroup(g, data, r * cols, out, r * K, last);
      }
    }
  }

  private helper: PredictHelper | undefined;
  private scorer: ForestScorer | null | undefined;

  /** The WebAssembly kernel over this forest, made on first use; null where it cannot serve (see forest-kernels). */
  wasmScorer(): ForestScorer | null {
    if (this.scorer === undefined) {
      const module = this.categorical ? null : forestKernelModule();
      this.scorer = module === null ? null : createForestScorer(module, this);
    }
    return this.scorer;
  }
}

/**
 * Adds tree `t`'s output to `raw[i * stride + column]` for every row i of `binned` whose `skip[i]` is 0 (every
 * row when `skip` is null).
 */
export function addTreeBinned(
  ens: TreeEnsemble,
  t: number,
  binned: BinnedMatrix,
  raw: Float64Array,
  stride: number,
  column: number,
  skip: Uint8Array | null,
): void {
  const { feature, bin, left, right, defaultLeft, catOffset, catBits, value } = ens;
  const missingBin = ens.categories.missingBin;
  const { rows, codes } = binned;
  const root = ens.treeStart[t];
  for (let i = 0; i < rows; i++) {
    if (skip !== null && skip[i] === 1) continue;
    let node = root;
    let f = feature[node];
    while (f >= 0) {
      const c = codes[f * rows + i];
      const co = catOffset[node];
      const goLeft =
        co < 0
          ? c <= bin[node] || (c === missingBin[f] && defaultLeft[node] === 1)
          : (catBits[co + (c >>> 5)] & (1 << (c & 31))) !== 0;
      node = goLeft ? left[node] : right[node];
      f = feature[node];
    }
    raw[i * stride + column] += value[node];
  }
}
