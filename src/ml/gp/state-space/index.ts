export { augmentedFilter } from "./augmented-filter.js";
export { type FilteredState, type FilterResult, filterColumns, kalmanFilter, propagate } from "./kalman-filter.js";
export { periodicSeries } from "./periodic-series.js";
export {
  hasStateSpaceForm,
  StateSpaceGaussianProcess,
  type StateSpaceGaussianProcessOptions,
  type StateSpaceGaussianProcessState,
  stateSpaceLogLikelihood,
} from "./state-space-gpr.js";
export { StateSpaceModel, stateSpaceModel } from "./state-space-model.js";
