/**
 * A trained gradient-boosted tree model: prediction (raw scores and the objective's transform), feature
 * importance, TreeSHAP, and its bundle form (plain JSON + Float64Array blobs).
 */
import { invalidInput } from "../../core/index.js";
import type { GbdtMatrix } from "./bin-mapper.js";
import { createLoss, type Loss } from "./losses.js";
import type { ResolvedGbdtParams } from "./params.js";
import { PackedForest } from "./predictor.js";
import { CATEGORY_BITSET_WORDS } from "./splitter.js";
import { TreeEnsemble } from "./tree-ensemble.js";
import { type TreeShapResult, treeShap } from "./tree-shap.js";

/** The JSON half of a model bundle. Unlimited `maxDepth` / `maxLeaves` are stored as 0. */
export interface GbdtModelJson {
  format: "slipway.gbdt";
  version: 1;
  params: Omit<ResolvedGbdtParams, "maxDepth" | "maxLeaves"> & { maxDepth: number; maxLeaves: number };
  featureCount: number;
  outputs: number;
  baseline: number[];
  treeCount: number;
  nodeCount: number;
  bestIteration: number;
  roundsTrained: number;
  validationLoss: number[];
}

/** Names of the blobs a bundle carries (all Float64Array; integer columns hold exact integers). */
export const GBDT_BLOB_NAMES = [
  "trees.start",
  "nodes.feature",
  "nodes.threshold",
  "nodes.bin",
  "nodes.left",
  "nodes.right",
  "nodes.defaultLeft",
  "nodes.catOffset",
  "nodes.value",
  "nodes.cover",
  "nodes.count",
  "nodes.gain",
  "categories.bitsets",
  "categories.tableOffset",
  "categories.tableLength",
  "categories.table",
  "features.missingBin",
] as const;

type BlobName = (typeof GBDT_BLOB_NAMES)[number];

/** Options of batch prediction. */
export interface PredictOptions {
  /** 1 keeps a batch on the calling thread; 2 (the default) shares a large one with a helper thread. */
  threads?: number;
}

/** What a model needs besides its trees. */
export interface GbdtModelInit {
  params: ResolvedGbdtParams;
  ensemble: TreeEnsemble;
  baseline: Float64Array;
  bestIteration: number;
  roundsTrained: number;
  validationLoss: Float64Array;
}

/** A fitted model. Build with `trainGbdt` or {@link GbdtModel.fromJSON}. */
export class GbdtModel {
  readonly params: ResolvedGbdtParams;
  readonly ensemble: TreeEnsemble;
  /** Raw score before any tree, per output. */
  readonly baseline: Float64Array;
  readonly featureCount: number;
  /** Raw scores per row: numClass for softmax, else 1. */
  readonly outputs: number;
  /** 0-based round the model keeps trees up to (the best validation loss under early stopping, else the last). */
  readonly bestIteration: number;
  /** Rounds run before training stopped (≥ bestIteration + 1). */
  readonly roundsTrained: number;
  /** Validation loss after each round (empty without a validation set). */
  readonly validationLoss: Float64Array;
  private readonly loss: Loss;
  private readonly forest: PackedForest;

  constructor(init: GbdtModelInit) {
    this.params = init.params;
    this.ensemble = init.ensemble;
    this.baseline = init.baseline;
    this.featureCount = init.ensemble.featureCount;
    this.outputs = init.ensemble.outputs;
    this.bestIteration = init.bestIteration;
    this.roundsTrained = init.roundsTrained;
    this.validationLoss = init.validationLoss;
    this.loss = createLoss(init.params.objective, init.params);
    this.forest = new PackedForest(init.ensemble);
  }

  /** Boosting rounds kept (trees ÷ outputs). */
  get rounds(): number {
    return this.ensemble.treeCount / this.outputs;
  }

  private checkInput(X: GbdtMatrix, out: Float64Array | undefined): Float64Array {
    if (X.cols !== this.featureCount || X.data.length !== X.rows * X.cols) {
      throw invalidInput("the matrix does not match the model's features", [
        { field: "cols", reason: `expected ${this.featureCount} columns, got ${X.rows} × ${X.cols}` },
      ]);
    }
    const length = X.rows * this.outputs;
    if (out === undefined) return new Float64Array(length);
    if (out.length < length) {
      throw invalidInput("output buffer too small", [{ field: "out", reason: `need ${length}, got ${out.length}` }]);
    }
    return out;
  }

