import { type ErrorDetail, invalidInput } from "../../core/errors.js";
import {
  checkKeys,
  enumItem,
  integerItem,
  pointerTo,
  readArray,
  readBoolean,
  readEnum,
  readInteger,
  readObject,
  readString,
  stringItem,
} from "./json-reader.js";
import {
  CALENDAR_PARTS,
  CYCLIC_PARTS,
  DEFAULT_ONEHOT_MAX_CATEGORIES,
  IMPUTE_STRATEGIES,
  type PipelineConfig,
  ROLLING_STATS,
  TRANSFORM_TYPES,
  type TransformSpec,
} from "./transform-spec.js";

/**
 * Validates a pipeline config (see `transform-spec.ts`) and fills in its defaults. Every problem is reported at
 * once as `SLP_INPUT_INVALID`, each detail naming its JSON pointer below `at` (`/transforms/2/type`, …). Whether
 * the named columns exist is checked against the data when fitting.
 */
export function parsePipelineConfig(raw: unknown, at = ""): PipelineConfig {
  const details: ErrorDetail[] = [];
  const config = readConfig(raw, at, details);
  if (!config || details.length > 0) throw invalidInput("the feature pipeline config is invalid", details);
  return config;
}

function readConfig(raw: unknown, at: string, details: ErrorDetail[]): PipelineConfig | undefined {
  const obj = readObject(raw, at === "" ? "/" : at, details);
  if (!obj) return undefined;
  checkKeys(obj, at, ["transforms", "allowMissing"], details);
  const transforms = readArray(obj, "transforms", at, details, (v, path) => readSpec(v, path, details), {
    required: true,
    minItems: 1,
  });
  const allowMissing = readBoolean(obj, "allowMissing", at, details) ?? false;
  return transforms ? { transforms, allowMissing } : undefined;
}

const KEYS: Record<(typeof TRANSFORM_TYPES)[number], readonly string[]> = {
  standard: ["columns"],
  minmax: ["columns", "range", "clip"],
  onehot: ["columns", "maxCategories", "minFrequency"],
  ordinal: ["columns", "maxCategories", "minFrequency"],
  impute: ["columns", "strategy", "value", "indicator"],
  lags: ["column", "time", "entity", "lags", "windows", "stats", "minPeriods", "includeCurrent", "prefix"],
  calendar: ["column", "features", "cyclic", "prefix"],
  passthrough: ["columns"],
};

function readSpec(raw: unknown, at: string, details: ErrorDetail[]): TransformSpec | undefined {
  const obj = readObject(raw, at, details);
  if (!obj) return undefined;
  const type = readEnum(obj, "type", at, details, TRANSFORM_TYPES);
  if (type === undefined) return undefined;
  checkKeys(obj, at, ["type", ...KEYS[type]], details);
  const before = details.length;
  const spec = readSpecOf(type, obj, at, details);
  return details.length === before ? spec : undefined;
}

function readColumns(obj: Record<string, unknown>, at: string, details: ErrorDetail[]): string[] {
  const columns = readArray(obj, "columns", at, details, stringItem(details), {
    required: true,
    minItems: 1,
    unique: true,
  });
  return columns ?? [];
}

function readSpecOf(
  type: TransformSpec["type"],
  obj: Record<string, unknown>,
  at: string,
  details: ErrorDetail[],
): TransformSpec | undefined {
  switch (type) {
    case "standard":
    case "passthrough":
      return { type, columns: readColumns(obj, at, details) };
    case "minmax": {
      const columns = readColumns(obj, at, details);
      return {
        type,
        columns,
        range: readRange(obj, at, details),
        clip: readBoolean(obj, "clip", at, details) ?? false,
      };
    }
    case "onehot":
    case "ordinal": {
      const columns = readColumns(obj, at, details);
      const maxCategories = readInteger(obj, "maxCategories", at, details, 1);
      const minFrequency = readInteger(obj, "minFrequency", at, details, 1) ?? 1;
      return type === "onehot"
        ? { type, columns, maxCategories: maxCategories ?? DEFAULT_ONEHOT_MAX_CATEGORIES, minFrequency }
        : { type, columns, maxCategories: maxCategories ?? null, minFrequency };
    }
    case "impute":
      return readImpute(obj, at, details);
    case "lags":
      return readLags(obj, at, details);
    case "calendar": {
      const column = readString(obj, "column", at, details) ?? "";
      const features = readArray(obj, "features", at, details, enumItem(details, CALENDAR_PARTS), { unique: true });
      const cyclic = readArray(obj, "cyclic", at, details, enumItem(details, CYCLIC_PARTS), { unique: true });
      const spec = {
        type,
        column,
        features: features ?? [...CALENDAR_PARTS],
        cyclic: cyclic ?? [],
        prefix: readPrefix(obj, at, details) ?? `${column}_`,
      };
      if (spec.features.length + spec.cyclic.length === 0)
        details.push({ field: pointerTo(at, "features"), reason: "the step produces no feature" });
      return spec;
    }
  }
}

