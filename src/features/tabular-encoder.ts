import { type ErrorDetail, invalidInput } from "../core/errors.js";
import type { Frame } from "../core/frame.js";

/** A numeric (or time) column: missing → mean, then (v − mean) / sd. */
export interface NumericEncoding {
  column: string;
  kind: "number" | "time";
  mean: number;
  /** Population standard deviation on the training rows; 1 for a constant or empty column. */
  sd: number;
}

/** A text column: one indicator per kept category (sorted), then "other", then "missing". */
export interface CategoricalEncoding {
  column: string;
  kind: "string";
  categories: string[];
}

export type ColumnEncoding = NumericEncoding | CategoricalEncoding;

/** Fitted encoder state: plain JSON, and all that encoding needs. */
export interface TabularEncoderState {
  version: 1;
  columns: ColumnEncoding[];
}

/** A dense row-major matrix, entry (i, j) at `data[i * cols + j]`. */
export interface EncodedMatrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

export interface TabularEncoderOptions {
  /** Most frequent categories kept per text column (default 50); the rest share the "other" indicator. */
  maxCategories?: number;
}

/**
 * Fits the encoder on the rows of `frame` (the training split only, so nothing about held-out rows leaks into
 * the means, deviations or category lists). Columns are encoded in `featureColumns` order.
 */
export function fitTabularEncoder(
  frame: Frame,
  featureColumns: readonly string[],
  options: TabularEncoderOptions = {},
): TabularEncoderState {
  const maxCategories = options.maxCategories ?? 50;
  const details: ErrorDetail[] = [];
  const seen = new Set<string>();
  for (const name of featureColumns) {
    if (seen.has(name)) details.push({ field: name, reason: "listed twice" });
    else if (!frame.columns.has(name)) details.push({ field: name, reason: "no such column" });
    seen.add(name);
  }
  const columns: ColumnEncoding[] = [];
  for (const name of featureColumns) {
    const col = frame.columns.get(name);
    if (!col) continue; // reported above
    if (col.kind === "string")
      columns.push({ column: name, kind: "string", categories: topCategories(col.values, maxCategories) });
    else columns.push({ column: name, kind: col.kind, ...meanAndSd(col.values) });
  }
  if (details.length > 0) throw invalidInput("feature columns do not match the data", details);
  return { version: 1, columns };
}

/** Mean and population sd of the finite values (two passes, for accuracy). */
function meanAndSd(values: Float64Array): { mean: number; sd: number } {
  let count = 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i])) {
      count++;
      sum += values[i];
    }
  }
  if (count === 0) return { mean: 0, sd: 1 };
  const mean = sum / count;
  let squares = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i])) squares += (values[i] - mean) ** 2;
  }
  const sd = Math.sqrt(squares / count);
  // A constant column can leave rounding noise (~1e-17·|mean|) in sd; dividing by it would blow noise up to O(1).
  return { mean, sd: sd > 1e-12 * Math.abs(mean) && sd > 0 ? sd : 1 };
}

/** The `limit` most frequent non-null values (ties by code-unit order, for determinism), returned sorted. */
function topCategories(values: readonly (string | null)[], limit: number): string[] {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  const byFrequency = [...counts].sort((a, b) => b[1] - a[1] || compareCodeUnits(a[0], b[0]));
  return byFrequency
    .slice(0, limit)
    .map(([v]) => v)
    .sort(compareCodeUnits);
}

/** Locale-independent string order, so fitted state does not depend on the machine's ICU data. */
function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function widthOf(encoding: ColumnEncoding): number {
  return encoding.kind === "string" ? encoding.categories.length + 2 : 1;
}

/** Names of the encoded columns: `col` for numbers, `col=value`, `col=<other>`, `col=<missing>` for text. */
export function encodedFeatureNames(state: TabularEncoderState): string[] {
  const names: string[] = [];
  for (const e of state.columns) {
    if (e.kind !== "string") names.push(e.column);
    else names.push(...e.categories.map((c) => `${e.column}=${c}`), `${e.column}=<other>`, `${e.column}=<missing>`);
  }
  return names;
}

interface Layout {
  /** Where each column's block starts in an encoded row. */
  offsets: Int32Array;
  /** Category → indicator index for text columns (empty for numeric ones). */
  lookups: Map<string, number>[];
  /** Each column's name as a JSON pointer segment, for error fields. */
  segments: string[];
  width: number;
}

// A fitted state is never changed, so its layout is built once: per call, its maps and pointer segments took a
// third of a one-row request's encoding.
const layouts = new WeakMap<TabularEncoderState, Layout>();

function layout(state: TabularEncoderState): Layout {
  const cached = layouts.get(state);
  if (cached) return cached;
  const offsets = new Int32Array(state.columns.length);
  const lookups: Map<string, number>[] = [];
  let width = 0;
  for (let c = 0; c < state.columns.length; c++) {
    const e = state.columns[c];
    offsets[c] = width;
    width += widthOf(e);
    lookups.push(new Map(e.kind === "string" ? e.categories.map((v, k) => [v, k]) : []));
  }
  const built = { offsets, lookups, segments: state.columns.map((e) => pointerSegment(e.column)), width };
  layouts.set(state, built);
  return built;
}

