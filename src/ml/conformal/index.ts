export { conformalQuantile, conformalRank } from "./conformal-rank.js";
export {
  QuantileCalibration,
  type QuantileCalibrationState,
  type QuantilePredictions,
} from "./conformalized-quantile.js";
export { ConformalCalibration, type ConformalCalibrationState, type IntervalBounds } from "./split-conformal.js";
