/**
 * The best split of a node from its histogram, after scikit-learn's `splitting.pyx` with XGBoost's objective
 * (Chen & Guestrin 2016, eq. 7, with L1 as in XGBoost's `CalcGain`):
 *
 *   gain = ½ [ T(G_L)²/(H_L + λ) + T(G_R)²/(H_R + λ) − T(G)²/(H + λ) ] − γ,   T(G) = sign(G)·max(|G| − α, 0),
 *
 * subject to H_L, H_R ≥ minChildWeight and at least `minSamplesLeaf` rows per side. Numeric features try every
 * bin threshold twice, with the node's missing values sent left and then right, and keep the better direction
 * (XGBoost's "sparsity-aware" default direction).
 *
 * Categorical features are split into two sets of categories. Sorting the categories by G/(H + s) and cutting the
 * sorted list is the optimal partition for a convex loss in one Newton step (Fisher 1958; the LightGBM and
 * scikit-learn method), so K categories cost K − 1 candidates instead of 2^(K−1) − 1 subsets, and one such split
 * separates a set that no single threshold on the codes can (e.g. {0, 2} vs {1, 3}).
 */
import { HIST_STRIDE, type HistogramLayout } from "./histogram.js";

/** Values per histogram slot, under a name of this module: the helper thread runs these functions' source. */
const STRIDE = HIST_STRIDE;

/** The regularisation a split must respect. */
export interface SplitParams {
  /** L2 on leaf weights (λ). */
  readonly lambda: number;
  /** L1 on leaf weights (α). */
  readonly alpha: number;
  /** Minimum gain (γ, XGBoost's min_split_loss). */
  readonly gamma: number;
  /** Minimum hessian sum per child. */
  readonly minChildWeight: number;
  /** Minimum rows per child. */
  readonly minSamplesLeaf: number;
}

/**
 * A category takes part in the sorted scan only with at least this many rows, and its ratio G/(H + s) uses the
 * same number as smoothing s: rare categories would otherwise get extreme ratios from noise (scikit-learn's
 * MIN_CAT_SUPPORT, LightGBM's cat_smooth).
 */
export const CATEGORY_SUPPORT = 10;
/** At most this many categories go to the left side (scikit-learn's and LightGBM's max_cat_threshold). */
export const MAX_CATEGORIES_LEFT = 32;
/** Words of a categorical split's bin bitset: 256 bits cover every code, the missing one included. */
export const CATEGORY_BITSET_WORDS = 8;

/** T(G) of the gain formula: G soft-thresholded by α. */
export function thresholdL1(G: number, alpha: number): number {
  if (G > alpha) return G - alpha;
  if (G < -alpha) return G + alpha;
  return 0;
}

/** T(G)²/(H + λ), the (doubled) loss reduction of a leaf; 0 when H + λ ≤ 0. */
export function leafScore(G: number, H: number, lambda: number, alpha: number): number {
  const d = H + lambda;
  if (!(d > 0)) return 0;
  const t = alpha === 0 ? G : thresholdL1(G, alpha);
  return (t * t) / d;
}

/** The Newton leaf weight −T(G)/(H + λ); 0 when H + λ ≤ 0. */
export function leafWeight(G: number, H: number, lambda: number, alpha: number): number {
  const d = H + lambda;
  if (!(d > 0)) return 0;
  return -thresholdL1(G, alpha) / d;
}

/** A candidate split and the sums of both children. Mutable, so the search allocates nothing. */
export class SplitInfo {
  gain = 0;
  /** −1 when no valid split was found. */
  feature = -1;
  /** Numeric splits: rows with code ≤ bin go left (the missing code goes by `defaultLeft`). */
  bin = 0;
  defaultLeft = false;
  isCategorical = false;
  /** Categorical splits: bit b set when bin b goes left (the missing bin included). */
  readonly catBits = new Uint32Array(CATEGORY_BITSET_WORDS);
  leftGrad = 0;
  leftHess = 0;
  leftCount = 0;
  rightGrad = 0;
  rightHess = 0;
  rightCount = 0;

  reset(): void {
    this.gain = 0;
    this.feature = -1;
  }

  copyFrom(o: SplitInfo): void {
    this.gain = o.gain;
    this.feature = o.feature;
    this.bin = o.bin;
    this.defaultLeft = o.defaultLeft;
    this.isCategorical = o.isCategorical;
    this.catBits.set(o.catBits);
    this.leftGrad = o.leftGrad;
    this.leftHess = o.leftHess;
    this.leftCount = o.leftCount;
    this.rightGrad = o.rightGrad;
    this.rightHess = o.rightHess;
    this.rightCount = o.rightCount;
  }
}

/** Scratch for the categorical scan (at most 256 categories, the missing one included). */
export class SplitScratch {
  readonly bins = new Int32Array(256);
  readonly ratios = new Float64Array(256);
}

