export { type PredictionLogEntry, PredictionLogWriter } from "./prediction-log.js";
