import { type ErrorDetail, invalidInput } from "../../core/errors.js";
import { categoryCounts, compareCodeUnits } from "./column-stats.js";
import { columnOf, type FittedStep, type OutputColumn } from "./fitted-step.js";
import { pointerTo, readArray, readObject, readString, stringItem } from "./json-reader.js";
import type { OneHotSpec, OrdinalSpec } from "./transform-spec.js";
import type { WorkColumn, WorkTable } from "./work-table.js";

/** Ordinal code of a category never seen in training. */
export const UNSEEN_CODE = -1;
/** Ordinal code of a missing value (null text, NaN number). */
export const MISSING_CODE = -2;

/** What fitting learnt about one column: the kept categories and the rarer ones folded into "other". */
export interface CategoryParams {
  column: string;
  /** Kept categories, code-unit sorted; category k has code k. */
  categories: string[];
  /** Training categories folded into "other" (code `categories.length`), code-unit sorted. */
  other: string[];
}

function fitCategories(spec: OneHotSpec | OrdinalSpec, table: WorkTable): CategoryParams[] {
  return spec.columns.map((column) => {
    const col = columnOf(table, column);
    const counts = categoryCounts(col.kind === "string" ? col : { kind: col.kind, values: col.values });
    const byFrequency = [...counts].sort((a, b) => b[1] - a[1] || compareCodeUnits(a[0], b[0]));
    const limit = spec.maxCategories ?? Number.POSITIVE_INFINITY;
    const categories: string[] = [];
    const other: string[] = [];
    for (const [value, count] of byFrequency) {
      if (count >= spec.minFrequency && categories.length < limit) categories.push(value);
      else other.push(value);
    }
    return { column, categories: categories.sort(compareCodeUnits), other: other.sort(compareCodeUnits) };
  });
}

/** Category → code lookups of one column, built once per fitted encoder (not per request). */
class CodeLookup {
  private readonly byText = new Map<string, number>();
  private byNumber: Map<number, number> | null = null;

  constructor(private readonly params: CategoryParams) {
    params.categories.forEach((c, k) => {
      this.byText.set(c, k);
    });
    for (const c of params.other) this.byText.set(c, params.categories.length);
  }

  /** The code of every row: 0…K−1 kept, K other, {@link UNSEEN_CODE}, {@link MISSING_CODE}. */
  codes(col: WorkColumn): Int32Array {
    const n = col.values.length;
    const out = new Int32Array(n);
    if (col.kind === "string") {
      for (let i = 0; i < n; i++) {
        const v = col.values[i];
        out[i] = v === null ? MISSING_CODE : (this.byText.get(v) ?? UNSEEN_CODE);
      }
      return out;
    }
    // Numeric categories were fitted as their decimal text; String(v) reads back to the same double, so a map
    // keyed by number matches exactly the values whose text matched, without a string per row.
    if (this.byNumber === null) {
      this.byNumber = new Map();
      for (const [text, code] of this.byText) this.byNumber.set(Number(text), code);
    }
    const byNumber = this.byNumber;
    for (let i = 0; i < n; i++) {
      const v = col.values[i];
      out[i] = Number.isFinite(v) ? (byNumber.get(v) ?? UNSEEN_CODE) : MISSING_CODE;
    }
    return out;
  }

  get size(): number {
    return this.params.categories.length;
  }
}

/**
 * One-hot encoding. Per column, in order: one indicator per kept category, then `<other>` (training categories
 * beyond `maxCategories` or under `minFrequency`), `<unseen>` (a category training never saw: it is never
 * silently a known one, and a model fitted on training rows has only ever seen 0 there) and `<missing>`.
 */
export class FittedOneHotEncoder implements FittedStep {
  readonly outputs: OutputColumn[];
  readonly consumes: string[];
  private readonly lookups: CodeLookup[];

  constructor(
    readonly spec: OneHotSpec,
    private readonly params: CategoryParams[],
  ) {
    this.consumes = spec.columns;
    this.lookups = params.map((p) => new CodeLookup(p));
    this.outputs = params.flatMap((p) =>
      [...p.categories, "<other>", "<unseen>", "<missing>"].map((c) => ({
        name: `${p.column}=${c}`,
        kind: "number" as const,
      })),
    );
  }

