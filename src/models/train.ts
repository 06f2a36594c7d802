import { type Family, type Frame, numericColumn, SlipwayError, sliceFrame, takeRows } from "../core/index.js";
import { Rng } from "../ml/random.js";
import {
  type BacktestForecasts,
  type BacktestResult,
  backtestOrigins,
  combineBacktests,
  defaultBacktestHorizon,
  rollingOriginForecasts,
} from "./backtest.js";
import type { FitOptions, FittedModel, ModelFamilyName, TrainSpec } from "./estimator.js";
import { evaluateModel, primaryMetric } from "./evaluate.js";
import { type CombinationMemberSpec, combineFitted } from "./families/combination.js";
import { candidateFamilies, familyFor } from "./families/index.js";

/** How a new model is scored: on a separate test frame, on the last N rows, or on a split of its own. */
export type EvaluationPlan =
  | { kind: "test"; test: Frame }
  | { kind: "holdout"; rows: number }
  | { kind: "split"; share: number };

export interface CandidateScore {
  family: ModelFamilyName;
  /** Parameters this candidate adds to the spec's (a variant of its family, such as a GP on log values). */
  params?: Record<string, unknown>;
  /** True for the candidate that was chosen. */
  chosen?: boolean;
  /** Scores on the evaluation rows; empty for a candidate that a backtest ruled out before that. */
  metrics: Record<string, number>;
  /** The candidate's rolling-origin backtest on the training rows, when `auto` chose a forecaster by one. */
  backtest?: BacktestResult;
  error?: string;
}

export interface TrainResult {
  /** The model to register: fitted on every row (or on the training file when a test file scored it). */
  model: FittedModel;
  /**
   * The model that was scored, when `model` is a fresh fit that learnt its own hyperparameters on every row (a
   * forecast): a gate replays these, learnt without the evaluation window (see {@link refit}).
   */
  scored?: FittedModel;
  family: ModelFamilyName;
  metrics: Record<string, number>;
  /** Every family tried (one unless `auto`), with its score, for the run's record. */
  candidates: CandidateScore[];
  evaluatedRows: number;
  /** How `auto` chose: by a backtest on the training rows (forecasts) or by the evaluation rows' primary metric. */
  selection?: "backtest" | "evaluation";
  /** The backtest of every candidate that completed one (forecast `auto`), in candidate order. */
  backtest?: BacktestResult[];
}

/** Rows sorted by the time column (forecast data arrives in any order). */
export function sortByTime(frame: Frame, timeColumn: string): Frame {
  const t = numericColumn(frame, timeColumn);
  const order = Int32Array.from({ length: frame.rowCount }, (_, i) => i).sort((a, b) => t[a] - t[b]);
  return takeRows(frame, order);
}

/** Splits `frame` into the rows a candidate is fitted on and the rows it is scored on. */
export function splitForEvaluation(frame: Frame, spec: TrainSpec, plan: EvaluationPlan): { train: Frame; test: Frame } {
  if (plan.kind === "test") return { train: frame, test: plan.test };
  const n = frame.rowCount;
  const testRows = plan.kind === "holdout" ? plan.rows : Math.max(1, Math.round(n * plan.share));
  if (testRows >= n - 1) {
    throw new SlipwayError("SLP_INPUT_INVALID", `cannot hold out ${testRows} of ${n} rows and still train`, [
      { field: "--horizon", reason: `must be less than ${n - 1}` },
    ]);
  }
  if (spec.task === "forecast" || plan.kind === "holdout") {
    return { train: sliceFrame(frame, 0, n - testRows), test: sliceFrame(frame, n - testRows, n) };
  }
  const perm = new Rng(spec.seed).permutation(n);
  return { train: takeRows(frame, perm.subarray(testRows)), test: takeRows(frame, perm.subarray(0, testRows)) };
}

/**
 * Fits each candidate family on the training rows, scores it on the evaluation rows, keeps the best by the task's
 * primary metric, and refits it on every row with the scored hyperparameters (a forecast then starts after the
 * last observation). A tabular task under `auto` also scores the blend of its candidates ({@link blendOf}); a
 * forecast under `auto` chooses differently, see {@link chooseByBacktest}.
 */
