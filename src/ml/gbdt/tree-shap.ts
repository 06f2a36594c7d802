/**
 * Exact TreeSHAP (Lundberg, Erion & Lee 2018, "Consistent individualized feature attribution for tree
 * ensembles", Algorithm 2): Shapley values of the path-dependent conditional expectation
 *
 *   v(S) = E[f(x) | x_S], where a split on a feature outside S sends the row down both children, weighted by
 *   their share of the training cover (here the hessian sums recorded while growing, as XGBoost does),
 *
 * in O(L·D²) per tree and row instead of O(2^M). The path of unique features from the root is kept with, per
 * element, the fraction of "zero" paths (feature absent: cover ratio) and "one" paths (feature present: 1 when x
 * takes that branch) and the permutation weights; EXTEND adds a feature, UNWIND removes one, and at a leaf each
 * feature's weight sum (the path unwound by that feature) times (one − zero) times the leaf value is its share.
 * By Shapley efficiency the values of a row sum to f(x) − v(∅), and v(∅) (the expected value) is computed below
 * with the same cover ratios, so the identity holds to rounding.
 */
import type { GbdtMatrix } from "./bin-mapper.js";
import { childOf } from "./predictor.js";
import type { TreeEnsemble } from "./tree-ensemble.js";

/** SHAP values of a batch: one contribution per row, output and feature, and the expected value per output. */
export interface TreeShapResult {
  readonly rows: number;
  readonly outputs: number;
  readonly cols: number;
  /** Contribution of feature f to output k of row r at `values[(r * outputs + k) * cols + f]`. */
  readonly values: Float64Array;
  /** v(∅) per output, the baseline included: Σ_f values + expectedValue = raw prediction. */
  readonly expectedValue: Float64Array;
}

/** Share of the parent's cover in `child`; by rows when the parent's hessian sum is not positive. */
function coverFraction(ens: TreeEnsemble, child: number, parent: number): number {
  const c = ens.cover[parent];
  return c > 0 ? ens.cover[child] / c : ens.count[parent] > 0 ? ens.count[child] / ens.count[parent] : 0.5;
}

/** v(∅) of each tree: its leaf values averaged by the cover ratios along their paths. */
export function treeExpectedValues(ens: TreeEnsemble): Float64Array {
  const nodeValue = new Float64Array(ens.nodeCount);
  const out = new Float64Array(ens.treeCount);
  for (let t = 0; t < ens.treeCount; t++) {
    // Children follow their parent, so a backward pass sees them first.
    for (let i = ens.treeStart[t + 1] - 1; i >= ens.treeStart[t]; i--) {
      if (ens.feature[i] < 0) nodeValue[i] = ens.value[i];
      else {
        const l = ens.left[i];
        const r = ens.right[i];
        nodeValue[i] = coverFraction(ens, l, i) * nodeValue[l] + coverFraction(ens, r, i) * nodeValue[r];
      }
    }
    out[t] = nodeValue[ens.treeStart[t]];
  }
  return out;
}

/** Path storage for one row's recursion, sized for the deepest tree. */
class ShapPath {
  readonly feature: Int32Array;
  readonly zero: Float64Array;
  readonly one: Float64Array;
  readonly weight: Float64Array;

  constructor(maxDepth: number) {
    const size = ((maxDepth + 2) * (maxDepth + 3)) / 2;
    this.feature = new Int32Array(size);
    this.zero = new Float64Array(size);
    this.one = new Float64Array(size);
    this.weight = new Float64Array(size);
  }

  /** EXTEND: appends (feature, zero, one) as element `last` of the segment at `off`. */
  extend(off: number, last: number, zero: number, one: number, feature: number): void {
    const w = this.weight;
    this.feature[off + last] = feature;
    this.zero[off + last] = zero;
    this.one[off + last] = one;
    w[off + last] = last === 0 ? 1 : 0;
    for (let i = last - 1; i >= 0; i--) {
      w[off + i + 1] += (one * w[off + i] * (i + 1)) / (last + 1);
      w[off + i] = (zero * w[off + i] * (last - i)) / (last + 1);
    }
  }

  /** UNWIND: removes element `k` of the segment at `off` whose last index is `last`. */
  unwind(off: number, last: number, k: number): void {
    const w = this.weight;
    const one = this.one[off + k];
    const zero = this.zero[off + k];
    let next = w[off + last];
    for (let i = last - 1; i >= 0; i--) {
      if (one !== 0) {
        const t = w[off + i];
        w[off + i] = (next * (last + 1)) / ((i + 1) * one);
        next = t - (w[off + i] * zero * (last - i)) / (last + 1);
      } else {
        w[off + i] = (w[off + i] * (last + 1)) / (zero * (last - i));
      }
    }
    for (let i = k; i < last; i++) {
      this.feature[off + i] = this.feature[off + i + 1];
      this.zero[off + i] = this.zero[off + i + 1];
      this.one[off + i] = this.one[off + i + 1];
    }
  }

