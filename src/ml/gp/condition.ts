/**
 * Conditioning a fitted GP on extra observations without re-optimising θ: the training set grows from n to n + k
 * points and the Cholesky factor of K + αI is extended by k rows (`extendCholesky`, O(n²k)) rather than refactored
 * (O((n + k)³)). The prior is unchanged — same kernel and, with normalizeY, the same y mean and scale — so this is
 * exactly the posterior given all n + k points under the fitted model.
 */
import { invalidInput } from "../../core/index.js";
import { choleskySolve, choleskyWithJitter } from "../linalg/cholesky.js";
import { extendCholesky } from "../linalg/cholesky-extend.js";
import { addToDiagonal, createMatrix, type Matrix } from "../linalg/matrix.js";
import type { Kernel } from "./kernels/index.js";
import { logMarginalLikelihoodFromFactor } from "./log-marginal-likelihood.js";
import type { GaussianProcessState } from "./state.js";

/**
 * The state of the regressor conditioned on (Xnew, ynew) as well. `alphaNew` is the diagonal term for the new
 * points; it defaults to the fitted scalar alpha (a per-sample alpha needs explicit values for the new points).
 */
export function conditionState(
  state: GaussianProcessState,
  kernel: Kernel,
  Xnew: Matrix,
  ynew: Float64Array,
  alphaNew?: number | Float64Array,
): GaussianProcessState {
  const n = state.xTrain.rows;
  const k = Xnew.rows;
  const d = state.xTrain.cols;
  if (Xnew.cols !== d || ynew.length !== k) {
    throw invalidInput("new observations must match the training columns and each other", [
      { field: "Xnew", reason: `Xnew ${k} × ${Xnew.cols}, ynew ${ynew.length} values, training has ${d} columns` },
    ]);
  }
  for (let i = 0; i < k * d; i++) checkFinite(Xnew.data[i], "Xnew", i);
  for (let i = 0; i < k; i++) checkFinite(ynew[i], "ynew", i);
  const newAlpha = alphaNew ?? state.alpha;
  if (typeof newAlpha !== "number" && newAlpha.length !== k) {
    throw invalidInput("alpha for the new points must be a scalar or one value per new point", [
      { field: "alpha", reason: `expected ${k} values, got ${newAlpha.length}` },
    ]);
  }

  const m = n + k;
  const xTrain = createMatrix(m, d);
  xTrain.data.set(state.xTrain.data);
  xTrain.data.set(Xnew.data, n * d);
  const yTrain = new Float64Array(m);
  yTrain.set(state.yTrain);
  for (let i = 0; i < k; i++) yTrain[n + i] = (ynew[i] - state.yMean) / state.yStd;
  const alpha = mergeAlpha(state.alpha, newAlpha, n, k);

  // The new diagonal block carries the same jitter as the old factor, so L' factors one consistent matrix.
  const C = kernel.k(Xnew);
  addToDiagonal(C, newAlpha);
  addToDiagonal(C, state.jitter);
  let L = extendCholesky(state.L, kernel.k(state.xTrain, Xnew), C);
  let jitter = state.jitter;
  if (L === undefined) {
    // The Schur complement lost definiteness (e.g. a new point duplicating an old one without noise): refactor
    // the whole matrix with the jitter ladder instead.
    const K = kernel.k(xTrain);
    addToDiagonal(K, alpha);
    const factor = choleskyWithJitter(K);
    L = factor.L;
    jitter = factor.jitter;
  }
  const dualCoef = choleskySolve(L, yTrain);
  return {
    kernel: kernel.toJSON(),
    alpha,
    normalizeY: state.normalizeY,
    xTrain,
    yTrain,
    yMean: state.yMean,
    yStd: state.yStd,
    dualCoef,
    L,
    jitter,
    logMarginalLikelihood: logMarginalLikelihoodFromFactor(L, yTrain, dualCoef),
  };
}

/** The alpha of the combined training set: a scalar when both parts share it, else one value per point. */
function mergeAlpha(
  old: number | Float64Array,
  added: number | Float64Array,
  n: number,
  k: number,
): number | Float64Array {
  if (typeof old === "number" && typeof added === "number" && old === added) return old;
  const out = new Float64Array(n + k);
  if (typeof old === "number") out.fill(old, 0, n);
  else out.set(old);
  if (typeof added === "number") out.fill(added, n);
  else out.set(added, n);
  return out;
}

function checkFinite(v: number, field: string, index: number): void {
  if (!Number.isFinite(v))
    throw invalidInput(`${field} contains a non-finite value`, [{ field, reason: `index ${index} is ${v}` }]);
}
