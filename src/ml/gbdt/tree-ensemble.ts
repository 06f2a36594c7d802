/**
 * The trees of a boosted model as flat typed arrays (scikit-learn's `predictor.py` node array, XGBoost's JSON
 * tree arrays): node i of every tree lives at index i of each column, children are global indices, and tree t owns
 * nodes `treeStart[t] … treeStart[t + 1] − 1` (its root first). With K outputs, tree t adds to output t mod K.
 *
 * A numeric split sends x left when x ≤ threshold (raw) — equivalently when its bin code ≤ `bin` — and NaN by
 * `defaultLeft`. A categorical split stores a 256-bit set of the bins that go left; raw category codes reach their
 * bin through the per-feature table, and a code unseen in training counts as missing.
 */
import type { BinMapper } from "./bin-mapper.js";
import { CATEGORY_BITSET_WORDS, type SplitInfo } from "./splitter.js";

/** The per-feature tables a raw-input predictor needs for categorical features. */
export interface CategoryTables {
  /** Start of feature f's code → bin table in `table`, −1 for numeric features. */
  readonly offset: Int32Array;
  /** Length of each feature's table (codes ≥ length are unseen). */
  readonly length: Int32Array;
  /** Concatenated tables; −1 marks a code not seen in training. */
  readonly table: Int16Array;
  /** Missing code (= number of non-missing bins) per feature, for prediction on bin codes. */
  readonly missingBin: Int32Array;
}

/** Builds the category tables from a fitted bin mapper. */
export function categoryTablesOf(mapper: BinMapper): CategoryTables {
  const cols = mapper.featureCount;
  const offset = new Int32Array(cols).fill(-1);
  const length = new Int32Array(cols);
  let total = 0;
  for (let f = 0; f < cols; f++) {
    if (mapper.isCategorical[f] === 1) {
      offset[f] = total;
      length[f] = mapper.categoryBins[f].length;
      total += length[f];
    }
  }
  const table = new Int16Array(total);
  for (let f = 0; f < cols; f++) if (offset[f] >= 0) table.set(mapper.categoryBins[f], offset[f]);
  return { offset, length, table, missingBin: Int32Array.from(mapper.binCount) };
}

function grow<T extends Int32Array | Float64Array | Uint8Array | Uint32Array>(a: T, size: number): T {
  if (a.length >= size) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(size, a.length * 2, 16));
  b.set(a);
  return b;
}

/** The node columns of an ensemble; exactly `nodeCount` long once built. */
export interface TreeEnsembleArrays {
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly bin: Uint8Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly defaultLeft: Uint8Array;
  readonly catOffset: Int32Array;
  readonly catBits: Uint32Array;
  readonly value: Float64Array;
  readonly cover: Float64Array;
  readonly count: Float64Array;
  readonly gain: Float64Array;
  readonly treeStart: Int32Array;
}

/** A growable, then frozen, set of trees. */
export class TreeEnsemble {
  readonly featureCount: number;
  readonly outputs: number;
  readonly categories: CategoryTables;
  /** Split feature, −1 at leaves. */
  feature: Int32Array;
  /** Raw threshold of numeric splits (+∞ for "every non-missing value left"). */
  threshold: Float64Array;
  /** Bin threshold of numeric splits. */
  bin: Uint8Array;
  left: Int32Array;
  right: Int32Array;
  defaultLeft: Uint8Array;
  /** Word offset of a categorical split's bitset in `catBits`, −1 for numeric splits and leaves. */
  catOffset: Int32Array;
  catBits: Uint32Array;
  /** Leaf values (already scaled by the learning rate); at split nodes, the weight the node would have had. */
  value: Float64Array;
  /** Hessian sum of the node's training rows (TreeSHAP's cover). */
  cover: Float64Array;
  /** Training rows in the node. */
  count: Float64Array;
  /** Split gain, 0 at leaves. */
  gain: Float64Array;
  /** treeCount + 1 node offsets. */
  treeStart: Int32Array;
  nodeCount = 0;
  treeCount = 0;
  private catWords = 0;
  private catWordsAtTreeStart = 0;

  constructor(featureCount: number, outputs: number, categories: CategoryTables, arrays?: TreeEnsembleArrays) {
    this.featureCount = featureCount;
    this.outputs = outputs;
    this.categories = categories;
    if (arrays) {
      this.feature = arrays.feature;
      this.threshold = arrays.threshold;
      this.bin = arrays.bin;
      this.left = arrays.left;
      this.right = arrays.right;
      this.defaultLeft = arrays.defaultLeft;
      this.catOffset = arrays.catOffset;
      this.catBits = arrays.catBits;
      this.value = arrays.value;
      this.cover = arrays.cover;
      this.count = arrays.count;
      this.gain = arrays.gain;
      this.treeStart = arrays.treeStart;
      this.nodeCount = arrays.feature.length;
      this.treeCount = arrays.treeStart.length - 1;
      this.catWords = arrays.catBits.length;
    } else {
      this.feature = new Int32Array(0);
      this.threshold = new Float64Array(0);
      this.bin = new Uint8Array(0);
      this.left = new Int32Array(0);
      this.right = new Int32Array(0);
      this.defaultLeft = new Uint8Array(0);
      this.catOffset = new Int32Array(0);
      this.catBits = new Uint32Array(0);
      this.value = new Float64Array(0);
      this.cover = new Float64Array(0);
      this.count = new Float64Array(0);
      this.gain = new Float64Array(0);
      this.treeStart = new Int32Array(1);
    }
  }

