import { columnMeans, type FeatureMatrix } from "./normal-equations.js";

/**
 * The affine map z = (x − mean) / scale a linear estimator applies to its columns before fitting. Scales are the
 * population standard deviations (divisor n, as scikit-learn's StandardScaler); {@link centringOnly} keeps the
 * means and sets every scale to 1, which still removes the unpenalised intercept from the problem. A column
 * without spread keeps scale 1: its centred values are all 0, so its coefficient is 0 on both scales and its zero
 * standard deviation is never divided by.
 */
export interface FeatureScaling {
  readonly means: Float64Array;
  readonly scales: Float64Array;
}

/** Column means and population standard deviations of `X` (1 for a constant column). */
export function fitFeatureScaling(X: FeatureMatrix): FeatureScaling {
  const { rows, cols, data } = X;
  const means = columnMeans(X);
  const scales = new Float64Array(cols).fill(1);
  if (rows > 0) {
    const sumSquares = new Float64Array(cols);
    for (let i = 0; i < rows; i++) {
      const base = i * cols;
      for (let j = 0; j < cols; j++) {
        const d = data[base + j] - means[j];
        sumSquares[j] += d * d;
      }
    }
    for (let j = 0; j < cols; j++) {
      const sd = Math.sqrt(sumSquares[j] / rows);
      // Relative test: a column equal to a constant up to rounding counts as constant.
      scales[j] = sd > 0 && sd > 1e-13 * Math.abs(means[j]) ? sd : 1;
    }
  }
  return { means, scales };
}

/** The same means with unit scales: the scaling of an estimator that centres but does not standardise. */
export function centringOnly(scaling: FeatureScaling): FeatureScaling {
  return { means: scaling.means, scales: new Float64Array(scaling.means.length).fill(1) };
}

/** Z = (X − 1·meansᵀ) · diag(1/scales), a new row-major matrix of the same shape. */
export function scaleFeatures(X: FeatureMatrix, scaling: FeatureScaling): FeatureMatrix {
  const { rows, cols, data } = X;
  const out = new Float64Array(rows * cols);
  const { means, scales } = scaling;
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    for (let j = 0; j < cols; j++) out[base + j] = (data[base + j] - means[j]) / scales[j];
  }
  return { rows, cols, data: out };
}

/**
 * Coefficients on the original scale from those on the scaled one: ŷ = b + Σ v_j (x_j − m_j)/s_j, so
 * w_j = v_j / s_j and b = intercept − Σ m_j w_j, where `intercept` is the scaled model's (ȳ for least squares).
 */
export function unscaleCoefficients(
  scaled: Float64Array,
  scaledIntercept: number,
  scaling: FeatureScaling,
): { coefficients: Float64Array; intercept: number } {
  const coefficients = new Float64Array(scaled.length);
  let intercept = scaledIntercept;
  for (let j = 0; j < scaled.length; j++) {
    coefficients[j] = scaled[j] / scaling.scales[j];
    intercept -= scaling.means[j] * coefficients[j];
  }
  return { coefficients, intercept };
}