/** A node's totals. */
export interface NodeSums {
  grad: number;
  hess: number;
  count: number;
}

/**
 * Writes the best split of a node over `features` into `best` and returns whether one has positive gain.
 * `hist` must hold the node's histogram for those features.
 */
export function findBestSplit(
  hist: Float64Array,
  layout: HistogramLayout,
  features: Int32Array,
  isCategorical: Uint8Array,
  sums: NodeSums,
  params: SplitParams,
  best: SplitInfo,
  scratch: SplitScratch,
): boolean {
  best.reset();
  const parentScore = leafScore(sums.grad, sums.hess, params.lambda, params.alpha);
  for (let k = 0; k < features.length; k++) {
    const f = features[k];
    if (isCategorical[f] === 1) scanCategorical(hist, layout, f, sums, parentScore, params, best, scratch);
    else if (layout.binCount[f] >= 2) scanNumeric(hist, layout, f, sums, parentScore, params, best);
  }
  return best.feature >= 0;
}

/**
 * Gain of one candidate, or −∞ when a child breaks a constraint. The split must beat the rounding noise of the
 * scores (a relative 1e-14), so a node whose gradients carry no signal is not split on noise.
 */
function candidateGain(
  GL: number,
  HL: number,
  CL: number,
  GR: number,
  HR: number,
  CR: number,
  parentScore: number,
  params: SplitParams,
): number {
  if (CL < params.minSamplesLeaf || CR < params.minSamplesLeaf) return Number.NEGATIVE_INFINITY;
  if (HL < params.minChildWeight || HR < params.minChildWeight) return Number.NEGATIVE_INFINITY;
  const sL = leafScore(GL, HL, params.lambda, params.alpha);
  const sR = leafScore(GR, HR, params.lambda, params.alpha);
  const raw = sL + sR - parentScore;
  if (!(raw > 1e-14 * (sL + sR + parentScore))) return Number.NEGATIVE_INFINITY;
  return 0.5 * raw - params.gamma;
}

function scanNumeric(
  hist: Float64Array,
  layout: HistogramLayout,
  f: number,
  sums: NodeSums,
  parentScore: number,
  params: SplitParams,
  best: SplitInfo,
): void {
  const { lambda, alpha, minChildWeight, minSamplesLeaf } = params;
  const nb = layout.binCount[f];
  const base = layout.offsets[f] * STRIDE;
  const ms = base + nb * STRIDE;
  const gm = hist[ms];
  const hm = hist[ms + 1];
  const cm = hist[ms + 2];
  const G = sums.grad;
  const H = sums.hess;
  const C = sums.count;
  // A candidate beats the best so far when sL + sR exceeds this (the gain formula solved for sL + sR); the full
  // check (candidateGain) runs only then, which keeps the per-bin work to the two scores.
  let bar = 2 * (best.gain + params.gamma) + parentScore;
  let gl = 0;
  let hl = 0;
  let cl = 0;
  // b = nb − 1 puts every non-missing row left: a split only when there are missing rows to send right.
  const lastBin = cm > 0 ? nb - 1 : nb - 2;
  for (let b = 0; b <= lastBin; b++) {
    const s = base + b * STRIDE;
    const c = hist[s + 2];
    if (c === 0) continue;
    gl += hist[s];
    hl += hist[s + 1];
    cl += c;
    // The right side only shrinks from here (missing rows right is its largest form).
    if (H - hl < minChildWeight || C - cl < minSamplesLeaf) break;
    if (hl >= minChildWeight && cl >= minSamplesLeaf) {
      // Missing values right.
      if (beats(gl, hl, G - gl, H - hl, lambda, alpha, bar)) {
        const gain = candidateGain(gl, hl, cl, G - gl, H - hl, C - cl, parentScore, params);
        if (gain > best.gain) {
          // With no missing rows here, NaN at prediction follows the larger child (scikit-learn's rule).
          setNumeric(best, f, b, cm > 0 ? false : cl >= C - cl, gain, gl, hl, cl, G, H, C);
          bar = 2 * (gain + params.gamma) + parentScore;
        }
      }
    }
    if (cm > 0 && b < nb - 1) {
      // Missing values left.
      const gl2 = gl + gm;
      const hl2 = hl + hm;
      if (beats(gl2, hl2, G - gl2, H - hl2, lambda, alpha, bar)) {
        const cl2 = cl + cm;
        const gain = candidateGain(gl2, hl2, cl2, G - gl2, H - hl2, C - cl2, parentScore, params);
        if (gain > best.gain) {
          setNumeric(best, f, b, true, gain, gl2, hl2, cl2, G, H, C);
          bar = 2 * (gain + params.gamma) + parentScore;
        }
      }
    }
  }
}