  /**
   * Raw scores (row-major rows × outputs): log-odds for logistic, log-mean for Poisson. A batch of 4,096 rows or
   * more is shared with a helper thread unless `threads` is 1; the scores are the same either way.
   */
  predictRaw(X: GbdtMatrix, out?: Float64Array, options: PredictOptions = {}): Float64Array {
    const o = this.checkInput(X, out);
    this.forest.predictBatch(this.baseline, X, o, options.threads ?? 2);
    return o;
  }

  /** Predictions: probabilities for logistic (P(y = 1)) and softmax (rows × K), the mean for Poisson. */
  predict(X: GbdtMatrix, out?: Float64Array, options: PredictOptions = {}): Float64Array {
    const o = this.predictRaw(X, out, options);
    this.loss.transform(o.subarray(0, X.rows * this.outputs), o);
    return o;
  }

  /**
   * Raw scores of one row (`x` holds the features from `offset`) into `out` (length ≥ outputs, from
   * `outOffset`). Allocates nothing when `out` is given.
   */
  predictRowRaw(x: Float64Array, out?: Float64Array, offset = 0, outOffset = 0): Float64Array {
    const o = out ?? new Float64Array(this.outputs);
    this.forest.predictRow(this.baseline, x, offset, o, outOffset);
    return o;
  }

  /**
   * Feature importance over the kept trees: "gain" sums the gain of every split on a feature (LightGBM's
   * "gain", XGBoost's "total_gain"); "split" counts those splits.
   */
  featureImportance(kind: "gain" | "split" = "gain"): Float64Array {
    const out = new Float64Array(this.featureCount);
    const { feature, gain, nodeCount } = this.ensemble;
    for (let i = 0; i < nodeCount; i++) {
      const f = feature[i];
      if (f >= 0) out[f] += kind === "gain" ? gain[i] : 1;
    }
    return out;
  }

  /** Exact TreeSHAP contributions of every row (per output) and the expected value. */
  shap(X: GbdtMatrix): TreeShapResult {
    this.checkInput(X, undefined);
    return treeShap(this.ensemble, this.baseline, X);
  }

  /** The bundle form: JSON and Float64Array blobs (names in {@link GBDT_BLOB_NAMES}). */
  toJSON(): { json: GbdtModelJson; blobs: Record<string, Float64Array> } {
    const e = this.ensemble;
    const c = e.categories;
    const f64 = (a: ArrayLike<number>) => Float64Array.from(a);
    const blobs: Record<BlobName, Float64Array> = {
      "trees.start": f64(e.treeStart.subarray(0, e.treeCount + 1)),
      "nodes.feature": f64(e.feature.subarray(0, e.nodeCount)),
      "nodes.threshold": f64(e.threshold.subarray(0, e.nodeCount)),
      "nodes.bin": f64(e.bin.subarray(0, e.nodeCount)),
      "nodes.left": f64(e.left.subarray(0, e.nodeCount)),
      "nodes.right": f64(e.right.subarray(0, e.nodeCount)),
      "nodes.defaultLeft": f64(e.defaultLeft.subarray(0, e.nodeCount)),
      "nodes.catOffset": f64(e.catOffset.subarray(0, e.nodeCount)),
      "nodes.value": f64(e.value.subarray(0, e.nodeCount)),
      "nodes.cover": f64(e.cover.subarray(0, e.nodeCount)),
      "nodes.count": f64(e.count.subarray(0, e.nodeCount)),
      "nodes.gain": f64(e.gain.subarray(0, e.nodeCount)),
      "categories.bitsets": f64(e.catBits),
      "categories.tableOffset": f64(c.offset),
      "categories.tableLength": f64(c.length),
      "categories.table": f64(c.table),
      "features.missingBin": f64(c.missingBin),
    };
    const p = this.params;
    const json: GbdtModelJson = {
      format: "slipway.gbdt",
      version: 1,
      params: {
        ...p,
        maxDepth: Number.isFinite(p.maxDepth) ? p.maxDepth : 0,
        maxLeaves: Number.isFinite(p.maxLeaves) ? p.maxLeaves : 0,
      },
      featureCount: this.featureCount,
      outputs: this.outputs,
      baseline: Array.from(this.baseline),
      treeCount: e.treeCount,
      nodeCount: e.nodeCount,
      bestIteration: this.bestIteration,
      roundsTrained: this.roundsTrained,
      validationLoss: Array.from(this.validationLoss),
    };
    return { json, blobs };
  }

