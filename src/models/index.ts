export {
  type BacktestFamily,
  type BacktestFold,
  type BacktestForecasts,
  type BacktestOptions,
  type BacktestResult,
  backtestOrigins,
  combineBacktests,
  defaultBacktestHorizon,
  type ForecastScores,
  rollingOriginBacktest,
  rollingOriginForecasts,
} from "./backtest.js";
export { BUNDLE_FORMAT_VERSION, type BundleManifest, readBundle, readBundleFiles, saveBundle } from "./bundle.js";
export type {
  ClassPrediction,
  Explanation,
  FitOptions,
  FittedModel,
  ForecastRow,
  ModelFamily,
  ModelFamilyName,
  ModelState,
  Prediction,
  RegressionPrediction,
  Signature,
  TrainSpec,
} from "./estimator.js";
export { evaluateModel, frameRecords, primaryMetric } from "./evaluate.js";
export { type ExplainedPrediction, explainerOf, withExplanations } from "./explain.js";
export type { CombinationMemberSpec } from "./families/combination.js";
export { candidateFamilies, familyFor } from "./families/index.js";
export { inferTask } from "./infer-task.js";
export { loadBundledModel } from "./load.js";
export { MultiSeriesModel, type MultiSeriesResult, splitBySeries, trainMultiSeries } from "./multi-series.js";
export {
  type CandidateScore,
  type EvaluationPlan,
  fitFamily,
  sortByTime,
  splitForEvaluation,
  type TrainResult,
  trainModel,
} from "./train.js";
