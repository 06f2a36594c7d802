import type { GbdtMatrix } from "../../../src/ml/gbdt/index.js";
import { Rng } from "../../../src/ml/random.js";

/** A row-major matrix from row literals (NaN for missing). */
export function matrix(rows: number[][]): GbdtMatrix {
  const cols = rows[0].length;
  const data = new Float64Array(rows.length * cols);
  rows.forEach((r, i) => {
    data.set(r, i * cols);
  });
  return { rows: rows.length, cols, data };
}

/** Rows `start … end` of `X` (a view). */
export function rowsOf(X: GbdtMatrix, start: number, end: number): GbdtMatrix {
  return { rows: end - start, cols: X.cols, data: X.data.subarray(start * X.cols, end * X.cols) };
}

/**
 * Friedman #1 (Friedman 1991; scikit-learn's `make_friedman1`): 10 uniform features, of which the first five
 * matter, y = 10 sin(π x1 x2) + 20 (x3 − 0.5)² + 10 x4 + 5 x5 + noise·N(0, 1).
 */
export function friedman1(n: number, noise: number, seed: number): { X: GbdtMatrix; y: Float64Array } {
  const rng = new Rng(seed);
  const cols = 10;
  const data = new Float64Array(n * cols);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < cols; j++) data[i * cols + j] = rng.next();
    const x = data.subarray(i * cols, (i + 1) * cols);
    y[i] = 10 * Math.sin(Math.PI * x[0] * x[1]) + 20 * (x[2] - 0.5) ** 2 + 10 * x[3] + 5 * x[4] + noise * rng.normal();
  }
  return { X: { rows: n, cols, data }, y };
}

/**
 * K-class data: 5 features, class scores linear in the first three plus an interaction, label drawn from the
 * softmax of the scores (so the Bayes error is well above 0 and a model can only approach it).
 */
export function classification(n: number, K: number, seed: number): { X: GbdtMatrix; y: Float64Array } {
  const rng = new Rng(seed);
  const cols = 5;
  const data = new Float64Array(n * cols);
  const y = new Float64Array(n);
  const scores = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < cols; j++) data[i * cols + j] = rng.normal();
    const x = data.subarray(i * cols, (i + 1) * cols);
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < K; k++) {
      scores[k] = 1.5 * Math.sin(x[0] + k) + (k % 2 === 0 ? 1 : -1) * x[1] * x[2] + 0.5 * k * x[2];
      max = Math.max(max, scores[k]);
    }
    let sum = 0;
    for (let k = 0; k < K; k++) sum += Math.exp(scores[k] - max);
    let u = rng.next() * sum;
    let label = K - 1;
    for (let k = 0; k < K; k++) {
      u -= Math.exp(scores[k] - max);
      if (u <= 0) {
        label = k;
        break;
      }
    }
    y[i] = label;
  }
  return { X: { rows: n, cols, data }, y };
}

/** Sets a seeded share of the entries of columns `cols` to NaN. */
export function withMissing(X: GbdtMatrix, columns: number[], share: number, seed: number): GbdtMatrix {
  const rng = new Rng(seed);
  const data = X.data.slice();
  for (let i = 0; i < X.rows; i++) for (const c of columns) if (rng.next() < share) data[i * X.cols + c] = Number.NaN;
  return { rows: X.rows, cols: X.cols, data };
}

/** Mean log loss of probabilities (rows × K, or P(y = 1) when K = 1) against labels. */
export function logLoss(p: Float64Array, y: Float64Array, K: number): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const q = K === 1 ? (y[i] === 1 ? p[i] : 1 - p[i]) : p[i * K + y[i]];
    s -= Math.log(Math.max(q, 1e-15));
  }
  return s / y.length;
}

export function rmse(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s / a.length);
}