export function trainModel(frame: Frame, spec: TrainSpec, family: Family, plan: EvaluationPlan): TrainResult {
  const data = spec.task === "forecast" ? sortByTime(frame, spec.timeColumn as string) : frame;
  const { train, test } = splitForEvaluation(data, spec, plan);
  const names = candidateFamilies(family, spec.task);
  if (family === "auto" && spec.task === "forecast" && names.length > 1 && canBacktest(train, spec)) {
    return chooseByBacktest(data, train, test, spec, names, plan);
  }
  const metric = primaryMetric(spec.task);
  const candidates: CandidateScore[] = [];
  const scored: ScoredCandidate[] = [];
  for (const name of names) {
    const impl = familyFor(name, spec.task);
    try {
      const model = impl.fit(train, spec);
      const candidate: CandidateScore = { family: name, metrics: evaluateModel(model, test, spec) };
      candidates.push(candidate);
      scored.push({ model, candidate });
    } catch (error) {
      // With one family the failure is the answer; under auto another family may still fit.
      if (names.length === 1) throw asTrainError(error);
      candidates.push({ family: name, metrics: {}, error: (error as Error).message });
    }
  }
  if (family === "auto" && spec.task !== "forecast" && scored.length > 1) {
    const blend = blendOf(scored, train, test, spec);
    candidates.push(blend.candidate);
    if (blend.model) scored.push({ model: blend.model, candidate: blend.candidate });
  }
  // The first of the lowest wins, so on a tie the single families (trees first) go before the blend.
  let best: ScoredCandidate | null = null;
  for (const c of scored) {
    if (!best || (c.candidate.metrics[metric] as number) < (best.candidate.metrics[metric] as number)) best = c;
  }
  if (!best) throw noFamily(candidates);
  if (names.length > 1) best.candidate.chosen = true;
  const chosen = best.candidate.family;
  const model = refit(chosen, best.model, data, spec, plan);
  return {
    model,
    ...(model !== best.model && spec.task === "forecast" ? { scored: best.model } : {}),
    family: chosen,
    metrics: best.candidate.metrics,
    candidates,
    evaluatedRows: test.rowCount,
    ...(names.length > 1 ? { selection: "evaluation" as const } : {}),
  };
}

interface ScoredCandidate {
  model: FittedModel;
  candidate: CandidateScore;
}

/**
 * The blend `auto` offers beside the tabular families: the equal-weight {@link combineFitted combination} of every
 * candidate that fitted, made from the fitted candidates themselves (no further fit) and scored on the same
 * evaluation rows. Two models whose errors are partly independent average to errors smaller than either's; where
 * one model is clearly better, the evaluation rows say so and that model is kept. Equal weights, because weights
 * estimated from one evaluation split of a few hundred rows would mostly fit its noise (the "forecast combination
 * puzzle", Smith & Wallis 2009).
 */
function blendOf(
  scored: ScoredCandidate[],
  train: Frame,
  test: Frame,
  spec: TrainSpec,
): { model?: FittedModel; candidate: CandidateScore } {
  const weight = 1 / scored.length;
  const members = scored.map((s) => ({ spec: { family: s.candidate.family, weight }, model: s.model }));
  const params = { members: members.map((m) => m.spec) };
  try {
    const model = combineFitted(spec.task, members, train, spec);
    return { model, candidate: { family: "combination", params, metrics: evaluateModel(model, test, spec) } };
  } catch (error) {
    return { candidate: { family: "combination", params, metrics: {}, error: (error as Error).message } };
  }
}

/**
 * `auto` for a forecast: every candidate is backtested from rolling origins on the training rows alone (the rows
 * before the evaluation window), and so is their combination (see {@link combinationOf}), scored from the
 * candidates' own fold forecasts. The one with the lowest pooled MAE is chosen (the earlier candidate on a tie, the
 * combination last), fitted on the training rows and scored on the evaluation rows like any single family, then
 * refitted on every row. Choosing on the training rows keeps the evaluation window an honest score of the choice,
 * and several origins make the choice less hostage to one window. If the chosen family cannot fit the training rows
 * after all, the next best by backtest is taken.
 */
