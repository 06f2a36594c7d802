import { type ErrorDetail, invalidInput } from "../../core/errors.js";
import { meanAndSd, minAndMax } from "./column-stats.js";
import { type FittedStep, numericValues, type OutputColumn } from "./fitted-step.js";
import { pointerTo, readArray, readFinite, readObject, readString } from "./json-reader.js";
import type { MinMaxScaleSpec, StandardScaleSpec } from "./transform-spec.js";
import type { WorkColumn, WorkTable } from "./work-table.js";

function noValues(at: string, j: number, column: string): ErrorDetail {
  return {
    field: pointerTo(pointerTo(at, "columns"), j),
    reason: `column ${column} has no values in the training rows`,
  };
}

function sameNames(columns: readonly string[]): OutputColumn[] {
  return columns.map((name) => ({ name, kind: "number" }));
}

interface StandardParams {
  column: string;
  mean: number;
  sd: number;
}

/** Standard scaling with the training mean and population sd (sd 1 for a constant column). */
export class FittedStandardScaler implements FittedStep {
  readonly outputs: OutputColumn[];
  readonly consumes: string[];

  constructor(
    readonly spec: StandardScaleSpec,
    private readonly params: StandardParams[],
  ) {
    this.outputs = sameNames(spec.columns);
    this.consumes = spec.columns;
  }

  apply(table: WorkTable): WorkColumn[] {
    return this.spec.columns.map((name, c) => {
      const { mean, sd } = this.params[c];
      const values = numericValues(table, name);
      const out = new Float64Array(values.length);
      for (let i = 0; i < values.length; i++) out[i] = (values[i] - mean) / sd; // NaN stays missing
      return { kind: "number", values: out, origin: table.columns.get(name)!.origin };
    });
  }

  fittedJson(): Record<string, unknown> {
    return { columns: this.params };
  }

  fittedState() {
    return { json: this.fittedJson(), blobs: {} };
  }
}

export function fitStandardScaler(spec: StandardScaleSpec, table: WorkTable, at: string): FittedStandardScaler {
  const details: ErrorDetail[] = [];
  const params = spec.columns.map((column, j) => {
    const { count, mean, sd } = meanAndSd(numericValues(table, column));
    if (count === 0) details.push(noValues(at, j, column));
    return { column, mean, sd };
  });
  if (details.length > 0) throw invalidInput("a scaler cannot be fitted on these training rows", details);
  return new FittedStandardScaler(spec, params);
}

interface MinMaxParams {
  column: string;
  min: number;
  max: number;
}

/**
 * Min-max scaling onto `spec.range` with the training minimum and maximum. A value outside the training range
 * lands outside `range` (linear extrapolation) unless `clip`; a constant column maps to `range[0]`.
 */
export class FittedMinMaxScaler implements FittedStep {
  readonly outputs: OutputColumn[];
  readonly consumes: string[];

  constructor(
    readonly spec: MinMaxScaleSpec,
    private readonly params: MinMaxParams[],
  ) {
    this.outputs = sameNames(spec.columns);
    this.consumes = spec.columns;
  }

  apply(table: WorkTable): WorkColumn[] {
    const [lo, hi] = this.spec.range;
    const clip = this.spec.clip;
    return this.spec.columns.map((name, c) => {
      const { min, max } = this.params[c];
      // A constant column has no span; treating it as 1 maps the training value to lo without dividing by 0.
      const scale = (hi - lo) / (max > min ? max - min : 1);
      const values = numericValues(table, name);
      const out = new Float64Array(values.length);
      for (let i = 0; i < values.length; i++) {
        const v = lo + (values[i] - min) * scale;
        out[i] = clip ? Math.min(hi, Math.max(lo, v)) : v; // Math.min/max keep NaN missing
      }
      return { kind: "number", values: out, origin: table.columns.get(name)!.origin };
    });
  }

  fittedJson(): Record<string, unknown> {
    return { columns: this.params };
  }

  fittedState() {
    return { json: this.fittedJson(), blobs: {} };
  }
}

export function fitMinMaxScaler(spec: MinMaxScaleSpec, table: WorkTable, at: string): FittedMinMaxScaler {
  const details: ErrorDetail[] = [];
  const params = spec.columns.map((column, j) => {
    const { count, min, max } = minAndMax(numericValues(table, column));
    if (count === 0) details.push(noValues(at, j, column));
    return { column, min, max };
  });
  if (details.length > 0) throw invalidInput("a scaler cannot be fitted on these training rows", details);
  return new FittedMinMaxScaler(spec, params);
}

/** Reads `{ columns: [{ column, <a>, <b> }] }`, one entry per spec column, in order, as `[a, b]` pairs. */
function readParams(
  json: unknown,
  at: string,
  details: ErrorDetail[],
  columns: readonly string[],
  keys: readonly [string, string],
): [number, number][] | undefined {
  const obj = readObject(json, at, details);
  if (!obj) return undefined;
  const entries = readArray(obj, "columns", at, details, (v, path) => {
    const entry = readObject(v, path, details);
    if (!entry) return undefined;
    const column = readString(entry, "column", path, details);
    const a = readFinite(entry, keys[0], path, details);
    const b = readFinite(entry, keys[1], path, details);
    if (column === undefined || a === undefined || b === undefined) return undefined;
    return { column, a, b };
  });
  if (!entries) return undefined;
  if (entries.length !== columns.length || entries.some((e, j) => e.column !== columns[j])) {
    details.push({ field: pointerTo(at, "columns"), reason: `expected one entry per column: ${columns.join(", ")}` });
    return undefined;
  }
  return entries.map((e) => [e.a, e.b]);
}

export function loadStandardScaler(spec: StandardScaleSpec, json: unknown, at: string, details: ErrorDetail[]) {
  const pairs = readParams(json, at, details, spec.columns, ["mean", "sd"]);
  if (!pairs) return undefined;
  if (pairs.some(([, sd]) => !(sd > 0))) {
    details.push({ field: pointerTo(at, "columns"), reason: "sd must be > 0" });
    return undefined;
  }
  return new FittedStandardScaler(
    spec,
    pairs.map(([mean, sd], j) => ({ column: spec.columns[j], mean, sd })),
  );
}

export function loadMinMaxScaler(spec: MinMaxScaleSpec, json: unknown, at: string, details: ErrorDetail[]) {
  const pairs = readParams(json, at, details, spec.columns, ["min", "max"]);
  if (!pairs) return undefined;
  if (pairs.some(([min, max]) => max < min)) {
    details.push({ field: pointerTo(at, "columns"), reason: "min > max" });
    return undefined;
  }
  return new FittedMinMaxScaler(
    spec,
    pairs.map(([min, max], j) => ({ column: spec.columns[j], min, max })),
  );
}
