// Finite-difference gradients for the nn tests. The stencil is the fourth-order central difference
//   f'(x) ≈ (f(x − 2h) − 8 f(x − h) + 8 f(x + h) − f(x + 2h)) / 12h,
// whose truncation error is O(h⁴): with h = 1e-3 and values of order 1, truncation (~1e-12) and rounding
// (~1e-16 / h = 1e-13) both stay far below the 1e-6 relative tolerance, so a failure means a wrong gradient.

/** ∂f/∂v[i] for every i, by perturbing `v` in place (restored afterwards). */
export function numericGradient(f: () => number, v: Float64Array, h = 1e-3): Float64Array {
  const g = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    const at = (d: number) => {
      v[i] = x + d;
      return f();
    };
    g[i] = (at(-2 * h) - 8 * at(-h) + 8 * at(h) - at(2 * h)) / (12 * h);
    v[i] = x;
  }
  return g;
}

/**
 * The largest per-component relative error |a − n| / max(|a|, |n|), where a component smaller than `floor` × the
 * largest |n| is measured against that floor instead (a gradient entry of 1e-12 next to entries of 1 carries no
 * relative information).
 */
export function maxRelativeError(analytic: Float64Array, numeric: Float64Array, floor = 1e-6): number {
  let scale = 0;
  for (const v of numeric) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < numeric.length; i++) {
    const denominator = Math.max(Math.abs(analytic[i]), Math.abs(numeric[i]), floor * scale, 1e-300);
    worst = Math.max(worst, Math.abs(analytic[i] - numeric[i]) / denominator);
  }
  return worst;
}

/** Uniform values in [lo, hi) from a seeded generator. */
export function uniformArray(
  rng: { uniform(lo: number, hi: number): number },
  n: number,
  lo = -1,
  hi = 1,
): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(lo, hi);
  return a;
}
