import type { ErrorDetail } from "../../core/errors.js";
import type { Column } from "../../core/frame.js";
import { CalendarFeatures } from "./calendar-features.js";
import {
  FittedOneHotEncoder,
  FittedOrdinalEncoder,
  fitOneHotEncoder,
  fitOrdinalEncoder,
  readCategoryParams,
} from "./category-encoders.js";
import type { FittedStep } from "./fitted-step.js";
import { fitImputer, loadImputer } from "./imputer.js";
import { isRecord } from "./json-reader.js";
import { fitLagFeatures, loadLagFeatures } from "./lag-features.js";
import { Passthrough } from "./passthrough.js";
import { fitMinMaxScaler, fitStandardScaler, loadMinMaxScaler, loadStandardScaler } from "./scalers.js";
import type { TransformSpec } from "./transform-spec.js";
import type { WorkTable } from "./work-table.js";

type Kinds = ReadonlyMap<string, Column["kind"]>;

function kindsOf(columns: readonly string[], kinds: Kinds): Column["kind"][] {
  return columns.map((c) => kinds.get(c) ?? "number");
}

/** Fits one step on the training table; `kinds` are the kinds of the columns it reads (from the plan). */
export function fitStep(spec: TransformSpec, table: WorkTable, at: string, kinds: Kinds): FittedStep {
  switch (spec.type) {
    case "standard":
      return fitStandardScaler(spec, table, at);
    case "minmax":
      return fitMinMaxScaler(spec, table, at);
    case "onehot":
      return fitOneHotEncoder(spec, table, at);
    case "ordinal":
      return fitOrdinalEncoder(spec, table);
    case "impute":
      return fitImputer(spec, table, at);
    case "lags":
      return fitLagFeatures(spec, table);
    case "calendar":
      return new CalendarFeatures(spec);
    case "passthrough":
      return new Passthrough(spec, kindsOf(spec.columns, kinds));
  }
}

/** Rebuilds a fitted step from its stored parameters, reporting problems into `details`. */
export function loadStep(
  spec: TransformSpec,
  json: unknown,
  at: string,
  details: ErrorDetail[],
  blobs: Record<string, Float64Array>,
  kinds: Kinds,
): FittedStep | undefined {
  switch (spec.type) {
    case "standard":
      return loadStandardScaler(spec, json, at, details);
    case "minmax":
      return loadMinMaxScaler(spec, json, at, details);
    case "onehot": {
      const params = readCategoryParams(json, at, details, spec.columns);
      return params ? new FittedOneHotEncoder(spec, params) : undefined;
    }
    case "ordinal": {
      const params = readCategoryParams(json, at, details, spec.columns);
      return params ? new FittedOrdinalEncoder(spec, params) : undefined;
    }
    case "impute":
      return loadImputer(spec, json, at, details, (c) => kinds.get(c) ?? "number");
    case "lags":
      return loadLagFeatures(spec, json, at, details, blobs);
    case "calendar":
    case "passthrough":
      if (!isRecord(json)) {
        details.push({ field: at, reason: "expected an object" });
        return undefined;
      }
      return spec.type === "calendar"
        ? new CalendarFeatures(spec)
        : new Passthrough(spec, kindsOf(spec.columns, kinds));
  }
}
