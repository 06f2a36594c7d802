/**
 * Feature transforms: fitted on training rows only, stored as plain JSON (plus optional typed-array blobs),
 * applied identically to a frame or to JSON records at serving time.
 *
 * A pipeline is an ordered list of steps (`transform-spec.ts` has every config shape). Each step reads input
 * columns or earlier steps' outputs and writes named columns; the feature matrix is the numeric outputs in
 * order of first appearance (see `featureNamesOf`), the columns a step transforms leaving it. Text columns
 * never reach the matrix: encode them with `onehot` or `ordinal`.
 *
 * - Missing values are NaN or null. Scalers skip them when fitting and keep them when applying; unless
 *   `allowMissing`, a missing feature value is an `SLP_INPUT_INVALID` error naming the input field (impute it).
 * - Min-max scaling extrapolates beyond the training range (a value twice the training maximum maps past 1)
 *   unless `clip`. A constant column maps to 0 (standard) or the low end of the range (min-max).
 * - Encoders keep separate buckets: "other" for rare training categories, "unseen" for categories training
 *   never saw (never mapped to a known one), "missing" for null.
 * - Lags and rolling windows look only at earlier observations of the same entity: lag k is the value k
 *   observations back; a window of w covers the w observations before the row, never the row itself (so a
 *   model predicting today's sales from `rolling_mean_7` of sales never sees today's sales). `includeCurrent`
 *   moves the window to end at the row, when the value column is an input known at prediction time rather
 *   than the target.
 *
 * Lags at serving time: fitting keeps each training entity's last `max(lags, windows)` observations, so a
 * one-row request for the next step needs no history. A request may also send recent rows as `history`
 * (entity, time and value columns, see `historyColumns`): for every entity it sends rows of, they replace
 * the stored observations, which keeps the features right when the stored ones are stale (the request is
 * more than one step past the end of training) or the entity is new. Input rows also serve as history for
 * later input rows of their entity, and an input row replaces a stored observation at the same time.
 */
export { MISSING_CODE, UNSEEN_CODE } from "./category-encoders.js";
export type { FeatureMatrix } from "./feature-matrix.js";
export { MISSING_INDICATOR_SUFFIX } from "./imputer.js";
export { parsePipelineConfig } from "./parse-config.js";
export { parseTimeValue } from "./record-table.js";
export {
  type FittedPipelineJson,
  FittedTransformPipeline,
  type TransformInput,
  type TransformOptions,
  TransformPipeline,
} from "./transform-pipeline.js";
export * from "./transform-spec.js";
export type { InputColumn } from "./work-table.js";
