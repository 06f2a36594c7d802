import type { GbdtModelJson, GbdtParams } from "../../ml/gbdt/index.js";
import type { TrainSpec } from "../estimator.js";
import { choiceParam, numberParam } from "./family-helpers.js";

/** The objectives a regression model may ask for; classification objectives follow from the task. */
export const REGRESSION_OBJECTIVES = ["squared_error", "absolute_error", "huber", "poisson"] as const;
const GROW_POLICIES = ["depthwise", "lossguide"] as const;

/**
 * The GBDT parameters a project may set (`model.params`), names as XGBoost's; defaults live in ml/gbdt/params.ts.
 * Each is checked here so a wrong one is named `/params/<name>`.
 */
export function gbdtParams(spec: TrainSpec): GbdtParams {
  const p = spec.params;
  const optional = (name: string, o: { min?: number; max?: number; integer?: boolean }) =>
    numberParam(p, name, { ...o, optional: true });
  const params: GbdtParams = {
    learningRate: optional("learningRate", { min: 1e-6, max: 1 }),
    maxDepth: optional("maxDepth", { min: 1, max: 32, integer: true }),
    maxLeaves: optional("maxLeaves", { min: 2, integer: true }),
    maxRounds: optional("maxRounds", { min: 1, max: 100_000, integer: true }),
    earlyStoppingRounds: optional("earlyStoppingRounds", { min: 0, integer: true }),
    lambda: optional("lambda", { min: 0 }),
    alpha: optional("alpha", { min: 0 }),
    minChildWeight: optional("minChildWeight", { min: 0 }),
    minSamplesLeaf: optional("minSamplesLeaf", { min: 1, integer: true }),
    gamma: optional("gamma", { min: 0 }),
    subsample: optional("subsample", { min: 1e-3, max: 1 }),
    colsampleByTree: optional("colsampleByTree", { min: 1e-3, max: 1 }),
    maxBins: optional("maxBins", { min: 2, max: 255, integer: true }),
    huberDelta: optional("huberDelta", { min: 1e-12 }),
    seed: spec.seed,
  };
  if (p.growPolicy !== undefined) params.growPolicy = choiceParam(p, "growPolicy", GROW_POLICIES, "depthwise");
  if (spec.task === "regression")
    params.objective = choiceParam(p, "objective", REGRESSION_OBJECTIVES, "squared_error");
  for (const key of Object.keys(params) as (keyof GbdtParams)[]) if (params[key] === undefined) delete params[key];
  return params;
}

/**
 * Below this many labelled rows a regression is small: its trees run a fixed number of rounds instead of stopping
 * early, and it calibrates its interval out of fold instead of holding rows out of the fit.
 */
export const SMALL_DATA_ROWS = 2_000;
/** From this many labelled rows a multiclass model leaves its leaf values unpenalised (see {@link sizeDefaults}). */
export const UNPENALISED_MULTICLASS_ROWS = 1_000;

/**
 * Defaults that depend on the task and the data's size, for the parameters the project left unset; `n` is the
 * labelled rows.
 *
 * - A regression of fewer than {@link SMALL_DATA_ROWS} rows: 200 rounds at learning rate 0.05, no early stopping.
 *   A tenth of a few hundred rows is too few to tell one round count from another (the validation loss moves more
 *   with which rows were held out than with the rounds), and those rows are better spent growing the trees;
 *   200 × 0.05 is the total step of scikit-learn's 100 × 0.1, in smaller steps. A classifier keeps early stopping
 *   at every size: on rows its trees separate, more rounds keep pushing probabilities towards 0 and 1 (the training
 *   log loss has no finite minimum there), and only held-out rows tell when that confidence stops paying (fixed
 *   rounds raised the 5-fold log loss on iris from 0.16 to 0.20 and on infert from 0.64 to 0.71).
 * - Multiclass from {@link UNPENALISED_MULTICLASS_ROWS} rows: λ = 0 and a least child hessian of 1e-3
 *   (scikit-learn's HistGradientBoosting). A softmax hessian p(1 − p) is small once a class is separated, so
 *   XGBoost's λ = 1 and child weight 1 stop the trees refining exactly the probabilities log loss scores (digits,
 *   with the leaf size of {@link defaultMinSamplesLeaf}: log loss 0.110 → 0.084); below that size the penalty is
 *   what keeps a few rows from driving probabilities to 0 and 1.
 */
export function sizeDefaults(params: GbdtParams, task: TrainSpec["task"], n: number): GbdtParams {
  const out: GbdtParams = { ...params };
  if (task === "regression" && n < SMALL_DATA_ROWS) {
    out.learningRate ??= 0.05;
    out.maxRounds ??= 200;
    out.earlyStoppingRounds ??= 0;
  }
  if (task === "multiclass" && n >= UNPENALISED_MULTICLASS_ROWS) {
    out.lambda ??= 0;
    out.minChildWeight ??= 1e-3;
  }
  return out;
}

/**
 * The least rows in a leaf, when not set: a twentieth of the rows the trees are grown on, between 1 and 20
 * (scikit-learn's `min_samples_leaf` is 20). On a few dozen rows 20 would allow no split at all, and 1 lets a leaf
 * fit one row's noise — the more so with unpenalised leaves (digits, λ = 0: log loss 0.084 with 20, 0.154 with 1).
 */
export function defaultMinSamplesLeaf(fitRows: number): number {
  return Math.min(20, Math.max(1, Math.round(fitRows / 20)));
}

/**
 * A replay's parameters: the scored model's, with its round count fixed (no early stopping), so the refit is the
 * model that was evaluated, grown on more rows. Unlimited depth and leaves are stored as 0, which `trainGbdt`
 * reads as unlimited again.
 */
export function replayParams(previous: GbdtModelJson): GbdtParams {
  return {
    ...previous.params,
    maxRounds: Math.max(1, Math.round(previous.treeCount / Math.max(1, previous.outputs))),
    earlyStoppingRounds: 0,
  };
}
