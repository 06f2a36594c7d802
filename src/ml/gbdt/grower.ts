/**
 * Grows one regression tree on binned data from per-row gradients, after scikit-learn's `grower.py`.
 *
 * A node owns a contiguous range of `rowIndex`; splitting it partitions that range in place (stably, so row
 * indices stay ascending and the column reads of the histogram builder stay monotone). Only nodes that may still
 * be split get a histogram: the smaller child's is built from its rows and the larger child's is the parent's minus
 * it, computed in the parent's buffer; both are searched in the same job (see `node-search.ts`), which the
 * kernels share between threads.
 *
 * Depth-wise growth (XGBoost's default) expands nodes first in, first out, which splits level by level up to
 * `maxDepth`; loss-guided growth (LightGBM, scikit-learn) always expands the open node with the largest gain until
 * `maxLeaves` leaves exist. Leaf values are the Newton step −T(G)/(H + λ) times the learning rate.
 */
import type { HistogramLayout, HistogramSource } from "./histogram.js";
import { leafWeight, SplitInfo, type SplitParams } from "./splitter.js";
import type { TreeEnsemble } from "./tree-ensemble.js";
import type { NodeJob, TreeKernels } from "./tree-kernels.js";

/** Shape limits and step size of a tree. */
export interface GrowerParams extends SplitParams {
  /** Deepest split level + 1 (root = depth 0); Infinity for no limit. */
  readonly maxDepth: number;
  /** Most leaves per tree; Infinity for no limit. */
  readonly maxLeaves: number;
  readonly growPolicy: "depthwise" | "lossguide";
  readonly learningRate: number;
}

/** The numeric raw threshold of "bin ≤ b" for feature f. */
export type RawThreshold = (f: number, b: number) => number;

class OpenNode {
  node = 0;
  depth = 0;
  start = 0;
  end = 0;
  grad = 0;
  hess = 0;
  count = 0;
  /** Histogram id in the kernels, −1 for none. */
  hist = -1;
  readonly split = new SplitInfo();
}

/**
 * Reusable tree grower for one training set. After {@link grow}, the leaves of the last tree are
 * `leafNode[k]`, owning rows `rowIndex[leafStart[k] … leafEnd[k])`, for k < `leafCount`.
 */
export class TreeGrower {
  readonly rowIndex: Int32Array;
  readonly leafNode: Int32Array;
  readonly leafStart: Int32Array;
  readonly leafEnd: Int32Array;
  leafCount = 0;
  private readonly nodePool: OpenNode[] = [];
  private readonly open: OpenNode[] = [];
  private readonly smallSums = { grad: 0, hess: 0, count: 0 };
  private readonly largeSums = { grad: 0, hess: 0, count: 0 };
  private readonly job: NodeJob = {
    built: -1,
    start: 0,
    end: 0,
    parent: -1,
    siblingStart: 0,
    siblingEnd: 0,
    builtSums: null,
    parentSums: null,
  };
  private readonly unused = new SplitInfo();

  constructor(
    private readonly kernels: TreeKernels,
    private readonly layout: HistogramLayout,
    private readonly rawThreshold: RawThreshold,
    private readonly params: GrowerParams,
  ) {
    const n = kernels.rowIndex.length;
    this.rowIndex = kernels.rowIndex;
    const maxLeaves = Math.min(n, params.maxLeaves, 2 ** Math.min(params.maxDepth, 30));
    const leafCapacity = Math.max(1, Math.min(n, maxLeaves));
    this.leafNode = new Int32Array(leafCapacity);
    this.leafStart = new Int32Array(leafCapacity);
    this.leafEnd = new Int32Array(leafCapacity);
  }

  /**
   * Grows one tree into `ensemble` from `source`'s gradients over the rows `sample` (ascending; null = every
   * row), considering only `features` (ascending).
   */
  grow(ensemble: TreeEnsemble, source: HistogramSource, sample: Int32Array | null, features: Int32Array): void {
    const p = this.params;
    const rowIndex = this.rowIndex;
    const n = sample === null ? rowIndex.length : sample.length;
    if (sample === null) for (let i = 0; i < n; i++) rowIndex[i] = i;
    else rowIndex.set(sample);
    let G = 0;
    let H = 0;
    const { grad, hess, constantHessian } = source;
    for (let i = 0; i < n; i++) {
      const r = rowIndex[i];
      G += grad[r];
      H += constantHessian === 0 ? hess[r] : constantHessian;
    }
    this.leafCount = 0;
    ensemble.beginTree();
    this.kernels.setFeatures(features);
    const root = this.takeNode(ensemble.addNode(H, n), 0, 0, n, G, H, n);
    if (this.canSplit(root)) {
      root.hist = this.kernels.acquireHistogram();
      this.runJob(source, root.hist, root, -1, null, root.split, this.unused);
    }
    this.settle(ensemble, root);

    let head = 0;
    let leaves = 1;
    while (head < this.open.length && leaves < p.maxLeaves) {
      let pick = head;
      if (p.growPolicy === "lossguide") {
        for (let k = head + 1; k < this.open.length; k++) {
          if (this.open[k].split.gain > this.open[pick].split.gain) pick = k;
        }
        const t = this.open[head];
        this.open[head] = this.open[pick];
        this.open[pick] = t;
      }
      const node = this.open[head++];
      this.splitNode(ensemble, source, node);
      leaves++;
    }
    // Whatever is still open becomes a leaf (the leaf budget ran out).
    for (let k = head; k < this.open.length; k++) this.makeLeaf(ensemble, this.open[k]);
    this.open.length = 0;
    ensemble.endTree();
  }

