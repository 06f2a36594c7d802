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
