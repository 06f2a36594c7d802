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
import { SlipwayError } from "../../core/index.js";
import type { HistogramSource } from "./histogram.js";
import { LEVEL_BATCH, type LevelJob, writeLevelJob } from "./level-jobs.js";
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
  /** Per node of a level batch: left, right, small and large child; and the nodes in job order. */
  private readonly levelChildren: OpenNode[] = [];
  private readonly levelOrder: number[] = [];
  private readonly levelJob: LevelJob = {
    start: 0,
    end: 0,
    split: new SplitInfo(),
    built: -1,
    builtStart: 0,
    builtEnd: 0,
    parent: -1,
    builtSums: null,
    parentSums: null,
  };

  constructor(
    private readonly kernels: TreeKernels,
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
    if (this.tryGrow(ensemble, source, sample, features)) return;
    // The helper thread failed in the middle of a level (the kernels have stopped it, and its rows may be half
    // partitioned): the same tree again, on this thread.
    ensemble.abortTree();
    this.kernels.releaseAllHistograms();
    this.open.length = 0;
    if (!this.tryGrow(ensemble, source, sample, features)) {
      throw new SlipwayError("SLP_INTERNAL", "growing a tree failed on one thread after the helper thread failed");
    }
  }

  /** {@link grow}; false when the helper failed in a level batch (the tree is then half-grown). */
  private tryGrow(
    ensemble: TreeEnsemble,
    source: HistogramSource,
    sample: Int32Array | null,
    features: Int32Array,
  ): boolean {
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

    const open = this.open;
    let head = 0;
    let leaves = 1;
    while (head < open.length && leaves < p.maxLeaves) {
      if (p.growPolicy === "lossguide") {
        let pick = head;
        for (let k = head + 1; k < open.length; k++) if (open[k].split.gain > open[pick].split.gain) pick = k;
        const t = open[head];
        open[head] = open[pick];
        open[pick] = t;
        this.splitNode(ensemble, source, open[head++]);
        leaves++;
        continue;
      }
      // Depth-wise: the open nodes are one level; split as many as the leaf budget allows, in order. A level of
      // one node is one node's work (shared by features or rows); a wider level shares whole nodes.
      const take = Math.min(open.length - head, p.maxLeaves - leaves);
      if (take === 1) this.splitNode(ensemble, source, open[head]);
      else {
        for (let b = 0; b < take; b += LEVEL_BATCH) {
          if (!this.splitLevel(ensemble, source, head + b, Math.min(LEVEL_BATCH, take - b))) return false;
        }
      }
      head += take;
      leaves += take;
    }
    // Whatever is still open becomes a leaf (the leaf budget ran out).
    for (let k = head; k < open.length; k++) this.makeLeaf(ensemble, open[k]);
    open.length = 0;
    ensemble.endTree();
    return true;
  }

  /**
   * Splits the open nodes `from … from + count − 1` as one batch of level jobs (see `level-jobs.ts`): tree nodes
   * and histogram ids are assigned here in order, the jobs run on the kernels' threads, and the children are
   * settled in order, so the tree is the one that splitting them one by one would grow.
   */
  private splitLevel(ensemble: TreeEnsemble, source: HistogramSource, from: number, count: number): boolean {
    const kernels = this.kernels;
    const children = this.levelChildren;
    // Jobs largest first, so the last ones claimed are short and neither thread waits long for the other.
    const order = this.levelOrder;
    order.length = count;
    for (let i = 0; i < count; i++) order[i] = i;
    order.sort((a, b) => this.open[from + b].count - this.open[from + a].count || a - b);
    // Tree nodes in node order (the numbering one-by-one splitting gives), jobs in job order.
    for (let i = 0; i < count; i++) {
      const o = this.open[from + i];
      const [left, right] = this.addChildren(ensemble, o, o.start + o.split.leftCount);
      children[4 * i] = left;
      children[4 * i + 1] = right;
    }
    for (let k = 0; k < count; k++) {
      const i = order[k];
      const o = this.open[from + i];
      const left = children[4 * i];
      const right = children[4 * i + 1];
      const small = left.count <= right.count ? left : right;
      const large = small === left ? right : left;
      const job = this.levelJob;
      job.start = o.start;
      job.end = o.end;
      job.split = o.split;
      job.built = -1;
      job.builtStart = small.start;
      job.builtEnd = small.end;
      job.parent = -1;
      job.builtSums = this.canSplit(small) ? sumsOf(small, this.smallSums) : null;
      job.parentSums = null;
      if (this.canSplit(large)) {
        small.hist = kernels.acquireHistogram();
        large.hist = o.hist;
        job.built = small.hist;
        job.parent = large.hist;
        job.parentSums = sumsOf(large, this.largeSums);
      } else if (job.builtSums !== null) {
        small.hist = o.hist;
        job.built = small.hist;
      } else {
        kernels.releaseHistogram(o.hist);
      }
      writeLevelJob(kernels.level, k, job);
      o.hist = -1;
      this.nodePool.push(o);
      children[4 * i + 2] = small;
      children[4 * i + 3] = large;
    }
    if (!kernels.runLevel(count, source)) return false;
    for (let k = 0; k < count; k++) {
      kernels.levelResult(2 * k, children[4 * order[k] + 2].split);
      kernels.levelResult(2 * k + 1, children[4 * order[k] + 3].split);
    }
    for (let i = 0; i < count; i++) {
      this.settle(ensemble, children[4 * i]);
      this.settle(ensemble, children[4 * i + 1]);
    }
    return true;
  }

  /** Turns open node `o` into a split with rows `o.start … mid − 1` left; returns its two new children. */
  private addChildren(ensemble: TreeEnsemble, o: OpenNode, mid: number): [OpenNode, OpenNode] {
    const p = this.params;
    const s = o.split;
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
    return [
      this.takeNode(leftNode, depth, o.start, mid, s.leftGrad, s.leftHess, mid - o.start),
      this.takeNode(rightNode, depth, mid, o.end, s.rightGrad, s.rightHess, o.end - mid),
    ];
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
    const s = o.split;
    const mid = this.kernels.partition(s, o.start, o.end);
    const [left, right] = this.addChildren(ensemble, o, mid);
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
}

function sumsOf(o: OpenNode, out: { grad: number; hess: number; count: number }): typeof out {
  out.grad = o.grad;
  out.hess = o.hess;
  out.count = o.count;
  return out;
}