  private takeNode(
    node: number,
    depth: number,
    start: number,
    end: number,
    grad: number,
    hess: number,
    count: number,
  ): OpenNode {
    const o = this.nodePool.pop() ?? new OpenNode();
    o.node = node;
    o.depth = depth;
    o.start = start;
    o.end = end;
    o.grad = grad;
    o.hess = hess;
    o.count = count;
    o.hist = -1;
    o.split.reset();
    return o;
  }

  private canSplit(o: OpenNode): boolean {
    const p = this.params;
    return o.depth < p.maxDepth && o.count >= 2 * p.minSamplesLeaf && o.hess >= 2 * p.minChildWeight;
  }

  /**
   * Builds the histogram `built` over `node`'s rows, turns `parent` (when ≥ 0) into its sibling's, and searches
   * the node (into `nodeBest`, when it may split) and the sibling (into `siblingBest`).
   */
  private runJob(
    source: HistogramSource,
    built: number,
    node: OpenNode,
    parent: number,
    sibling: OpenNode | null,
    nodeBest: SplitInfo,
    siblingBest: SplitInfo,
  ): void {
    const job = this.job;
    job.built = built;
    job.start = node.start;
    job.end = node.end;
    job.parent = parent;
    job.siblingStart = sibling?.start ?? 0;
    job.siblingEnd = sibling?.end ?? 0;
    job.builtSums = this.canSplit(node) ? sumsOf(node, this.smallSums) : null;
    job.parentSums = sibling !== null && this.canSplit(sibling) ? sumsOf(sibling, this.largeSums) : null;
    this.kernels.search(job, source, nodeBest, siblingBest);
  }

  private makeLeaf(ensemble: TreeEnsemble, o: OpenNode): void {
    const p = this.params;
    ensemble.value[o.node] = p.learningRate * leafWeight(o.grad, o.hess, p.lambda, p.alpha);
    const k = this.leafCount++;
    this.leafNode[k] = o.node;
    this.leafStart[k] = o.start;
    this.leafEnd[k] = o.end;
    if (o.hist >= 0) this.kernels.releaseHistogram(o.hist);
    o.hist = -1;
    this.nodePool.push(o);
  }

  private splitNode(ensemble: TreeEnsemble, source: HistogramSource, o: OpenNode): void {
    const p = this.params;
    const s = o.split;
    const mid = this.partition(o.start, o.end, s.feature, s.isCategorical, s.bin, s.defaultLeft, s.catBits);
    const leftNode = ensemble.addNode(s.leftHess, s.leftCount);
    const rightNode = ensemble.addNode(s.rightHess, s.rightCount);
    ensemble.value[o.node] = p.learningRate * leafWeight(o.grad, o.hess, p.lambda, p.alpha);
    ensemble.setSplit(
      o.node,
      s,
      s.isCategorical ? Number.NaN : this.rawThreshold(s.feature, s.bin),
      leftNode,
      rightNode,
    );
    const depth = o.depth + 1;
    const left = this.takeNode(leftNode, depth, o.start, mid, s.leftGrad, s.leftHess, mid - o.start);
    const right = this.takeNode(rightNode, depth, mid, o.end, s.rightGrad, s.rightHess, o.end - mid);
    const parentHist = o.hist;
    o.hist = -1;
    this.nodePool.push(o);

    const small = left.count <= right.count ? left : right;
    const large = small === left ? right : left;
    if (this.canSplit(large)) {
      // The small child's histogram from its rows, the large child's in the parent's buffer.
      small.hist = this.kernels.acquireHistogram();
      large.hist = parentHist;
      this.runJob(source, small.hist, small, parentHist, large, small.split, large.split);
    } else if (this.canSplit(small)) {
      small.hist = parentHist;
      this.runJob(source, small.hist, small, -1, null, small.split, this.unused);
    } else {
      this.kernels.releaseHistogram(parentHist);
    }
    // Children in node order, so depth-wise growth expands left before right.
    this.settle(ensemble, left);
    this.settle(ensemble, right);
  }

  /** Queues a node with a valid split, or makes it a leaf (giving its histogram back). */
  private settle(ensemble: TreeEnsemble, node: OpenNode): void {
    if (node.hist >= 0 && node.split.feature >= 0 && this.canSplit(node)) this.open.push(node);
    else this.makeLeaf(ensemble, node);
  }

  /** Partitions the node's rows by the split (see {@link TreeKernels.partition}); returns the middle. */
  private partition(
    start: number,
    end: number,
    f: number,
    isCategorical: boolean,
    bin: number,
    defaultLeft: boolean,
    catBits: Uint32Array,
  ): number {
    const goesLeft = this.kernels.goesLeft;
    const missing = this.layout.binCount[f];
    if (isCategorical) {
      for (let c = 0; c < 256; c++) goesLeft[c] = (catBits[c >>> 5] >>> (c & 31)) & 1;
    } else {
      goesLeft.fill(1, 0, bin + 1);
      goesLeft.fill(0, bin + 1);
      goesLeft[missing] = defaultLeft ? 1 : 0;
    }
    return this.kernels.partition(f, start, end);
  }
}

function sumsOf(o: OpenNode, out: { grad: number; hess: number; count: number }): typeof out {
  out.grad = o.grad;
  out.hess = o.hess;
  out.count = o.count;
  return out;
}
