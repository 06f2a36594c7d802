import { checkDesign, type FeatureMatrix } from "./normal-equations.js";
import { type RidgeOptions, RidgeRegression } from "./ridge.js";

/** Options of {@link fitRidgeLeaveOneOut}: the ridge options less α, which is chosen. */
export interface RidgeLeaveOneOutOptions extends Omit<RidgeOptions, "alpha"> {
  /** The candidate penalties, each ≥ 0. Default {@link RIDGE_ALPHAS}. */
  alphas?: Float64Array;
}

export interface RidgeLeaveOneOutResult {
  /** The fit on every row at the chosen α. */
  model: RidgeRegression;
  alpha: number;
  alphas: Float64Array;
  /** Mean squared leave-one-out residual at each α. */
  meanSquaredError: Float64Array;
  /** The leave-one-out residuals y_i − ŷ₍₋ᵢ₎(x_i) at the chosen α. */
  residuals: Float64Array;
}

/** 10⁻³ … 10³, two values a decade: scikit-learn's `RidgeCV` grid as `np.logspace(-3, 3, 13)`. */
export const RIDGE_ALPHAS = Float64Array.from({ length: 13 }, (_, i) => 10 ** (-3 + i / 2));

/**
 * Chooses the ridge penalty by exact leave-one-out error, as scikit-learn's `RidgeCV` (efficient leave-one-out):
 * for each α one fit on all rows gives every leave-one-out residual e_i / (1 − h_ii) in closed form
 * ({@link RidgeRegression.leaveOneOutResiduals}), so the search costs one p × p factorisation per α, not n refits.
 * The α of least mean squared residual wins; on a tie, the earlier in `alphas` (the smaller one on the default
 * ascending grid, as `RidgeCV`'s argmin). With `standardise`, the penalty is on the standardised columns, whose
 * scales come from all n rows (the leave-one-out fits keep them, as `RidgeCV` after a `StandardScaler` does).
 */
export function fitRidgeLeaveOneOut(
  X: FeatureMatrix,
  y: Float64Array,
  options: RidgeLeaveOneOutOptions = {},
): RidgeLeaveOneOutResult {
  checkDesign(X, y.length);
  const alphas = options.alphas ?? RIDGE_ALPHAS;
  if (alphas.length === 0) throw new RangeError("at least one alpha is needed");
  const meanSquaredError = new Float64Array(alphas.length);
  let best: { model: RidgeRegression; residuals: Float64Array; index: number } | null = null;
  for (let a = 0; a < alphas.length; a++) {
    const model = RidgeRegression.fit(X, y, { ...options, alpha: alphas[a] });
    const residuals = model.leaveOneOutResiduals(X, y);
    let sum = 0;
    for (let i = 0; i < residuals.length; i++) sum += residuals[i] * residuals[i];
    meanSquaredError[a] = sum / Math.max(1, residuals.length);
    if (!best || meanSquaredError[a] < meanSquaredError[best.index]) best = { model, residuals, index: a };
  }
  const chosen = best as { model: RidgeRegression; residuals: Float64Array; index: number };
  return {
    model: chosen.model,
    alpha: alphas[chosen.index],
    alphas,
    meanSquaredError,
    residuals: chosen.residuals,
  };
}
