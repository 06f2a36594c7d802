import { type ErrorDetail, invalidInput } from "../../core/errors.js";
import type { Matrix } from "../linalg/matrix.js";
import {
  baseMarginOf,
  checkState,
  parseModelText,
  readXgboostJson,
  type XgboostBlobs,
  type XgboostObjective,
  type XgboostState,
} from "./xgboost-reader.js";

export {
  XGBOOST_OBJECTIVES,
  type XgboostBlobs,
  type XgboostObjective,
  type XgboostState,
  type XgboostStateJson,
} from "./xgboost-reader.js";

/**
 * Reads models written by XGBoost's `booster.save_model("m.json")` (the JSON model format, checked against 1.7) and
 * predicts as XGBoost's CPU predictor does (`src/predictor/predict_fn.h`, `src/common/categorical.h` in XGBoost;
 * every point below is exercised by the fixtures in test/fixtures/xgboost/):
 * - a node with left_children = -1 is a leaf whose value (already times the learning rate) is its split_condition;
 * - numeric split: left iff float32(x) < split_condition, both float32; a missing value (NaN) takes default_left;
 * - categorical split (split_type 1): the listed categories go right, every other value (negative, unlisted) left;
 * - the margin starts at ProbToMargin(base_score) and adds tree outputs in order, in float32 arithmetic, each
 *   tree adding to the output (class) tree_info names; dart multiplies a tree's output by its weight_drop first.
 * Reproducing the float32 steps makes the margins bit-identical to XGBoost's CPU predictor.
 */

/** A gradient-boosted tree ensemble read from XGBoost's JSON model format. */
export class XgboostModel {
  readonly objective: XgboostObjective;
  readonly numFeatures: number;
  /** Values per row of {@link predictRaw} and {@link predict}: the class count for multi:softprob, else 1. */
  readonly numOutputs: number;
  readonly baseScore: number;
  /** The float32 margin before any tree. */
  readonly baseMargin: number;
  readonly featureNames: readonly string[];
  // Typed copies of the blobs for the traversal loop; toJSON writes them back as Float64Arrays.
  private readonly roots: Int32Array;
  private readonly outputs: Int32Array;
  private readonly weights: Float64Array;
  private readonly features: Int32Array;
  private readonly values: Float64Array;
  private readonly children: Int32Array;
  private readonly defaultLeft: Uint8Array;
  private readonly catStarts: Int32Array;
  private readonly catEnds: Int32Array;
  private readonly categories: Float64Array;

  private constructor(state: XgboostState) {
    const { json, blobs } = state;
    this.objective = json.objective;
    this.numFeatures = json.numFeatures;
    this.numOutputs = json.numOutputs;
    this.baseScore = json.baseScore;
    this.baseMargin = baseMarginOf(json.objective, json.baseScore);
    this.featureNames = Object.freeze([...json.featureNames]);
    this.roots = Int32Array.from(blobs.treeRoots);
    this.outputs = Int32Array.from(blobs.treeOutputs);
    this.weights = Float64Array.from(blobs.treeWeights);
    this.features = Int32Array.from(blobs.nodeFeatures);
    this.values = Float64Array.from(blobs.nodeValues);
    this.children = Int32Array.from(blobs.nodeChildren);
    this.defaultLeft = Uint8Array.from(blobs.nodeDefaultLeft);
    this.catStarts = Int32Array.from(blobs.nodeCategoryStarts);
    this.catEnds = Int32Array.from(blobs.nodeCategoryEnds);
    this.categories = Float64Array.from(blobs.categories);
  }

  /**
   * Reads a model from `save_model`'s JSON: the file's text, or the object `JSON.parse` made of it. The text may
   * hold XGBoost's bare NaN/Infinity tokens (a categorical split's threshold is NaN). Throws `SLP_INPUT_INVALID`
   * naming the JSON pointer of the first offending field: an unsupported objective or booster, a malformed array.
   */
  static fromJSON(model: unknown): XgboostModel {
    return new XgboostModel(readXgboostJson(typeof model === "string" ? parseModelText(model) : model));
  }

  /** Rebuilds a model from {@link toJSON}'s output; throws `SLP_INPUT_INVALID` when the state is inconsistent. */
  static fromState(state: XgboostState): XgboostModel {
    checkState(state);
    return new XgboostModel(state);
  }

  /** Plain JSON plus Float64Array blobs; `fromState` restores a model that predicts identically. */
  toJSON(): XgboostState {
    const blobs: XgboostBlobs = {
      treeRoots: Float64Array.from(this.roots),
      treeOutputs: Float64Array.from(this.outputs),
      treeWeights: Float64Array.from(this.weights),
      nodeFeatures: Float64Array.from(this.features),
      nodeValues: Float64Array.from(this.values),
      nodeChildren: Float64Array.from(this.children),
      nodeDefaultLeft: Float64Array.from(this.defaultLeft),
      nodeCategoryStarts: Float64Array.from(this.catStarts),
      nodeCategoryEnds: Float64Array.from(this.catEnds),
      categories: Float64Array.from(this.categories),
    };
    return {
      json: {
        family: "xgboost",
        version: 1,
        objective: this.objective,
        numFeatures: this.numFeatures,
        numOutputs: this.numOutputs,
        baseScore: this.baseScore,
        featureNames: [...this.featureNames],
      },
      blobs,
    };
  }