/**
 * Whether T(gl)²/(hl + λ) + T(gr)²/(hr + λ) may exceed `bar`: a cheap pre-test before the exact one
 * (candidateGain). Without L1, and with both denominators positive, it is the division-free
 * gl²(hr + λ) + gr²(hl + λ) > bar·(hl + λ)(hr + λ). It errs on the side of yes (a relative 1e-9 of slack), so
 * the rounding of the two forms never hides a split the exact test would keep.
 */
function beats(gl: number, hl: number, gr: number, hr: number, lambda: number, alpha: number, bar: number): boolean {
  const dl = hl + lambda;
  const dr = hr + lambda;
  const slack = 1 - 1e-9;
  if (alpha === 0 && dl > 0 && dr > 0) return gl * gl * dr + gr * gr * dl > bar * slack * dl * dr;
  return leafScore(gl, hl, lambda, alpha) + leafScore(gr, hr, lambda, alpha) > bar * slack;
}

function setNumeric(
  best: SplitInfo,
  f: number,
  b: number,
  defaultLeft: boolean,
  gain: number,
  gl: number,
  hl: number,
  cl: number,
  G: number,
  H: number,
  C: number,
): void {
  best.gain = gain;
  best.feature = f;
  best.bin = b;
  best.defaultLeft = defaultLeft;
  best.isCategorical = false;
  best.leftGrad = gl;
  best.leftHess = hl;
  best.leftCount = cl;
  best.rightGrad = G - gl;
  best.rightHess = H - hl;
  best.rightCount = C - cl;
}

function scanCategorical(
  hist: Float64Array,
  layout: HistogramLayout,
  f: number,
  sums: NodeSums,
  parentScore: number,
  params: SplitParams,
  best: SplitInfo,
  scratch: SplitScratch,
): void {
  const nb = layout.binCount[f];
  const base = layout.offsets[f] * STRIDE;
  const { bins, ratios } = scratch;
  // Candidates: categories with enough support; the missing bin (code nb) is one more category.
  let m = 0;
  for (let b = 0; b <= nb; b++) {
    const s = base + b * STRIDE;
    if (hist[s + 2] < CATEGORY_SUPPORT) continue;
    const ratio = hist[s] / (hist[s + 1] + CATEGORY_SUPPORT);
    // Insertion into the sorted prefix (m ≤ 256; categorical features only).
    let j = m++;
    while (j > 0 && ratios[j - 1] > ratio) {
      ratios[j] = ratios[j - 1];
      bins[j] = bins[j - 1];
      j--;
    }
    ratios[j] = ratio;
    bins[j] = b;
  }
  if (m < 2) return;
  const G = sums.grad;
  const H = sums.hess;
  const C = sums.count;
  const maxLeft = Math.min(MAX_CATEGORIES_LEFT, (m + 1) >> 1);
  // Scan from both ends of the sorted list: the rows outside the candidates always stay right, so the two
  // directions give different partitions.
  for (let direction = 0; direction < 2; direction++) {
    let gl = 0;
    let hl = 0;
    let cl = 0;
    for (let i = 0; i < maxLeft; i++) {
      const s = base + bins[direction === 0 ? i : m - 1 - i] * STRIDE;
      gl += hist[s];
      hl += hist[s + 1];
      cl += hist[s + 2];
      const gain = candidateGain(gl, hl, cl, G - gl, H - hl, C - cl, parentScore, params);
      if (gain > best.gain) {
        best.gain = gain;
        best.feature = f;
        best.bin = 0;
        best.isCategorical = true;
        best.catBits.fill(0);
        for (let t = 0; t <= i; t++) {
          const b = bins[direction === 0 ? t : m - 1 - t];
          best.catBits[b >>> 5] |= 1 << (b & 31);
        }
        best.defaultLeft = (best.catBits[nb >>> 5] & (1 << (nb & 31))) !== 0;
        best.leftGrad = gl;
        best.leftHess = hl;
        best.leftCount = cl;
        best.rightGrad = G - gl;
        best.rightHess = H - hl;
        best.rightCount = C - cl;
      }
    }
  }
}

/**
 * Source text of the split search, for the helper thread of `tree-kernels.ts` (started from a string, so it runs
 * the very same code as this thread).
 */
export function splitterKernelSource(): string {
  return [
    `const STRIDE = ${HIST_STRIDE};`,
    `const CATEGORY_SUPPORT = ${CATEGORY_SUPPORT};`,
    `const MAX_CATEGORIES_LEFT = ${MAX_CATEGORIES_LEFT};`,
    `const CATEGORY_BITSET_WORDS = ${CATEGORY_BITSET_WORDS};`,
    thresholdL1.toString(),
    leafScore.toString(),
    SplitInfo.toString(),
    SplitScratch.toString(),
    findBestSplit.toString(),
    candidateGain.toString(),
    scanNumeric.toString(),
    beats.toString(),
    setNumeric.toString(),
    scanCategorical.toString(),
  ].join("\n");
}
