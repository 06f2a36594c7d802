/**
 * The finite-sample conformal quantile (Vovk, Gammerman & Shafer, Algorithmic Learning in a Random World, 2005;
 * Lei et al., "Distribution-Free Predictive Inference for Regression", JASA 2018, Theorem 2.2). With n calibration
 * scores exchangeable with a test score S, P(S ≤ s₍ₖ₎) ≥ k/(n + 1) for the k-th smallest s₍ₖ₎, so the rank
 * k = ⌈(n + 1)·level⌉ gives coverage ≥ level; when k > n no finite score suffices and the quantile is +∞.
 */

/**
 * ⌈(n + 1)·level⌉, the 1-based rank of the calibration score that bounds a `level` interval (may exceed n).
 * The product is rounded to double precision first, so (20 · 0.9) might land a hair above 18; a relative slack
 * of 1e-10 keeps such products on their intended integer (it could only lower a rank whose exact value is
 * within 1e-10 above an integer).
 */
export function conformalRank(n: number, level: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`calibration size must be a non-negative integer, got ${n}`);
  checkLevel(level);
  const t = (n + 1) * level;
  return Math.max(1, Math.ceil(t - 1e-10 * Math.max(1, t)));
}

/** The conformal quantile of ascending `sortedScores` at `level`: the {@link conformalRank}-th smallest, or +∞. */
export function conformalQuantile(sortedScores: Float64Array, level: number): number {
  const k = conformalRank(sortedScores.length, level);
  return k > sortedScores.length ? Number.POSITIVE_INFINITY : sortedScores[k - 1];
}

export function checkLevel(level: number): void {
  if (!(level > 0 && level < 1)) throw new RangeError(`interval level ${level} is not in (0, 1)`);
}

/** The first reason `values` is not an ascending list of finite scores, or null when it is. */
export function checkSortedScores(values: Float64Array): string | null {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) return `score ${i} is not finite`;
    if (i > 0 && !(values[i] >= values[i - 1])) return `scores are not ascending at ${i}`;
  }
  return null;
}