  /** Starts a new tree; its nodes are the ones added until {@link endTree}. */
  beginTree(): void {
    this.treeStart = grow(this.treeStart, this.treeCount + 2);
    this.treeStart[this.treeCount] = this.nodeCount;
    this.catWordsAtTreeStart = this.catWords;
  }

  /** Drops the nodes of the tree begun last (one abandoned half-grown). */
  abortTree(): void {
    this.nodeCount = this.treeStart[this.treeCount];
    this.catWords = this.catWordsAtTreeStart;
  }

  endTree(): void {
    this.treeCount++;
    this.treeStart[this.treeCount] = this.nodeCount;
  }

  /** Appends a leaf with the given training cover and row count; returns its index. */
  addNode(cover: number, count: number): number {
    const i = this.nodeCount++;
    const n = this.nodeCount;
    this.feature = grow(this.feature, n);
    this.threshold = grow(this.threshold, n);
    this.bin = grow(this.bin, n);
    this.left = grow(this.left, n);
    this.right = grow(this.right, n);
    this.defaultLeft = grow(this.defaultLeft, n);
    this.catOffset = grow(this.catOffset, n);
    this.value = grow(this.value, n);
    this.cover = grow(this.cover, n);
    this.count = grow(this.count, n);
    this.gain = grow(this.gain, n);
    this.feature[i] = -1;
    this.threshold[i] = 0;
    this.bin[i] = 0;
    this.left[i] = -1;
    this.right[i] = -1;
    this.defaultLeft[i] = 0;
    this.catOffset[i] = -1;
    this.value[i] = 0;
    this.cover[i] = cover;
    this.count[i] = count;
    this.gain[i] = 0;
    return i;
  }

  /** Turns leaf `node` into the split `split` with children `left` and `right`. */
  setSplit(node: number, split: SplitInfo, rawThreshold: number, left: number, right: number): void {
    this.feature[node] = split.feature;
    this.left[node] = left;
    this.right[node] = right;
    this.defaultLeft[node] = split.defaultLeft ? 1 : 0;
    this.gain[node] = split.gain;
    if (split.isCategorical) {
      this.catBits = grow(this.catBits, this.catWords + CATEGORY_BITSET_WORDS);
      this.catBits.set(split.catBits, this.catWords);
      this.catOffset[node] = this.catWords;
      this.catWords += CATEGORY_BITSET_WORDS;
      this.threshold[node] = Number.NaN;
    } else {
      this.bin[node] = split.bin;
      this.threshold[node] = rawThreshold;
    }
  }

  /** Keeps the first `treeCount` trees (early stopping's best iteration). */
  truncate(treeCount: number): void {
    if (treeCount >= this.treeCount) return;
    this.treeCount = treeCount;
    this.nodeCount = this.treeStart[treeCount];
    let words = 0;
    for (let i = 0; i < this.nodeCount; i++)
      if (this.catOffset[i] >= 0) words = this.catOffset[i] + CATEGORY_BITSET_WORDS;
    this.catWords = words;
  }

  /** Trims every column to its used length (after training). */
  freeze(): void {
    const n = this.nodeCount;
    this.feature = this.feature.slice(0, n);
    this.threshold = this.threshold.slice(0, n);
    this.bin = this.bin.slice(0, n);
    this.left = this.left.slice(0, n);
    this.right = this.right.slice(0, n);
    this.defaultLeft = this.defaultLeft.slice(0, n);
    this.catOffset = this.catOffset.slice(0, n);
    this.catBits = this.catBits.slice(0, this.catWords);
    this.value = this.value.slice(0, n);
    this.cover = this.cover.slice(0, n);
    this.count = this.count.slice(0, n);
    this.gain = this.gain.slice(0, n);
    this.treeStart = this.treeStart.slice(0, this.treeCount + 1);
  }

  /** Whether any split is categorical (the predictor then takes its slower path). */
  hasCategoricalSplits(): boolean {
    for (let i = 0; i < this.nodeCount; i++) if (this.catOffset[i] >= 0) return true;
    return false;
  }

  /** Depth of the deepest leaf (root = 0). */
  maxDepth(): number {
    let deepest = 0;
    const depth = new Int32Array(this.nodeCount);
    for (let t = 0; t < this.treeCount; t++) {
      for (let i = this.treeStart[t]; i < this.treeStart[t + 1]; i++) {
        if (this.feature[i] < 0) {
          if (depth[i] > deepest) deepest = depth[i];
          continue;
        }
        depth[this.left[i]] = depth[i] + 1;
        depth[this.right[i]] = depth[i] + 1;
      }
    }
    return deepest;
  }
}
