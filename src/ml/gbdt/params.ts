/**
 * Hyper-parameters of `trainGbdt`, their defaults (in one place) and their validation. Names follow XGBoost
 * (`lambda`, `alpha`, `gamma`, `minChildWeight`, `subsample`, `colsampleByTree`), defaults too, except where the
 * brief of this module says otherwise (early stopping on by default, on the last 10% of the rows).
 */
import { invalidInput } from "../../core/index.js";
import type { GbdtObjective } from "./losses.js";

/** What the caller may set; every field is optional. */
export interface GbdtParams {
  /** Default "squared_error". */
  objective?: GbdtObjective;
  /** Shrinkage of every leaf (default 0.1). */
  learningRate?: number;
  /** Deepest level of splits (default 6 for depth-wise growth, unlimited for loss-guided growth). */
  maxDepth?: number;
  /** "depthwise" (level by level, default) or "lossguide" (best-first to `maxLeaves`). */
  growPolicy?: "depthwise" | "lossguide";
  /** Leaf budget per tree (default 31 for loss-guided growth, unlimited for depth-wise growth). */
  maxLeaves?: number;
  /** Boosting rounds at most (default 1000). */
  maxRounds?: number;
  /** Stop after this many rounds without a better validation loss; 0 disables early stopping (default 50). */
  earlyStoppingRounds?: number;
  /**
   * Share of the training rows, taken from the end, held out for early stopping when the caller gives no
   * validation set (default 0.1; 0 disables early stopping).
   */
  validationFraction?: number;
  /** L2 on leaf weights (default 1). */
  lambda?: number;
  /** L1 on leaf weights (default 0). */
  alpha?: number;
  /** Minimum hessian sum per child (default 1). */
  minChildWeight?: number;
  /** Minimum gain of a split (default 0). */
  gamma?: number;
  /** Minimum rows per leaf (default 1). */
  minSamplesLeaf?: number;
  /** Share of rows each round's trees see, drawn per round (default 1). */
  subsample?: number;
  /** Share of features each tree sees, drawn per tree (default 1). */
  colsampleByTree?: number;
  /** Bins per feature, 2 … 255 (default 255). */
  maxBins?: number;
  /** Indices of categorical features (values: non-negative integer codes, NaN for missing). */
  categoricalFeatures?: readonly number[];
  /** Huber's δ (default 1). */
  huberDelta?: number;
  /** Quantile level α (default 0.5). */
  quantileAlpha?: number;
  /** Classes for softmax (default: the largest label + 1). */
  numClass?: number;
  /** Seed of the row and feature subsampling and of the binning subsample (default 0). */
  seed?: number;
}

/** Parameters with every default applied; what a model records. */
export interface ResolvedGbdtParams {
  objective: GbdtObjective;
  learningRate: number;
  /** Infinity when unlimited (stored in JSON as 0). */
  maxDepth: number;
  growPolicy: "depthwise" | "lossguide";
  /** Infinity when unlimited (stored in JSON as 0). */
  maxLeaves: number;
  maxRounds: number;
  earlyStoppingRounds: number;
  validationFraction: number;
  lambda: number;
  alpha: number;
  minChildWeight: number;
  gamma: number;
  minSamplesLeaf: number;
  subsample: number;
  colsampleByTree: number;
  maxBins: number;
  categoricalFeatures: number[];
  huberDelta: number;
  quantileAlpha: number;
  numClass: number;
  seed: number;
}

const OBJECTIVES: readonly GbdtObjective[] = [
  "squared_error",
  "absolute_error",
  "huber",
  "poisson",
  "logistic",
  "softmax",
  "quantile",
];

function check(ok: boolean, field: string, reason: string): void {
  if (!ok) throw invalidInput(`invalid GBDT parameter ${field}`, [{ field, reason }]);
}