  /** The total weight the path would have after UNWIND of element `k`, without changing it. */
  unwoundSum(off: number, last: number, k: number): number {
    const w = this.weight;
    const one = this.one[off + k];
    const zero = this.zero[off + k];
    let next = w[off + last];
    let total = 0;
    for (let i = last - 1; i >= 0; i--) {
      if (one !== 0) {
        const t = (next * (last + 1)) / ((i + 1) * one);
        total += t;
        next = w[off + i] - (t * zero * (last - i)) / (last + 1);
      } else {
        total += (w[off + i] * (last + 1)) / (zero * (last - i));
      }
    }
    return total;
  }

  copy(from: number, to: number, length: number): void {
    this.feature.copyWithin(to, from, from + length);
    this.zero.copyWithin(to, from, from + length);
    this.one.copyWithin(to, from, from + length);
    this.weight.copyWithin(to, from, from + length);
  }
}

/**
 * Explains rows tree by tree, reusing one path buffer sized for the deepest tree, so a row costs no allocation.
 */
export class TreeShapExplainer {
  private readonly path: ShapPath;
  private data: Float64Array = new Float64Array(0);
  private base = 0;
  private phi: Float64Array = new Float64Array(0);
  private phiBase = 0;

  constructor(private readonly ens: TreeEnsemble) {
    this.path = new ShapPath(ens.maxDepth());
  }

  /** Adds tree `t`'s SHAP values for the row `data[base … base + cols)` to `phi[phiBase + f]`. */
  addTree(t: number, data: Float64Array, base: number, phi: Float64Array, phiBase: number): void {
    this.data = data;
    this.base = base;
    this.phi = phi;
    this.phiBase = phiBase;
    // The root's parent segment is empty; the first element (feature −1) carries weight 1.
    this.recurse(this.ens.treeStart[t], 0, 0, 1, 1, -1);
  }

  private recurse(node: number, parentOff: number, parentLength: number, zero: number, one: number, feature: number) {
    const { ens, path } = this;
    const off = parentOff + parentLength;
    path.copy(parentOff, off, parentLength);
    path.extend(off, parentLength, zero, one, feature);
    let length = parentLength + 1;
    const f = ens.feature[node];
    if (f < 0) {
      const v = ens.value[node];
      const last = length - 1;
      for (let i = 1; i <= last; i++) {
        const w = path.unwoundSum(off, last, i);
        this.phi[this.phiBase + path.feature[off + i]] += w * (path.one[off + i] - path.zero[off + i]) * v;
      }
      return;
    }
    const hot = childOf(ens, node, this.data[this.base + f]);
    const cold = hot === ens.left[node] ? ens.right[node] : ens.left[node];
    let incomingZero = 1;
    let incomingOne = 1;
    // A feature already on the path is taken off and re-added with both fractions combined.
    for (let k = 1; k < length; k++) {
      if (path.feature[off + k] === f) {
        incomingZero = path.zero[off + k];
        incomingOne = path.one[off + k];
        path.unwind(off, length - 1, k);
        length--;
        break;
      }
    }
    this.recurse(hot, off, length, coverFraction(ens, hot, node) * incomingZero, incomingOne, f);
    const coldZero = coverFraction(ens, cold, node) * incomingZero;
    // A cold child without cover contributes nothing (and its zero fraction would divide by 0 when unwound).
    if (coldZero > 0) this.recurse(cold, off, length, coldZero, 0, f);
  }
}

/**
 * SHAP values of every row of `X` for the model `baseline` + Σ trees: `values` sum with `expectedValue` to the raw
 * scores (per output; with K outputs, tree t explains output t mod K).
 */
export function treeShap(ens: TreeEnsemble, baseline: Float64Array, X: GbdtMatrix): TreeShapResult {
  const { rows, cols, data } = X;
  const K = ens.outputs;
  const values = new Float64Array(rows * K * cols);
  const expectedValue = Float64Array.from(baseline);
  const perTree = treeExpectedValues(ens);
  for (let t = 0; t < ens.treeCount; t++) expectedValue[t % K] += perTree[t];
  const explainer = new TreeShapExplainer(ens);
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < ens.treeCount; t++) explainer.addTree(t, data, r * cols, values, (r * K + (t % K)) * cols);
  }
  return { rows, outputs: K, cols, values, expectedValue };
}
