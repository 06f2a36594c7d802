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

/** The given rows of `X`, in that order, as a new matrix (the folds of a cross-validation). */
export function takeRows(X: FeatureMatrix, rows: Int32Array): FeatureMatrix {
  const p = X.cols;
  const data = new Float64Array(rows.length * p);
  rows.forEach((i, r) => {
    data.set(X.data.subarray(i * p, (i + 1) * p), r * p);
  });
  return { rows: rows.length, cols: p, data };
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

/** True when every entry is a finite number. */
export function isAllFinite(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}
