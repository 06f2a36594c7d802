export { etsFilter } from "./ets-filter.js";
export {
  type EtsConfig,
  type EtsError,
  type EtsSeason,
  type EtsSmoothing,
  type EtsStates,
  type EtsTrend,
  errorOf,
  etsName,
  freeParameterCount,
  isNonlinear,
  observedCount,
  trendMultiplier,
} from "./ets-model.js";
export { type EtsFit, type FitEtsOptions, fitEts } from "./fit-ets.js";
export { etsForecastVariance, etsPointForecast, etsSimulatedQuantiles } from "./forecast-ets.js";
export { aic, aicc, bic, gaussianLogLikelihood, relativeErrorLogLikelihood } from "./information-criteria.js";
export { initialStates } from "./initial-states.js";
export { type EtsCandidate, type EtsSearch, type EtsSelection, MAX_AUTO_PERIOD, selectEts } from "./select-ets.js";