/** Writes the one-hot indicator for `value` (null = missing) of a text column starting at `at`. */
function writeCategory(data: Float64Array, at: number, lookup: Map<string, number>, value: string | null): void {
  const other = lookup.size;
  data[at + (value === null ? other + 1 : (lookup.get(value) ?? other))] = 1;
}

/** Encodes every row of `frame` with a fitted state. Number columns feeding a text encoding are stringified. */
export function encodeFrame(state: TabularEncoderState, frame: Frame): EncodedMatrix {
  const { offsets, lookups, width } = layout(state);
  const rows = frame.rowCount;
  const data = new Float64Array(rows * width);
  const details: ErrorDetail[] = [];
  for (let c = 0; c < state.columns.length; c++) {
    const e = state.columns[c];
    const col = frame.columns.get(e.column);
    const at = offsets[c];
    if (!col) details.push({ field: e.column, reason: "required" });
    else if (e.kind !== "string") {
      if (col.kind === "string") {
        details.push({ field: e.column, reason: "expected a numeric column" });
        continue;
      }
      const { mean, sd } = e;
      for (let i = 0; i < rows; i++) {
        const v = col.values[i];
        data[i * width + at] = Number.isFinite(v) ? (v - mean) / sd : 0;
      }
    } else if (col.kind === "string") {
      for (let i = 0; i < rows; i++) writeCategory(data, i * width + at, lookups[c], col.values[i]);
    } else {
      for (let i = 0; i < rows; i++) {
        const v = col.values[i];
        writeCategory(data, i * width + at, lookups[c], Number.isNaN(v) ? null : String(v));
      }
    }
  }
  if (details.length > 0) throw invalidInput("the data does not have the model's feature columns", details);
  return { rows, cols: width, data };
}

/** RFC 6901 escaping of one JSON pointer segment. */
function pointerSegment(key: string): string {
  return key.replaceAll("~", "~0").replaceAll("/", "~1");
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

// Plain decimal or exponent form, as data files are read: `Number()` alone would also take hex and binary.
const NUMBER_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A finite number from a JSON value: a number, a plain numeric string, or (for a number column, such as one a
 * file declared boolean) a boolean as 1/0; NaN otherwise.
 */
function parseNumber(value: unknown, kind: "number" | "time"): number {
  if (typeof value === "number") return Number.isFinite(value) ? value : Number.NaN;
  if (typeof value === "boolean") return kind === "number" ? (value ? 1 : 0) : Number.NaN;
  if (typeof value !== "string" || value.trim() === "") return Number.NaN;
  const n = NUMBER_TEXT.test(value.trim()) ? Number(value) : Number.NaN;
  if (Number.isFinite(n)) return n;
  // Times may also come as ISO-8601 dates or instants with an explicit zone (never local time, which would
  // depend on the server's time zone).
  return kind === "time" && ISO_TIME.test(value) ? Date.parse(value) : Number.NaN;
}

/**
 * Encodes JSON request records (one object per row). Every problem in every row is collected before throwing
 * `SLP_INPUT_INVALID`, with fields such as `/instances/3/age`: a missing key is "required"; `null` is a missing
 * value and is imputed; numeric columns take numbers or numeric strings; text columns take strings or numbers.
 */
export function encodeRecords(
  state: TabularEncoderState,
  records: readonly unknown[],
  pointerPrefix = "/instances",
): EncodedMatrix {
  const { offsets, lookups, segments, width } = layout(state);
  const rows = records.length;
  const data = new Float64Array(rows * width);
  const details: ErrorDetail[] = [];
  for (let i = 0; i < rows; i++) {
    const record = records[i];
    if (!isRecord(record)) {
      details.push({ field: `${pointerPrefix}/${i}`, reason: "expected an object" });
      continue;
    }
    for (let c = 0; c < state.columns.length; c++) {
      const e = state.columns[c];
      const value = Object.hasOwn(record, e.column) ? record[e.column] : undefined;
      const at = i * width + offsets[c];
      let reason: string | null = null;
      if (value === undefined) reason = "required";
      else if (e.kind !== "string") {
        // null stays 0: imputed by the mean, which is 0 once standardised.
        const v = value === null ? e.mean : parseNumber(value, e.kind);
        if (Number.isNaN(v)) reason = expectation(e.kind);
        else data[at] = (v - e.mean) / e.sd;
      } else if (value === null || typeof value === "string" || (typeof value === "number" && Number.isFinite(value)))
        writeCategory(data, at, lookups[c], value === null ? null : String(value));
      else reason = "expected a string";
      if (reason !== null) details.push({ field: `${pointerPrefix}/${i}/${segments[c]}`, reason });
    }
  }
  if (details.length > 0) throw invalidInput(`${details.length} invalid field(s) in the request`, details);
  return { rows, cols: width, data };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function expectation(kind: "number" | "time"): string {
  return kind === "number" ? "expected a number" : "expected a number or an ISO-8601 time with a zone";
}