/** Applies the defaults and checks ranges; `y` sets numClass for softmax when not given. */
export function resolveParams(params: GbdtParams, y: Float64Array): ResolvedGbdtParams {
  const objective = params.objective ?? "squared_error";
  check(OBJECTIVES.includes(objective), "objective", `expected one of ${OBJECTIVES.join(", ")}, got ${objective}`);
  const growPolicy = params.growPolicy ?? "depthwise";
  check(growPolicy === "depthwise" || growPolicy === "lossguide", "growPolicy", `got ${growPolicy}`);
  const lossguide = growPolicy === "lossguide";
  const maxDepth = params.maxDepth ?? (lossguide ? 0 : 6);
  const maxLeaves = params.maxLeaves ?? (lossguide ? 31 : 0);
  let numClass = params.numClass ?? 0;
  if (objective === "softmax" && params.numClass === undefined) {
    let max = 0;
    for (let i = 0; i < y.length; i++) if (y[i] > max) max = y[i];
    numClass = Math.max(2, Math.floor(max) + 1);
  }
  const earlyStoppingRounds = params.earlyStoppingRounds ?? 50;
  const r: ResolvedGbdtParams = {
    objective,
    learningRate: params.learningRate ?? 0.1,
    maxDepth: maxDepth === 0 ? Number.POSITIVE_INFINITY : maxDepth,
    growPolicy,
    maxLeaves: maxLeaves === 0 ? Number.POSITIVE_INFINITY : maxLeaves,
    maxRounds: params.maxRounds ?? 1000,
    earlyStoppingRounds,
    validationFraction: params.validationFraction ?? (earlyStoppingRounds > 0 ? 0.1 : 0),
    lambda: params.lambda ?? 1,
    alpha: params.alpha ?? 0,
    minChildWeight: params.minChildWeight ?? 1,
    gamma: params.gamma ?? 0,
    minSamplesLeaf: params.minSamplesLeaf ?? 1,
    subsample: params.subsample ?? 1,
    colsampleByTree: params.colsampleByTree ?? 1,
    maxBins: params.maxBins ?? 255,
    categoricalFeatures: [...(params.categoricalFeatures ?? [])].sort((a, b) => a - b),
    huberDelta: params.huberDelta ?? 1,
    quantileAlpha: params.quantileAlpha ?? 0.5,
    numClass,
    seed: params.seed ?? 0,
  };
  check(
    r.learningRate > 0 && Number.isFinite(r.learningRate),
    "learningRate",
    `must be positive, got ${r.learningRate}`,
  );
  check(Number.isInteger(maxDepth) && maxDepth >= 0, "maxDepth", `must be a non-negative integer, got ${maxDepth}`);
  check(
    Number.isInteger(maxLeaves) && (maxLeaves === 0 || maxLeaves >= 2),
    "maxLeaves",
    `must be 0 or ≥ 2, got ${maxLeaves}`,
  );
  check(
    Number.isInteger(r.maxRounds) && r.maxRounds >= 1,
    "maxRounds",
    `must be a positive integer, got ${r.maxRounds}`,
  );
  check(
    Number.isInteger(r.earlyStoppingRounds) && r.earlyStoppingRounds >= 0,
    "earlyStoppingRounds",
    `must be a non-negative integer, got ${r.earlyStoppingRounds}`,
  );
  check(
    r.validationFraction >= 0 && r.validationFraction < 1,
    "validationFraction",
    `must be in [0, 1), got ${r.validationFraction}`,
  );
  check(r.lambda >= 0, "lambda", `must be ≥ 0, got ${r.lambda}`);
  check(r.alpha >= 0, "alpha", `must be ≥ 0, got ${r.alpha}`);
  check(r.minChildWeight >= 0, "minChildWeight", `must be ≥ 0, got ${r.minChildWeight}`);
  check(r.gamma >= 0, "gamma", `must be ≥ 0, got ${r.gamma}`);
  check(
    Number.isInteger(r.minSamplesLeaf) && r.minSamplesLeaf >= 1,
    "minSamplesLeaf",
    `must be ≥ 1, got ${r.minSamplesLeaf}`,
  );
  check(r.subsample > 0 && r.subsample <= 1, "subsample", `must be in (0, 1], got ${r.subsample}`);
  check(
    r.colsampleByTree > 0 && r.colsampleByTree <= 1,
    "colsampleByTree",
    `must be in (0, 1], got ${r.colsampleByTree}`,
  );
  check(Number.isInteger(r.seed), "seed", `must be an integer, got ${r.seed}`);
  return r;
}
