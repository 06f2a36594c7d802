export * from "./tabular-encoder.js";
export {
  defaultSeasonPeriod,
  formatTime,
  indexToTime,
  inferTimeIndex,
  type TimeIndex,
  timeToIndex,
} from "./time-index.js";
export * from "./transforms/index.js";
