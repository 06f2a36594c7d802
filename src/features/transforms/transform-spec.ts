/**
 * The JSON config of a feature pipeline: what users write (the `*Input` types, optional fields may be left out)
 * and what parsing turns it into (every default filled in, in this one place, so a stored config is explicit).
 */

export const TRANSFORM_TYPES = [
  "standard",
  "minmax",
  "onehot",
  "ordinal",
  "impute",
  "lags",
  "calendar",
  "passthrough",
] as const;
export type TransformType = (typeof TRANSFORM_TYPES)[number];

export const IMPUTE_STRATEGIES = ["mean", "median", "mostFrequent", "constant"] as const;
export type ImputeStrategy = (typeof IMPUTE_STRATEGIES)[number];

export const ROLLING_STATS = ["mean", "std", "min", "max"] as const;
export type RollingStat = (typeof ROLLING_STATS)[number];

export const CALENDAR_PARTS = ["dayOfWeek", "dayOfMonth", "month", "quarter", "year", "hour", "weekend"] as const;
export type CalendarPart = (typeof CALENDAR_PARTS)[number];

/** Calendar parts with a natural cycle, which may also be written as a sin/cos pair. */
export const CYCLIC_PARTS = ["dayOfWeek", "dayOfMonth", "month", "hour"] as const;
export type CyclicPart = (typeof CYCLIC_PARTS)[number];

/** `(v − mean) / sd` with the training mean and population sd; a constant column has sd 1, so it maps to 0. */
export interface StandardScaleSpec {
  type: "standard";
  columns: string[];
}

/** `lo + (v − min) · (hi − lo) / (max − min)`; values outside the training range go outside `range` unless `clip`. */
export interface MinMaxScaleSpecInput {
  type: "minmax";
  columns: string[];
  /** Target interval, default `[0, 1]`. */
  range?: [number, number];
  /** Clamp results into `range` (default false: a value beyond the training range extrapolates linearly). */
  clip?: boolean;
}
export type MinMaxScaleSpec = Required<MinMaxScaleSpecInput>;

/** Category handling shared by one-hot and ordinal encoding. */
export interface CategorySpecInput {
  columns: string[];
  /** Most frequent categories kept per column (one-hot default 50, ordinal default unlimited); the rest are "other". */
  maxCategories?: number;
  /** Categories seen fewer times than this in training are "other" (default 1: every seen category is kept). */
  minFrequency?: number;
}

/** One indicator per kept category, then `<other>`, `<unseen>` and `<missing>`. */
export interface OneHotSpecInput extends CategorySpecInput {
  type: "onehot";
}
export interface OneHotSpec extends Required<OneHotSpecInput> {
  maxCategories: number;
}

/** Codes 0…K−1 for the kept categories (sorted), K for "other", −1 for unseen, −2 for missing. */
export interface OrdinalSpecInput extends CategorySpecInput {
  type: "ordinal";
}
export interface OrdinalSpec extends Omit<Required<OrdinalSpecInput>, "maxCategories"> {
  /** `null`: no limit. */
  maxCategories: number | null;
}

/** Fills missing values (NaN or null) with a value learnt from training, optionally adding `<column>_missing`. */
export interface ImputeSpecInput {
  type: "impute";
  columns: string[];
  strategy: ImputeStrategy;
  /** The fill for strategy `constant`: a number for numeric columns, a string for text ones. */
  value?: number | string;
  /** Add a 0/1 column `<column>_missing` after each imputed column (default false). */
  indicator?: boolean;
}
export interface ImputeSpec extends Omit<Required<ImputeSpecInput>, "value"> {
  value: number | string | null;
}

/**
 * Lags and rolling statistics of `column`, per `entity`, in `time` order. Lag k is the value k observations
 * earlier; a rolling window of w covers the w observations before the row (never the row itself), unless
 * `includeCurrent`, when it covers the row and the w − 1 before it.
 */
export interface LagSpecInput {
  type: "lags";
  column: string;
  time: string;
  /** Entity id column (text or number); without it the whole table is one series. */
  entity?: string;
  lags?: number[];
  windows?: number[];
  /** Statistics of each window (default `["mean"]`). */
  stats?: RollingStat[];
  /** Fewest non-missing values a window needs, else the statistic is missing (default: the window length). */
  minPeriods?: number;
  /** Rolling windows end at the row itself instead of the row before (default false). Lags are always past. */
  includeCurrent?: boolean;
  /** Prefix of the output names (default `<column>_`): `<prefix>lag_7`, `<prefix>rolling_mean_7`. */
  prefix?: string;
}
export interface LagSpec extends Omit<Required<LagSpecInput>, "entity" | "minPeriods"> {
  entity: string | null;
  minPeriods: number | null;
}

/** Calendar parts of a time column, in UTC; names `<prefix>day_of_week`, `<prefix>month_sin`, … */
export interface CalendarSpecInput {
  type: "calendar";
  column: string;
  /** Default: all of {@link CALENDAR_PARTS}. */
  features?: CalendarPart[];
  /** Parts also written as a sin/cos pair (default none). */
  cyclic?: CyclicPart[];
  /** Default `<column>_`. */
  prefix?: string;
}
export type CalendarSpec = Required<CalendarSpecInput>;

/** Numeric (or time, as epoch ms) columns taken into the features unchanged. */
export interface PassthroughSpec {
  type: "passthrough";
  columns: string[];
}

export type TransformSpecInput =
  | StandardScaleSpec
  | MinMaxScaleSpecInput
  | OneHotSpecInput
  | OrdinalSpecInput
  | ImputeSpecInput
  | LagSpecInput
  | CalendarSpecInput
  | PassthroughSpec;

export type TransformSpec =
  | StandardScaleSpec
  | MinMaxScaleSpec
  | OneHotSpec
  | OrdinalSpec
  | ImputeSpec
  | LagSpec
  | CalendarSpec
  | PassthroughSpec;

export interface PipelineConfigInput {
  transforms: TransformSpecInput[];
  /**
   * Let missing values (NaN) reach the feature matrix, for models that handle them (default false: a missing
   * feature is an `SLP_INPUT_INVALID` error naming the field).
   */
  allowMissing?: boolean;
}

export interface PipelineConfig {
  transforms: TransformSpec[];
  allowMissing: boolean;
}

/** Default `maxCategories` of one-hot encoding: more indicators than this is rarely what was meant. */
export const DEFAULT_ONEHOT_MAX_CATEGORIES = 50;
