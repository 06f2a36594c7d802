/**
 * Prediction over a {@link TreeEnsemble}: on raw row-major Float64 inputs (batch and one row, neither
 * allocating, through the packed copy {@link PackedForest}) and on column-major bin codes (training's own updates of validation and out-of-sample
 * rows). The raw and binned decisions agree on training data by construction of the thresholds (see
 * `bin-mapper.ts`).
 */
import type { BinnedMatrix, GbdtMatrix } from "./bin-mapper.js";
import type { TreeEnsemble } from "./tree-ensemble.js";

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
export class PackedForest {
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

  /**
   * Adds trees `first … last − 1` (one group of at most four) for row `x[offset …]` to `out[outOffset + t mod K]`.
   */
  private addGroup(
    g: number,
    x: Float64Array,
    offset: number,
    out: Float64Array,
    outOffset: number,
    last: number,
  ): void {
    const { numbers, ints, values, roots } = this;
    const K = this.outputs;
    const first = 4 * g;
    const steps = this.groupDepth[g];
    if (this.categorical || last - first < 4) {
      for (let t = first; t < last; t++) {
        let node = roots[t];
        for (let d = 0; d < steps; d++) node = this.stepAny(node, x, offset);
        out[outOffset + (t % K)] += values[node];
      }
      return;
    }
    let a = roots[first];
    let b = roots[first + 1];
    let c = roots[first + 2];
    let e = roots[first + 3];
    for (let d = 0; d < steps; d++) {
      const wa = ints[4 * a + 2];
      const wb = ints[4 * b + 2];
      const wc = ints[4 * c + 2];
      const we = ints[4 * e + 2];
      const va = x[offset + (wa >> 2)];
      const vb = x[offset + (wb >> 2)];
      const vc = x[offset + (wc >> 2)];
      const ve = x[offset + (we >> 2)];
      // Unary + turns the comparisons into 0/1 without a branch.
      a = ints[4 * a + 3] + (+(va > numbers[2 * a]) | (+Number.isNaN(va) & wa));
      b = ints[4 * b + 3] + (+(vb > numbers[2 * b]) | (+Number.isNaN(vb) & wb));
      c = ints[4 * c + 3] + (+(vc > numbers[2 * c]) | (+Number.isNaN(vc) & wc));
      e = ints[4 * e + 3] + (+(ve > numbers[2 * e]) | (+Number.isNaN(ve) & we));
    }
    if (K === 1) {
      out[outOffset] += values[a] + values[b] + values[c] + values[e];
    } else {
      out[outOffset + (first % K)] += values[a];
      out[outOffset + ((first + 1) % K)] += values[b];
      out[outOffset + ((first + 2) % K)] += values[c];
      out[outOffset + ((first + 3) % K)] += values[e];
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
   * Adds a full group of four trees (no categorical splits) for two rows at once: eight independent chains of
   * loads instead of four, the same node words serving both rows.
   */
  private addGroupTwoRows(
    g: number,
    x: Float64Array,
    o1: number,
    o2: number,
    out: Float64Array,
    p1: number,
    p2: number,
  ): void {
    const { numbers, ints, values, roots } = this;
    const K = this.outputs;
    const first = 4 * g;
    const steps = this.groupDepth[g];
    let a = roots[first];
    let b = roots[first + 1];
    let c = roots[first + 2];
    let e = roots[first + 3];
    let a2 = a;
    let b2 = b;
    let c2 = c;
    let e2 = e;
    for (let d = 0; d < steps; d++) {
      const wa = ints[4 * a + 2];
      const wb = ints[4 * b + 2];
      const wc = ints[4 * c + 2];
      const we = ints[4 * e + 2];
      const wa2 = ints[4 * a2 + 2];
      const wb2 = ints[4 * b2 + 2];
      const wc2 = ints[4 * c2 + 2];
      const we2 = ints[4 * e2 + 2];
      const va = x[o1 + (wa >> 2)];
      const vb = x[o1 + (wb >> 2)];
      const vc = x[o1 + (wc >> 2)];
      const ve = x[o1 + (we >> 2)];
      const va2 = x[o2 + (wa2 >> 2)];
      const vb2 = x[o2 + (wb2 >> 2)];
      const vc2 = x[o2 + (wc2 >> 2)];
      const ve2 = x[o2 + (we2 >> 2)];
      a = ints[4 * a + 3] + (+(va > numbers[2 * a]) | (+Number.isNaN(va) & wa));
      b = ints[4 * b + 3] + (+(vb > numbers[2 * b]) | (+Number.isNaN(vb) & wb));
      c = ints[4 * c + 3] + (+(vc > numbers[2 * c]) | (+Number.isNaN(vc) & wc));
      e = ints[4 * e + 3] + (+(ve > numbers[2 * e]) | (+Number.isNaN(ve) & we));
      a2 = ints[4 * a2 + 3] + (+(va2 > numbers[2 * a2]) | (+Number.isNaN(va2) & wa2));
      b2 = ints[4 * b2 + 3] + (+(vb2 > numbers[2 * b2]) | (+Number.isNaN(vb2) & wb2));
      c2 = ints[4 * c2 + 3] + (+(vc2 > numbers[2 * c2]) | (+Number.isNaN(vc2) & wc2));
      e2 = ints[4 * e2 + 3] + (+(ve2 > numbers[2 * e2]) | (+Number.isNaN(ve2) & we2));
    }
    if (K === 1) {
      out[p1] += values[a] + values[b] + values[c] + values[e];
      out[p2] += values[a2] + values[b2] + values[c2] + values[e2];
    } else {
      out[p1 + (first % K)] += values[a];
      out[p1 + ((first + 1) % K)] += values[b];
      out[p1 + ((first + 2) % K)] += values[c];
      out[p1 + ((first + 3) % K)] += values[e];
      out[p2 + (first % K)] += values[a2];
      out[p2 + ((first + 1) % K)] += values[b2];
      out[p2 + ((first + 2) % K)] += values[c2];
      out[p2 + ((first + 3) % K)] += values[e2];
    }
  }

  /** Raw scores of every row of `X` into `out` (row-major rows × outputs). */
  predictBatch(baseline: Float64Array, X: GbdtMatrix, out: Float64Array): void {
    const { rows, cols, data } = X;
    const K = this.outputs;
    const T = this.treeCount;
    // Blocks of rows: a block's rows stay in L1 while every group of trees passes over them.
    for (let r0 = 0; r0 < rows; r0 += ROW_BLOCK) {
      const r1 = Math.min(rows, r0 + ROW_BLOCK);
      for (let r = r0; r < r1; r++) for (let k = 0; k < K; k++) out[r * K + k] = baseline[k];
      for (let g = 0; 4 * g < T; g++) {
        const last = Math.min(T, 4 * g + 4);
        let r = r0;
        if (!this.categorical && last - 4 * g === 4) {
          for (; r + 1 < r1; r += 2) this.addGroupTwoRows(g, data, r * cols, (r + 1) * cols, out, r * K, (r + 1) * K);
        }
        for (; r < r1; r++) this.addGroup(g, data, r * cols, out, r * K, last);
      }
    }
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
