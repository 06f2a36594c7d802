import type { Matrix } from "../../linalg/matrix.js";

/**
 * Squared Euclidean distances ‖x_i − y_j‖² from row i of X to rows 0 … count − 1 of Y (X when absent), into
 * out[outOffset + j]; stationary kernels then transform the row in place. K(X) uses j ≤ i and mirrors, so it is
 * exactly symmetric with a zero-distance diagonal (as scikit-learn's pdist + squareform).
 */
export function squaredDistanceRow(
  X: Matrix,
  i: number,
  Y: Matrix | undefined,
  count: number,
  out: Float64Array,
  outOffset: number,
): void {
  const d = X.cols;
  const x = X.data;
  const y = (Y ?? X).data;
  if (d === 1) {
    // One feature (a time axis): the common case, without the inner loop.
    const xi = x[i];
    for (let j = 0; j < count; j++) {
      const diff = xi - y[j];
      out[outOffset + j] = diff * diff;
    }
    return;
  }
  const xi = i * d;
  for (let j = 0; j < count; j++) {
    const yj = j * d;
    let s = 0;
    for (let k = 0; k < d; k++) {
      const diff = x[xi + k] - y[yj + k];
      s += diff * diff;
    }
    out[outOffset + j] = s;
  }
}
