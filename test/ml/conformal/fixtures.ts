import type { FeatureMatrix } from "../../../src/ml/linear/normal-equations.js";
import type { Rng } from "../../../src/ml/random.js";

/** The standard normal quantile at 0.95, for the true conditional quantiles of the synthetic problem. */
export const Z95 = 1.6448536269514722;

/**
 * A heteroscedastic regression problem: x₁ ~ U(−2, 2), x₂ ~ N(0, 1), y = 1 + 2x₁ − x₂ + σ(x)·ε with
 * σ(x) = 0.3 + 0.5·|x₁| and ε ~ N(0, 1), so the noise is six times wider at the edges than in the middle.
 */
export function heteroscedastic(rng: Rng, n: number) {
  const X: FeatureMatrix = { rows: n, cols: 2, data: new Float64Array(2 * n) };
  const y = new Float64Array(n);
  const mean = new Float64Array(n);
  const sigma = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x1 = rng.uniform(-2, 2);
    const x2 = rng.normal();
    X.data[2 * i] = x1;
    X.data[2 * i + 1] = x2;
    mean[i] = 1 + 2 * x1 - x2;
    sigma[i] = 0.3 + 0.5 * Math.abs(x1);
    y[i] = mean[i] + sigma[i] * rng.normal();
  }
  return { X, y, mean, sigma };
}

/** Rows `rows` of X. */
export function takeRows(X: FeatureMatrix, rows: ArrayLike<number>): FeatureMatrix {
  const p = X.cols;
  const data = new Float64Array(rows.length * p);
  for (let r = 0; r < rows.length; r++) data.set(X.data.subarray(rows[r] * p, (rows[r] + 1) * p), r * p);
  return { rows: rows.length, cols: p, data };
}

/** Share of rows with lower ≤ y ≤ upper. */
export function coverage(y: Float64Array, lower: Float64Array, upper: Float64Array): number {
  let inside = 0;
  for (let i = 0; i < y.length; i++) if (y[i] >= lower[i] && y[i] <= upper[i]) inside++;
  return inside / y.length;
}

export function meanAndSd(values: number[]): { mean: number; sd: number } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1));
  return { mean, sd };
}