function readRange(obj: Record<string, unknown>, at: string, details: ErrorDetail[]): [number, number] {
  if (obj.range === undefined || obj.range === null) return [0, 1];
  const range = obj.range;
  if (
    Array.isArray(range) &&
    range.length === 2 &&
    typeof range[0] === "number" &&
    typeof range[1] === "number" &&
    Number.isFinite(range[0]) &&
    Number.isFinite(range[1]) &&
    range[0] < range[1]
  )
    return [range[0] + 0, range[1] + 0]; // −0 as 0, as JSON would store it
  details.push({ field: pointerTo(at, "range"), reason: "expected [lo, hi] with finite lo < hi" });
  return [0, 1];
}

function readPrefix(obj: Record<string, unknown>, at: string, details: ErrorDetail[]): string | undefined {
  if (obj.prefix === undefined || obj.prefix === null) return undefined;
  // An empty prefix is allowed: it gives the bare names `lag_1`, `rolling_mean_7`, `month`.
  if (typeof obj.prefix === "string") return obj.prefix;
  details.push({ field: pointerTo(at, "prefix"), reason: "expected a string" });
  return undefined;
}

function readImpute(obj: Record<string, unknown>, at: string, details: ErrorDetail[]): TransformSpec {
  const columns = readColumns(obj, at, details);
  const strategy = readEnum(obj, "strategy", at, details, IMPUTE_STRATEGIES) ?? "mean";
  const indicator = readBoolean(obj, "indicator", at, details) ?? false;
  let value: number | string | null = null;
  const raw = obj.value;
  if (strategy === "constant") {
    if (typeof raw === "string") value = raw;
    else if (typeof raw === "number" && Number.isFinite(raw))
      value = raw + 0; // −0 as 0, as JSON would store it
    else
      details.push({
        field: pointerTo(at, "value"),
        reason: raw === undefined ? "required by strategy constant" : "expected a finite number or a string",
      });
  } else if (raw !== undefined && raw !== null)
    details.push({ field: pointerTo(at, "value"), reason: "only used by strategy constant" });
  return { type: "impute", columns, strategy, value, indicator };
}

function readLags(obj: Record<string, unknown>, at: string, details: ErrorDetail[]): TransformSpec {
  const before = details.length;
  const column = readString(obj, "column", at, details) ?? "";
  const time = readString(obj, "time", at, details) ?? "";
  const entity = readString(obj, "entity", at, details, false) ?? null;
  const lags = readArray(obj, "lags", at, details, integerItem(details, 1), { unique: true }) ?? [];
  const windows = readArray(obj, "windows", at, details, integerItem(details, 1), { unique: true }) ?? [];
  const stats = readArray(obj, "stats", at, details, enumItem(details, ROLLING_STATS), {
    unique: true,
    minItems: 1,
  }) ?? ["mean"];
  const minPeriods = readInteger(obj, "minPeriods", at, details, 1) ?? null;
  const includeCurrent = readBoolean(obj, "includeCurrent", at, details) ?? false;
  const prefix = readPrefix(obj, at, details) ?? `${column}_`;
  if (lags.length + windows.length === 0 && details.length === before)
    details.push({ field: pointerTo(at, "lags"), reason: "give at least one lag or one window" });
  if (column !== "" && (column === time || column === entity))
    details.push({ field: pointerTo(at, "column"), reason: "must differ from the time and entity columns" });
  if (entity !== null && entity === time)
    details.push({ field: pointerTo(at, "entity"), reason: "must differ from the time column" });
  if (minPeriods !== null && windows.length === 0)
    details.push({ field: pointerTo(at, "minPeriods"), reason: "only used with windows" });
  return { type: "lags", column, time, entity, lags, windows, stats, minPeriods, includeCurrent, prefix };
}
