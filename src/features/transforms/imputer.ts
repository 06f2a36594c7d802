import { type ErrorDetail, invalidInput } from "../../core/errors.js";
import type { Column } from "../../core/frame.js";
import { categoryCounts, meanAndSd, median, mostFrequentCategory, mostFrequentNumber } from "./column-stats.js";
import { columnOf, type FittedStep, type OutputColumn } from "./fitted-step.js";
import { pointerTo, readArray, readObject, readString } from "./json-reader.js";
import type { ImputeSpec } from "./transform-spec.js";
import type { WorkColumn, WorkTable } from "./work-table.js";

/** The learnt fill of one column: a number for numeric (and time) columns, a string for text ones. */
export interface ImputeParams {
  column: string;
  fill: number | string;
}

/** Suffix of the 0/1 missing-indicator column. */
export const MISSING_INDICATOR_SUFFIX = "_missing";

/**
 * Replaces missing values (non-finite numbers, null text) with the fill learnt on the training rows, in place;
 * with `indicator`, each column is followed by `<column>_missing`, 1 where the value was missing.
 */
export class FittedImputer implements FittedStep {
  readonly outputs: OutputColumn[];
  readonly consumes: string[];

  constructor(
    readonly spec: ImputeSpec,
    private readonly params: ImputeParams[],
    kinds: readonly Column["kind"][],
  ) {
    this.consumes = spec.columns;
    this.outputs = spec.columns.flatMap((name, c): OutputColumn[] =>
      spec.indicator
        ? [
            { name, kind: kinds[c] },
            { name: `${name}${MISSING_INDICATOR_SUFFIX}`, kind: "number" },
          ]
        : [{ name, kind: kinds[c] }],
    );
  }

  apply(table: WorkTable): WorkColumn[] {
    const out: WorkColumn[] = [];
    this.params.forEach(({ column, fill }) => {
      const col = columnOf(table, column);
      const n = col.values.length;
      const indicator = this.spec.indicator ? new Float64Array(n) : null;
      if (col.kind === "string") {
        const text = String(fill);
        const values = col.values.slice();
        for (let i = 0; i < n; i++) {
          if (values[i] !== null) continue;
          values[i] = text;
          if (indicator) indicator[i] = 1;
        }
        out.push({ kind: "string", values, origin: col.origin });
      } else {
        const value = Number(fill);
        const values = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const v = col.values[i];
          if (Number.isFinite(v)) values[i] = v;
          else {
            values[i] = value;
            if (indicator) indicator[i] = 1;
          }
        }
        out.push({ kind: col.kind, values, origin: col.origin });
      }
      if (indicator) out.push({ kind: "number", values: indicator, origin: col.origin });
    });
    return out;
  }

  fittedJson(): Record<string, unknown> {
    return { columns: this.params };
  }

  fittedState() {
    return { json: this.fittedJson(), blobs: {} };
  }
}

function learnFill(spec: ImputeSpec, col: WorkColumn): number | string | null {
  if (spec.strategy === "constant") return spec.value;
  if (col.kind === "string") return mostFrequentCategory(categoryCounts(col));
  const v =
    spec.strategy === "mean"
      ? meanOrNaN(col.values)
      : spec.strategy === "median"
        ? median(col.values)
        : mostFrequentNumber(col.values);
  return Number.isNaN(v) ? null : v;
}

function meanOrNaN(values: Float64Array): number {
  const { count, mean } = meanAndSd(values);
  return count === 0 ? Number.NaN : mean;
}

/** Fits the fills; planning has already checked that the strategy and constant suit each column's kind. */
export function fitImputer(spec: ImputeSpec, table: WorkTable, at: string): FittedImputer {
  const details: ErrorDetail[] = [];
  const kinds: Column["kind"][] = [];
  const params = spec.columns.map((column, j) => {
    const col = columnOf(table, column);
    kinds.push(col.kind);
    const fill = learnFill(spec, col);
    if (fill === null)
      details.push({
        field: pointerTo(pointerTo(at, "columns"), j),
        reason: `column ${column} has no values in the training rows to learn a fill from`,
      });
    return { column, fill: fill ?? 0 };
  });
  if (details.length > 0) throw invalidInput("an imputer cannot be fitted on these training rows", details);
  return new FittedImputer(spec, params, kinds);
}

export function loadImputer(
  spec: ImputeSpec,
  json: unknown,
  at: string,
  details: ErrorDetail[],
  kindOf: (column: string) => Column["kind"],
): FittedImputer | undefined {
  const obj = readObject(json, at, details);
  if (!obj) return undefined;
  const kinds = spec.columns.map(kindOf);
  const params = readArray(obj, "columns", at, details, (v, path): ImputeParams | undefined => {
    const entry = readObject(v, path, details);
    if (!entry) return undefined;
    const column = readString(entry, "column", path, details);
    const fill = entry.fill;
    if (column === undefined) return undefined;
    const isText = kindOf(column) === "string";
    if (isText && typeof fill === "string") return { column, fill };
    if (!isText && typeof fill === "number" && Number.isFinite(fill)) return { column, fill };
    details.push({ field: pointerTo(path, "fill"), reason: isText ? "expected a string" : "expected a finite number" });
    return undefined;
  });
  if (!params) return undefined;
  if (params.length !== spec.columns.length || params.some((p, j) => p.column !== spec.columns[j])) {
    details.push({
      field: pointerTo(at, "columns"),
      reason: `expected one entry per column: ${spec.columns.join(", ")}`,
    });
    return undefined;
  }
  return new FittedImputer(spec, params, kinds);
}
