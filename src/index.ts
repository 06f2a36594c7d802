/**
 * Slipway's TypeScript API: everything the CLI does, as functions and classes. The CLI in `cli/` is a thin layer
 * over these exports.
 */
export { defineProject, loadProject, type ProjectConfig, type ProjectInput } from "./config/index.js";
export {
  type ColumnSchema,
  type DatasetSchema,
  ERROR_CODES,
  type ErrorCode,
  type ErrorDetail,
  EventBus,
  type Frame,
  SlipwayError,
  type SlipwayEvents,
  type Task,
} from "./core/index.js";
export { inferSchema, readCsvFile, validateRecords } from "./data/index.js";
export {
  type ExplainedPrediction,
  type Explanation,
  explainerOf,
  type FittedModel,
  type ForecastRow,
  loadBundledModel,
  type Prediction,
  readBundle,
  saveBundle,
  trainModel,
  withExplanations,
} from "./models/index.js";
export { PredictionLogWriter } from "./monitor/index.js";
export {
  ingestFile,
  JobRunner,
  type PipelineContext,
  ProjectLoop,
  trainFromFile,
} from "./pipeline/index.js";
export { parseModelRef, Registry } from "./registry/index.js";
export { buildServer, ModelCache, ServiceMetrics } from "./serve/index.js";
export { openStores, type Stores } from "./store/index.js";
