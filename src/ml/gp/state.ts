import type { Matrix } from "../linalg/matrix.js";
import type { KernelJSON } from "./kernels/index.js";

/** Everything a fitted regressor needs to predict: JSON-able fields plus typed arrays, for a model bundle. */
export interface GaussianProcessState {
  kernel: KernelJSON;
  alpha: number | Float64Array;
  normalizeY: boolean;
  xTrain: Matrix;
  /** Training targets after normalisation. */
  yTrain: Float64Array;
  yMean: number;
  yStd: number;
  /** Weights (K + αI)⁻¹ y of the predictive mean. */
  dualCoef: Float64Array;
  /** Lower Cholesky factor of K + αI (+ jitter). */
  L: Matrix;
  jitter: number;
  logMarginalLikelihood: number;
}
