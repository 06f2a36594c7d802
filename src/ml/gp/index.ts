export {
  type GaussianProcessOptions,
  type GaussianProcessPrediction,
  GaussianProcessRegressor,
  type GaussianProcessState,
  type PredictOptions,
} from "./gpr.js";
export * from "./kernels/index.js";
export {
  LogMarginalLikelihoodWorkspace,
  logMarginalLikelihoodAt,
  logMarginalLikelihoodFromFactor,
} from "./log-marginal-likelihood.js";
export {
  type LogLikelihoodObjective,
  type OptimizerRun,
  searchTheta,
  searchThetaBy,
  type ThetaSearchOptions,
} from "./optimize-theta.js";
export * from "./state-space/index.js";
