/**
 * The dense row-major design matrix the linear models take, and the small Cholesky kit they need to solve
 * normal equations (Golub & Van Loan, Matrix Computations, 4th ed., Algorithm 4.2.1). Kept local to ml/linear so
 * the linear models do not depend on the general linalg module.
 */

/** A dense row-major matrix: entry (i, j) is `data[i * cols + j]`. */
export interface FeatureMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** Throws when `X` is malformed or, given `targetLength`, does not have one row per target. */
export function checkDesign(X: FeatureMatrix, targetLength?: number): void {
  if (!Number.isInteger(X.rows) || !Number.isInteger(X.cols) || X.rows < 0 || X.cols < 0)
    throw new RangeError(`matrix shape ${X.rows}×${X.cols} is not a pair of non-negative integers`);
  if (X.data.length !== X.rows * X.cols)
    throw new RangeError(`matrix data has ${X.data.length} entries, expected ${X.rows}×${X.cols}`);
  if (targetLength !== undefined && targetLength !== X.rows)
    throw new RangeError(`matrix has ${X.rows} rows but the target has ${targetLength}`);
}

/** Column means of X (length `X.cols`). */
export function columnMeans(X: FeatureMatrix): Float64Array {
  const { rows, cols, data } = X;
  const means = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    for (let j = 0; j < cols; j++) means[j] += data[base + j];
  }
  if (rows > 0) for (let j = 0; j < cols; j++) means[j] /= rows;
  return means;
}

/**
 * The centred Gram matrix G = (X − 1x̄ᵀ)ᵀ(X − 1x̄ᵀ) (p × p, symmetric, both triangles filled) and the centred
 * cross-product Xcᵀ(y − ȳ). Centring first keeps the intercept out of the system and G well scaled.
 */
export function centredCrossProducts(
  X: FeatureMatrix,
  y: Float64Array,
  means: Float64Array,
  yMean: number,
): { gram: Float64Array; xty: Float64Array } {
  const { rows, cols, data } = X;
  const gram = new Float64Array(cols * cols);
  const xty = new Float64Array(cols);
  const row = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    for (let j = 0; j < cols; j++) row[j] = data[base + j] - means[j];
    const r = y[i] - yMean;
    for (let j = 0; j < cols; j++) {
      const v = row[j];
      xty[j] += v * r;
      const gBase = j * cols;
      for (let k = 0; k <= j; k++) gram[gBase + k] += v * row[k];
    }
  }
  for (let j = 0; j < cols; j++) for (let k = 0; k < j; k++) gram[k * cols + j] = gram[j * cols + k];
  return { gram, xty };
}

/**
 * In-place Cholesky A = LLᵀ of a symmetric positive-definite n × n matrix (row-major); on return the lower
 * triangle holds L and the strict upper triangle is zeroed. Returns false when a pivot is not positive.
 */
export function choleskyInPlace(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const jBase = j * n;
    let diag = a[jBase + j];
    for (let k = 0; k < j; k++) diag -= a[jBase + k] * a[jBase + k];
    if (!(diag > 0)) return false;
    const ljj = Math.sqrt(diag);
    a[jBase + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const iBase = i * n;
      let s = a[iBase + j];
      for (let k = 0; k < j; k++) s -= a[iBase + k] * a[jBase + k];
      a[iBase + j] = s / ljj;
    }
    for (let k = j + 1; k < n; k++) a[jBase + k] = 0;
  }
  return true;
}

/** Solves L z = b in place (forward substitution), L lower-triangular n × n row-major. */
export function solveLower(L: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const base = i * n;
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[base + k] * b[k];
    b[i] = s / L[base + i];
  }
}

/** Solves Lᵀ x = z in place (back substitution) with the same lower-triangular L. */
export function solveLowerTransposed(L: Float64Array, n: number, b: Float64Array): void {
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * b[k];
    b[i] = s / L[i * n + i];
  }
}