function chooseByBacktest(
  data: Frame,
  train: Frame,
  test: Frame,
  spec: TrainSpec,
  names: ModelFamilyName[],
  plan: EvaluationPlan,
): TrainResult {
  const forecasts = new Map<CandidateScore, BacktestForecasts>();
  const candidates: CandidateScore[] = forecastVariants(names, train, spec).map((variant) => {
    try {
      const backtest = rollingOriginForecasts(train, withParams(spec, variant), variant.family);
      const candidate: CandidateScore = { ...variant, metrics: {}, backtest: backtest.result };
      forecasts.set(candidate, backtest.forecasts);
      return candidate;
    } catch (error) {
      return { ...variant, metrics: {}, error: (error as Error).message };
    }
  });
  const combination = combinationOf(candidates, forecasts);
  if (combination) candidates.push(combination);
  const ranked = candidates
    .filter((c) => c.backtest && Number.isFinite(c.backtest.metrics.mae))
    .sort((a, b) => (a.backtest?.metrics.mae as number) - (b.backtest?.metrics.mae as number));
  for (const candidate of ranked) {
    let model: FittedModel;
    let metrics: Record<string, number>;
    const variantSpec = withParams(spec, candidate);
    try {
      model = familyFor(candidate.family, spec.task).fit(train, variantSpec);
      metrics = evaluateModel(model, test, variantSpec);
    } catch (error) {
      candidate.error = (error as Error).message;
      continue;
    }
    candidate.metrics = metrics;
    candidate.chosen = true;
    const registered = refit(candidate.family, model, data, variantSpec, plan);
    return {
      model: registered,
      ...(registered !== model ? { scored: model } : {}),
      family: candidate.family,
      metrics,
      candidates,
      evaluatedRows: test.rowCount,
      selection: "backtest",
      backtest: candidates.flatMap((c) => (c.backtest ? [c.backtest] : [])),
    };
  }
  throw noFamily(candidates);
}

/**
 * A member of the combination has a pooled backtest MAE at most this multiple of the best candidate's. For two
 * forecasts with error standard deviations σ₁ ≤ σ₂ and correlation ρ, the optimal combining weight of the worse
 * one is positive only while σ₂/σ₁ < 1/ρ (Bates & Granger 1969). Forecasters of one series make strongly
 * correlated errors (they see the same history); at ρ ≈ 2/3 a candidate 1.5 times worse than the best already
 * deserves no weight, while 1 / MAE weights would still give it two fifths of a pair. Past the factor it can only
 * dilute the combination, so it is left out.
 */
const COMBINATION_MAE_FACTOR = 1.5;

/**
 * The combination `auto` offers beside the single candidates: the backtested candidates whose pooled MAE is within
 * {@link COMBINATION_MAE_FACTOR} of the best, weighted by 1 / MAE (normalised), when there are at least two (a
 * best MAE of 0 is a perfect forecaster, which no combination improves). Its backtest is computed from the members'
 * fold forecasts, so it competes on the same rows without another fit. Inverse-error weights are a middle way
 * between equal weights, which are hard to beat on short series (the "forecast combination puzzle", Smith &
 * Wallis 2009), and estimated optimal weights, which are too noisy to estimate from three folds.
 */
