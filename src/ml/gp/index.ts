export {
  type GaussianProcessOptions,
  type GaussianProcessPrediction,
  GaussianProcessRegressor,
  type GaussianProcessState,
  type PredictOptions,
} from "./gpr.js";
export * from "./kernels/index.js";
export { logMarginalLikelihoodAt, logMarginalLikelihoodFromFactor } from "./log-marginal-likelihood.js";
