export {
  type CoordinateDescentMethod,
  type CoordinateDescentOptions,
  type CoordinateDescentResult,
  coordinateDescent,
  type ElasticNetProblem,
  elasticNetProblem,
} from "./coordinate-descent.js";
export {
  alphaMaxOf,
  ElasticNet,
  type ElasticNetOptions,
  type ElasticNetSolveOptions,
  type ElasticNetState,
  elasticNetAlphaMax,
  type PreparedElasticNet,
  prepareElasticNet,
} from "./elastic-net.js";
export {
  type ElasticNetCVCurve,
  type ElasticNetCVOptions,
  type ElasticNetCVResult,
  fitElasticNetCV,
} from "./elastic-net-cv.js";
export {
  alphaGrid,
  type ElasticNetPath,
  type ElasticNetPathOptions,
  elasticNetPath,
  pathOf,
} from "./elastic-net-path.js";
export { type LogisticOptions, LogisticRegression, type LogisticState, logisticObjective } from "./logistic.js";
export { fitLogisticCV, LOGISTIC_CS, type LogisticCVOptions, type LogisticCVResult } from "./logistic-cv.js";
export type { FeatureMatrix } from "./normal-equations.js";
export { type PredictionInterval, type RidgeOptions, RidgeRegression, type RidgeState } from "./ridge.js";
export {
  fitRidgeLeaveOneOut,
  RIDGE_ALPHAS,
  type RidgeLeaveOneOutOptions,
  type RidgeLeaveOneOutResult,
} from "./ridge-loo.js";
export { type FeatureScaling, fitFeatureScaling } from "./standardise.js";