  /** XGBoost's num_class: the class count for multi:softprob, 2 for binary:logistic, 0 for regression. */
  get numClass(): number {
    if (this.objective === "multi:softprob") return this.numOutputs;
    return this.objective === "binary:logistic" ? 2 : 0;
  }

  get treeCount(): number {
    return this.roots.length;
  }

  /**
   * Margins (XGBoost's `output_margin=True`) of the rows of `X` (row-major, numFeatures columns, NaN = missing)
   * into `out` (rows × numOutputs, row-major), float32 values as XGBoost computes them. Every tree is used.
   */
  predictRaw(X: Matrix, out: Float64Array = new Float64Array(X.rows * this.numOutputs)): Float64Array {
    this.checkBatch(X, out);
    const { cols, data } = X;
    const k = this.numOutputs;
    const { roots, outputs, weights, features, values, children, defaultLeft, catStarts, catEnds, categories } = this;
    for (let r = 0; r < X.rows; r++) {
      const base = r * cols;
      const o = r * k;
      for (let c = 0; c < k; c++) out[o + c] = this.baseMargin;
      for (let t = 0; t < roots.length; t++) {
        let n = roots[t];
        let f = features[n];
        while (f >= 0) {
          const x = data[base + f];
          let right: boolean;
          if (Number.isNaN(x)) right = defaultLeft[n] === 0;
          else if (catStarts[n] < 0) right = !(Math.fround(x) < values[n]);
          else right = hasCategory(categories, catStarts[n], catEnds[n], Math.fround(x));
          n = children[n] + (right ? 1 : 0);
          f = features[n];
        }
        // float32 arithmetic, as XGBoost's float buffer: the float64 product or sum of two float32s rounded once to
        // float32 is the float32 operation's result (53 ≥ 2·24 + 2 bits, so the double rounding is harmless).
        const i = o + outputs[t];
        out[i] = Math.fround(out[i] + Math.fround(values[n] * weights[t]));
      }
    }
    return out;
  }

  /**
   * Predictions on the response scale into `out` (rows × numOutputs): probabilities of class 1 (binary:logistic) or
   * of each class (multi:softprob), exp(margin) for count:poisson, the margin for the regression objectives. The
   * link functions run in float64 on the float32 margins.
   */
  predict(X: Matrix, out: Float64Array = new Float64Array(X.rows * this.numOutputs)): Float64Array {
    this.predictRaw(X, out);
    if (this.objective === "binary:logistic") {
      for (let i = 0; i < out.length; i++) out[i] = sigmoid(out[i]);
    } else if (this.objective === "count:poisson") {
      for (let i = 0; i < out.length; i++) out[i] = Math.exp(out[i]);
    } else if (this.objective === "multi:softprob") {
      const k = this.numOutputs;
      for (let o = 0; o < out.length; o += k) softmaxInPlace(out, o, k);
    }
    return out;
  }

  private checkBatch(X: Matrix, out: Float64Array): void {
    const details: ErrorDetail[] = [];
    if (X.cols !== this.numFeatures)
      details.push({ field: "X", reason: `expected ${this.numFeatures} columns, got ${X.cols}` });
    if (X.data.length !== X.rows * X.cols)
      details.push({ field: "X", reason: `data holds ${X.data.length} values for ${X.rows} × ${X.cols}` });
    if (out.length !== X.rows * this.numOutputs)
      details.push({ field: "out", reason: `expected ${X.rows * this.numOutputs} values, got ${out.length}` });
    if (details.length > 0) throw invalidInput("XGBoost prediction input has the wrong shape", details);
  }
}

/** Whether float32 value `v` is a listed category (XGBoost truncates it to an integer code; negatives never are). */
function hasCategory(categories: Float64Array, start: number, end: number, v: number): boolean {
  if (!(v >= 0)) return false;
  const code = Math.trunc(v);
  let lo = start;
  let hi = end;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (categories[mid] < code) lo = mid + 1;
    else hi = mid;
  }
  return lo < end && categories[lo] === code;
}

function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** softmax over out[o .. o+k), shifted by the maximum so exp cannot overflow. */
function softmaxInPlace(out: Float64Array, o: number, k: number): void {
  let max = -Infinity;
  for (let c = 0; c < k; c++) if (out[o + c] > max) max = out[o + c];
  let sum = 0;
  for (let c = 0; c < k; c++) {
    out[o + c] = Math.exp(out[o + c] - max);
    sum += out[o + c];
  }
  for (let c = 0; c < k; c++) out[o + c] /= sum;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading XGBoost's JSON. Every failure names the JSON pointer (RFC 6901) of the field.