function combinationOf(
  candidates: CandidateScore[],
  forecasts: Map<CandidateScore, BacktestForecasts>,
): CandidateScore | null {
  const scored = candidates.filter((c) => forecasts.has(c) && Number.isFinite(c.backtest?.metrics.mae));
  const best = Math.min(...scored.map((c) => c.backtest?.metrics.mae as number));
  if (!(best > 0)) return null;
  const members = scored.filter((c) => (c.backtest?.metrics.mae as number) <= COMBINATION_MAE_FACTOR * best);
  if (members.length < 2) return null;
  const inverse = members.map((c) => 1 / (c.backtest?.metrics.mae as number));
  const total = inverse.reduce((a, b) => a + b, 0);
  const weights = inverse.map((v) => v / total);
  const combined = combineBacktests(
    "combination",
    members.map((c, i) => ({
      result: c.backtest as BacktestResult,
      forecasts: forecasts.get(c) as BacktestForecasts,
      weight: weights[i] as number,
    })),
  );
  const specs: CombinationMemberSpec[] = members.map((c, i) => ({
    family: c.family,
    ...(c.params ? { params: c.params } : {}),
    weight: weights[i] as number,
  }));
  return { family: "combination", params: { members: specs }, metrics: {}, backtest: combined.result };
}

/**
 * The forecasters `auto` backtests: each family as configured, plus a GP on log values when the target is
 * positive everywhere (multiplicative growth and seasons, as in airline passengers or earnings, become additive).
 */
function forecastVariants(
  names: ModelFamilyName[],
  train: Frame,
  spec: TrainSpec,
): { family: ModelFamilyName; params?: Record<string, unknown> }[] {
  const y = numericColumn(train, spec.target);
  const positive = y.every((v) => !Number.isFinite(v) || v > 0) && spec.params.transform === undefined;
  return names.flatMap((family) =>
    family === "gp" && positive ? [{ family }, { family, params: { transform: "log" } }] : [{ family }],
  );
}

function withParams(spec: TrainSpec, variant: { params?: Record<string, unknown> }): TrainSpec {
  return variant.params ? { ...spec, params: { ...spec.params, ...variant.params } } : spec;
}

/** Whether the training rows allow at least one backtest fold with the default horizon. */
function canBacktest(train: Frame, spec: TrainSpec): boolean {
  let horizon: number;
  try {
    horizon = defaultBacktestHorizon(train, spec);
  } catch {
    return false; // too few observations for any forecaster: the ordinary path reports the failure
  }
  return backtestOrigins(train.rowCount, 3, horizon, Math.max(4, horizon)).length > 0;
}

/**
 * The model to register after scoring `scored` on held-out rows: fitted on every row. A forecaster learns its
 * hyperparameters again (kernel, ETS form, smoothing): the most recent rows say most about the next ones, and a
 * refit that kept what the training rows alone chose measured worse (bench/quality-forecast: the MAE target met on
 * 1 of 8 series, against 3 of 8 with the fresh fit). The scored model is kept beside it for the gate, whose replay
 * must not have learnt from the window it is scored on. A tabular model keeps the scored hyperparameters (round
 * count, penalty), which its families chose on rows of their own. With a test file, the scored model is the one.
 */
function refit(
  family: ModelFamilyName,
  scored: FittedModel,
  data: Frame,
  spec: TrainSpec,
  plan: EvaluationPlan,
): FittedModel {
  if (plan.kind === "test") return scored;
  if (spec.task === "forecast") return familyFor(family, spec.task).fit(data, spec);
  return familyFor(family, spec.task).fit(data, spec, { hyperparametersFrom: scored.state() });
}

function noFamily(candidates: CandidateScore[]): SlipwayError {
  return new SlipwayError(
    "SLP_TRAIN_FAILED",
    `no family could fit: ${candidates.map((c) => `${c.family}: ${c.error}`).join("; ")}`,
  );
}

/** Refits a model of `family` on `train`, optionally with another model's hyperparameters held fixed. */
export function fitFamily(family: ModelFamilyName, train: Frame, spec: TrainSpec, options?: FitOptions): FittedModel {
  const data = spec.task === "forecast" ? sortByTime(train, spec.timeColumn as string) : train;
  return familyFor(family, spec.task).fit(data, spec, options);
}

function asTrainError(error: unknown): unknown {
  if (error instanceof SlipwayError) return error;
  return new SlipwayError("SLP_TRAIN_FAILED", `training failed: ${(error as Error).message}`, [], { cause: error });
}
