/**
 * Joint draws from a Gaussian N(mean, cov): f = mean + L z with L Lᵀ = cov + εI and z ~ N(0, I) (GPML §A.2). A
 * posterior covariance is positive semi-definite but often numerically singular (test points close to each other
 * or to noise-free training data), so the jitter ε climbs from 1e-10 to 1e-6 times the largest variance until the
 * factorisation succeeds.
 */
import { SlipwayError } from "../../core/index.js";
import { tryCholeskyWithJitter } from "../linalg/cholesky.js";
import type { Matrix } from "../linalg/matrix.js";
import type { Rng } from "../random.js";

/** `count` draws of length m = mean.length; z is drawn path by path, element by element, from `rng.normal()`. */
export function drawGaussianPaths(mean: Float64Array, cov: Matrix, count: number, rng: Rng): Float64Array[] {
  const m = mean.length;
  let scale = 0;
  for (let i = 0; i < m; i++) scale = Math.max(scale, cov.data[i * m + i]);
  // A zero covariance (e.g. prior of a zero kernel) still needs a positive jitter to factorise.
  if (!(scale > 0)) scale = 1;
  const factor = tryCholeskyWithJitter(cov, { initialJitter: 1e-10 * scale, maxJitter: 1e-6 * scale });
  if (factor === undefined) {
    throw new SlipwayError("SLP_TRAIN_FAILED", "posterior covariance is not positive semi-definite", [
      { field: "cov", reason: `no jitter up to ${1e-6 * scale} made it factorisable` },
    ]);
  }
  const L = factor.L.data;
  const z = new Float64Array(m);
  const paths: Float64Array[] = [];
  for (let s = 0; s < count; s++) {
    for (let i = 0; i < m; i++) z[i] = rng.normal();
    const path = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      const row = i * m;
      let v = mean[i];
      for (let j = 0; j <= i; j++) v += L[row + j] * z[j];
      path[i] = v;
    }
    paths.push(path);
  }
  return paths;
}