  /** Rebuilds a model from {@link GbdtModel.toJSON}'s output, checking every array's length and every index. */
  static fromJSON(json: GbdtModelJson, blobs: Record<string, Float64Array>): GbdtModel {
    const bad = (field: string, reason: string) => invalidInput("invalid GBDT model bundle", [{ field, reason }]);
    if (json.format !== "slipway.gbdt" || json.version !== 1)
      throw bad("format", `got ${json.format} v${json.version}`);
    const { featureCount: cols, outputs: K, nodeCount: n, treeCount: T } = json;
    for (const [name, v] of Object.entries({ featureCount: cols, outputs: K, nodeCount: n, treeCount: T })) {
      if (!Number.isInteger(v) || v < 0) throw bad(name, `must be a non-negative integer, got ${v}`);
    }
    if (json.baseline.length !== K) throw bad("baseline", `expected ${K} values`);
    const blob = (name: BlobName, length: number | null): Float64Array => {
      const b = blobs[name];
      if (!(b instanceof Float64Array)) throw bad(`blobs.${name}`, "missing");
      if (length !== null && b.length !== length)
        throw bad(`blobs.${name}`, `expected ${length} values, got ${b.length}`);
      return b;
    };
    const treeStart = Int32Array.from(blob("trees.start", T + 1));
    const feature = Int32Array.from(blob("nodes.feature", n));
    const left = Int32Array.from(blob("nodes.left", n));
    const right = Int32Array.from(blob("nodes.right", n));
    const catOffset = Int32Array.from(blob("nodes.catOffset", n));
    const catBits = Uint32Array.from(blob("categories.bitsets", null));
    const tableOffset = Int32Array.from(blob("categories.tableOffset", cols));
    const tableLength = Int32Array.from(blob("categories.tableLength", cols));
    const table = Int16Array.from(blob("categories.table", null));
    if (treeStart[0] !== 0 || treeStart[T] !== n) throw bad("blobs.trees.start", "must run from 0 to nodeCount");
    for (let t = 0; t < T; t++) {
      const lo = treeStart[t];
      const hi = treeStart[t + 1];
      if (!(hi > lo)) throw bad("blobs.trees.start", `tree ${t} has no nodes`);
      for (let i = lo; i < hi; i++) {
        if (feature[i] < 0) continue;
        // Children after their parent, inside the tree: traversal terminates and stays in bounds.
        if (feature[i] >= cols) throw bad("blobs.nodes.feature", `node ${i} splits on feature ${feature[i]}`);
        if (!(left[i] > i && left[i] < hi && right[i] > i && right[i] < hi)) throw bad("blobs.nodes.left", `node ${i}`);
        if (catOffset[i] >= 0 && (catOffset[i] + CATEGORY_BITSET_WORDS > catBits.length || tableOffset[feature[i]] < 0))
          throw bad("blobs.nodes.catOffset", `node ${i}`);
      }
    }
    for (let f = 0; f < cols; f++) {
      if (tableOffset[f] >= 0 && tableOffset[f] + tableLength[f] > table.length)
        throw bad("blobs.categories.table", `feature ${f}`);
    }
    const ensemble = new TreeEnsemble(
      cols,
      K,
      {
        offset: tableOffset,
        length: tableLength,
        table,
        missingBin: Int32Array.from(blob("features.missingBin", cols)),
      },
      {
        feature,
        threshold: Float64Array.from(blob("nodes.threshold", n)),
        bin: Uint8Array.from(blob("nodes.bin", n)),
        left,
        right,
        defaultLeft: Uint8Array.from(blob("nodes.defaultLeft", n)),
        catOffset,
        catBits,
        value: Float64Array.from(blob("nodes.value", n)),
        cover: Float64Array.from(blob("nodes.cover", n)),
        count: Float64Array.from(blob("nodes.count", n)),
        gain: Float64Array.from(blob("nodes.gain", n)),
        treeStart,
      },
    );
    const p = json.params;
    const params: ResolvedGbdtParams = {
      ...p,
      maxDepth: p.maxDepth === 0 ? Number.POSITIVE_INFINITY : p.maxDepth,
      maxLeaves: p.maxLeaves === 0 ? Number.POSITIVE_INFINITY : p.maxLeaves,
      categoricalFeatures: [...p.categoricalFeatures],
    };
    return new GbdtModel({
      params,
      ensemble,
      baseline: Float64Array.from(json.baseline),
      bestIteration: json.bestIteration,
      roundsTrained: json.roundsTrained,
      validationLoss: Float64Array.from(json.validationLoss),
    });
  }
}