  apply(table: WorkTable): WorkColumn[] {
    const out: WorkColumn[] = [];
    for (let c = 0; c < this.params.length; c++) {
      const col = columnOf(table, this.params[c].column);
      const codes = this.lookups[c].codes(col);
      const k = this.lookups[c].size;
      const block: Float64Array[] = [];
      for (let j = 0; j < k + 3; j++) block.push(new Float64Array(codes.length));
      for (let i = 0; i < codes.length; i++) {
        const code = codes[i];
        block[code >= 0 ? code : code === UNSEEN_CODE ? k + 1 : k + 2][i] = 1;
      }
      for (const values of block) out.push({ kind: "number", values, origin: col.origin });
    }
    return out;
  }

  fittedJson(): Record<string, unknown> {
    return { columns: this.params };
  }

  fittedState() {
    return { json: this.fittedJson(), blobs: {} };
  }
}

/** Ordinal encoding in place: codes 0…K−1 (sorted categories), K for other, −1 for unseen, −2 for missing. */
export class FittedOrdinalEncoder implements FittedStep {
  readonly outputs: OutputColumn[];
  readonly consumes: string[];
  private readonly lookups: CodeLookup[];

  constructor(
    readonly spec: OrdinalSpec,
    private readonly params: CategoryParams[],
  ) {
    this.consumes = spec.columns;
    this.lookups = params.map((p) => new CodeLookup(p));
    this.outputs = spec.columns.map((name) => ({ name, kind: "number" }));
  }

  apply(table: WorkTable): WorkColumn[] {
    return this.params.map((p, c) => {
      const col = columnOf(table, p.column);
      return { kind: "number", values: Float64Array.from(this.lookups[c].codes(col)), origin: col.origin };
    });
  }

  fittedJson(): Record<string, unknown> {
    return { columns: this.params };
  }

  fittedState() {
    return { json: this.fittedJson(), blobs: {} };
  }
}

/** A category spelled like a bucket (`<other>`) would give two indicators the same name. */
function checkBucketNames(params: CategoryParams[], at: string): void {
  const details: ErrorDetail[] = [];
  params.forEach((p, j) => {
    for (const c of p.categories) {
      if (c === "<other>" || c === "<unseen>" || c === "<missing>")
        details.push({
          field: pointerTo(pointerTo(at, "columns"), j),
          reason: `category ${c} clashes with a bucket name`,
        });
    }
  });
  if (details.length > 0) throw invalidInput("a one-hot encoder cannot be fitted on these training rows", details);
}

export function fitOneHotEncoder(spec: OneHotSpec, table: WorkTable, at: string): FittedOneHotEncoder {
  const params = fitCategories(spec, table);
  checkBucketNames(params, at);
  return new FittedOneHotEncoder(spec, params);
}

export function fitOrdinalEncoder(spec: OrdinalSpec, table: WorkTable): FittedOrdinalEncoder {
  return new FittedOrdinalEncoder(spec, fitCategories(spec, table));
}

export function readCategoryParams(
  json: unknown,
  at: string,
  details: ErrorDetail[],
  columns: readonly string[],
): CategoryParams[] | undefined {
  const obj = readObject(json, at, details);
  if (!obj) return undefined;
  const entries = readArray(obj, "columns", at, details, (v, path) => {
    const entry = readObject(v, path, details);
    if (!entry) return undefined;
    const column = readString(entry, "column", path, details);
    const opts = { required: true, unique: true };
    const categories = readArray(entry, "categories", path, details, stringOrEmpty(details), opts);
    const other = readArray(entry, "other", path, details, stringOrEmpty(details), opts);
    if (column === undefined || categories === undefined || other === undefined) return undefined;
    const kept = new Set(categories);
    if (other.some((c) => kept.has(c))) {
      details.push({ field: pointerTo(path, "other"), reason: "repeats a kept category" });
      return undefined;
    }
    return { column, categories, other };
  });
  if (!entries) return undefined;
  if (entries.length !== columns.length || entries.some((e, j) => e.column !== columns[j])) {
    details.push({ field: pointerTo(at, "columns"), reason: `expected one entry per column: ${columns.join(", ")}` });
    return undefined;
  }
  return entries;
}

/** Categories may be any string, the empty one included. */
function stringOrEmpty(details: ErrorDetail[]) {
  const nonEmpty = stringItem(details);
  return (value: unknown, at: string) => (value === "" ? "" : nonEmpty(value, at));
}
