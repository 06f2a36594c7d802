import { invalidInput } from "../../core/index.js";
import { LOSS_NAMES, type LossName } from "../../ml/nn/index.js";
import { choiceParam, numberParam } from "./family-helpers.js";

/** A rolling statistic of the target over a window ending at the row itself (`rolling_mean_7`). */
export const ROLLING_FEATURE_STATS = ["mean", "std", "min", "max"] as const;
type RollingFeatureStat = (typeof ROLLING_FEATURE_STATS)[number];

/**
 * Calendar features a model may ask for, by their feature names, with the calendar part each is (UTC). `year` is
 * left out on purpose: a scaled year only ever extrapolates past the training range.
 */
export const CALENDAR_FEATURES = {
  day_of_week: "dayOfWeek",
  day_of_month: "dayOfMonth",
  month: "month",
  quarter: "quarter",
  hour: "hour",
  weekend: "weekend",
} as const;
export type CalendarFeatureName = keyof typeof CALENDAR_FEATURES;

/** One derived input of every time step, beside the target itself. */
export type LstmFeature =
  | { kind: "lag"; name: string; lag: number }
  | { kind: "rolling"; name: string; stat: RollingFeatureStat; window: number }
  | { kind: "calendar"; name: CalendarFeatureName };

/** The `lstm` family's hyperparameters, checked, with every default filled in (what a bundle records). */
export interface LstmParams {
  /** Time steps per input window. */
  lookback: number;
  /** Values each window predicts (the next 1…horizon steps); longer forecasts recurse. */
  horizon: number;
  /** LSTM units per stacked layer, bottom first. */
  layers: number[];
  dropout: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  loss: LossName;
  /** Epochs without a lower validation loss before training stops (the best epoch's weights kept); 0: never. */
  patience: number;
  /** Feature names, in the order given (the target itself is always an input too). */
  features: string[];
}

export const DEFAULT_LSTM_FEATURES = ["lag_1", "rolling_mean_7"];

const LAG_RE = /^lag_([1-9][0-9]{0,3})$/;
const ROLLING_RE = /^rolling_(mean|std|min|max)_([1-9][0-9]{0,3})$/;

/**
 * Reads `model.params` of an `lstm` model; a wrong value is `SLP_INPUT_INVALID` naming `/params/<name>` (and
 * `/params/features/<i>` for a feature). `units: n` is shorthand for `layers: [n]`.
 */
export function lstmParams(p: Record<string, unknown>): LstmParams {
  const int = (name: string, min: number, max: number, fallback: number) =>
    numberParam(p, name, { min, max, integer: true, default: fallback });
  const params: LstmParams = {
    lookback: int("lookback", 1, 1000, 14),
    horizon: int("horizon", 1, 366, 1),
    layers: layersParam(p),
    dropout: numberParam(p, "dropout", { min: 0, max: 0.95, default: 0 }),
    epochs: int("epochs", 1, 100_000, 50),
    batchSize: int("batchSize", 1, 100_000, 32),
    learningRate: numberParam(p, "learningRate", { min: 1e-8, max: 10, default: 1e-3 }),
    loss: choiceParam(p, "loss", LOSS_NAMES, "mse"),
    patience: int("patience", 0, 100_000, 10),
    features: featuresParam(p),
  };
  return params;
}

function layersParam(p: Record<string, unknown>): number[] {
  if (p.units !== undefined && p.layers !== undefined) {
    throw invalidInput("give layers or units, not both", [
      { field: "/params/units", reason: "units: n is shorthand for layers: [n]" },
    ]);
  }
  if (p.units !== undefined) return [numberParam(p, "units", { min: 1, max: 4096, integer: true, default: 32 })];
  const layers = p.layers ?? [32];
  if (!Array.isArray(layers) || layers.length === 0 || layers.length > 8) {
    throw invalidInput("layers must be a list of 1 to 8 unit counts", [
      { field: "/params/layers", reason: "expected e.g. [32] or [64, 32]" },
    ]);
  }
  layers.forEach((u, i) => {
    if (typeof u !== "number" || !Number.isInteger(u) || u < 1 || u > 4096) {
      throw invalidInput("a layer's units must be an integer from 1 to 4096", [
        { field: `/params/layers/${i}`, reason: `got ${JSON.stringify(u)}` },
      ]);
    }
  });
  return layers as number[];
}

function featuresParam(p: Record<string, unknown>): string[] {
  const features = p.features ?? DEFAULT_LSTM_FEATURES;
  if (!Array.isArray(features)) {
    throw invalidInput("features must be a list of feature names", [
      { field: "/params/features", reason: 'expected e.g. ["lag_1", "rolling_mean_7", "day_of_week"]' },
    ]);
  }
  const seen = new Set<string>();
  features.forEach((f, i) => {
    const field = `/params/features/${i}`;
    if (typeof f !== "string" || parseFeature(f) === null) {
      throw invalidInput(`unknown feature ${JSON.stringify(f)}`, [
        {
          field,
          reason: `expected lag_<k>, rolling_<mean|std|min|max>_<w> or one of ${Object.keys(CALENDAR_FEATURES).join(", ")}`,
        },
      ]);
    }
    if (f === "rolling_std_1") {
      throw invalidInput("a rolling std needs a window of at least 2", [{ field, reason: "window 1" }]);
    }
    if (seen.has(f)) throw invalidInput(`feature ${f} is listed twice`, [{ field, reason: "repeated" }]);
    seen.add(f);
  });
  return features as string[];
}

/** The feature a name stands for, or null for an unknown name. */
export function parseFeature(name: string): LstmFeature | null {
  const lag = LAG_RE.exec(name);
  if (lag) return { kind: "lag", name, lag: Number(lag[1]) };
  const rolling = ROLLING_RE.exec(name);
  if (rolling) return { kind: "rolling", name, stat: rolling[1] as RollingFeatureStat, window: Number(rolling[2]) };
  if (Object.hasOwn(CALENDAR_FEATURES, name)) return { kind: "calendar", name: name as CalendarFeatureName };
  return null;
}

/**
 * Earlier values a feature needs beyond the row itself: k for lag k, w − 1 for a window of w ending at the row,
 * none for a calendar part. The history a prediction needs is the lookback plus the largest of these.
 */
export function warmUpOf(features: readonly string[]): number {
  let warmUp = 0;
  for (const name of features) {
    const f = parseFeature(name);
    if (f?.kind === "lag") warmUp = Math.max(warmUp, f.lag);
    else if (f?.kind === "rolling") warmUp = Math.max(warmUp, f.window - 1);
  }
  return warmUp;
}
