import { createMatrix, type Matrix } from "../../linalg/matrix.js";
import { checkSameFeatures } from "./kernel.js";

/**
 * Squared Euclidean distances ‖x_i − y_j‖² between the rows of X (n × d) and Y (m × d), as an n × m matrix that
 * stationary kernels then transform in place. With Y absent each pair is computed once and mirrored, so K(X) is
 * exactly symmetric with a zero-distance diagonal (as scikit-learn's pdist + squareform).
 */
export function squaredDistances(X: Matrix, Y?: Matrix): Matrix {
  const d = X.cols;
  const x = X.data;
  if (Y === undefined) {
    const n = X.rows;
    const out = createMatrix(n, n);
    const o = out.data;
    for (let i = 0; i < n; i++) {
      const xi = i * d;
      for (let j = 0; j < i; j++) {
        const xj = j * d;
        let s = 0;
        for (let k = 0; k < d; k++) {
          const diff = x[xi + k] - x[xj + k];
          s += diff * diff;
        }
        o[i * n + j] = s;
        o[j * n + i] = s;
      }
    }
    return out;
  }
  checkSameFeatures(X, Y);
  const n = X.rows;
  const m = Y.rows;
  const y = Y.data;
  const out = createMatrix(n, m);
  const o = out.data;
  for (let i = 0; i < n; i++) {
    const xi = i * d;
    for (let j = 0; j < m; j++) {
      const yj = j * d;
      let s = 0;
      for (let k = 0; k < d; k++) {
        const diff = x[xi + k] - y[yj + k];
        s += diff * diff;
      }
      o[i * m + j] = s;
    }
  }
  return out;
}
