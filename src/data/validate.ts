import {
  type Column,
  type ColumnSchema,
  type DatasetSchema,
  type ErrorDetail,
  type Frame,
  frameOf,
  SlipwayError,
} from "../core/index.js";
import type { CsvRecord } from "./csv-reader.js";
import { parseCell, quoteCell } from "./parse-value.js";

/** A row the schema refused, with everything needed to write it back unchanged and say why. */
export interface RejectedRow {
  /** 1-based line in the source file; the header is line 1. */
  line: number;
  raw: string;
  fields: string[];
  /** One reason per failing column, each starting with the column name (`volume: expected a number, got "abc"`). */
  error: string;
}

export interface ValidationResult {
  /** The accepted rows, one column per schema column in schema order. Booleans are stored as 1/0 numbers. */
  frame: Frame;
  /** Line numbers of the accepted rows, in frame row order. */
  accepted: number[];
  rejected: RejectedRow[];
}

type ColumnBuffer = { kind: "number" | "time"; values: Float64Array } | { kind: "string"; values: (string | null)[] };

function bufferFor(col: ColumnSchema, capacity: number): ColumnBuffer {
  if (col.type === "string") return { kind: "string", values: [] };
  return { kind: col.type === "time" ? "time" : "number", values: new Float64Array(capacity) };
}

/** Where each schema column sits in the header; every problem is collected so one error names them all. */
function locateColumns(schema: DatasetSchema, header: readonly string[]): number[] {
  const details: ErrorDetail[] = [];
  const indices = schema.columns.map((col) => {
    const at = header.indexOf(col.name);
    if (at === -1) details.push({ field: col.name, reason: "missing from the header" });
    else if (header.indexOf(col.name, at + 1) !== -1)
      details.push({ field: col.name, reason: "appears more than once in the header" });
    return at;
  });
  if (schema.timeColumn !== undefined && !schema.columns.some((c) => c.name === schema.timeColumn))
    details.push({ field: schema.timeColumn, reason: "is the time column but not a declared column" });
  if (details.length > 0) {
    const names = details.map((d) => `${d.field} ${d.reason}`).join("; ");
    throw new SlipwayError("SLP_DATA_INVALID", `the file does not match the dataset schema: ${names}`, details);
  }
  return indices;
}

/** Why a parsed, present value breaks the column's constraints, or `undefined`. */
function constraintProblem(col: ColumnSchema, value: number | string): string | undefined {
  if (typeof value === "number" && (col.type === "number" || col.type === "integer")) {
    if (col.min !== undefined && value < col.min) return `${value} is below the minimum ${col.min}`;
    if (col.max !== undefined && value > col.max) return `${value} is above the maximum ${col.max}`;
  }
  if (typeof value === "string" && col.values !== undefined && !col.values.includes(value))
    return `${quoteCell(value)} is not one of ${col.values.join(", ")}`;
  return undefined;
}

/**
 * Check parsed CSV records against a dataset schema and build a frame of the rows that pass.
 *
 * Each cell is parsed by its column's type (see `parseCell`); a missing value in a required column (and in the
 * time column, since rows are keyed by it), a value outside `min`/`max` or `values`, a wrong field count, or a time
 * already seen earlier in the file rejects the row with a reason per column. Columns the schema does not declare
 * are ignored.
 *
 * @throws SlipwayError `SLP_DATA_INVALID` when a schema column is missing from (or repeated in) the header.
 */
export function validateRecords(
  schema: DatasetSchema,
  header: readonly string[],
  records: readonly CsvRecord[],
): ValidationResult {
  const indices = locateColumns(schema, header);
  const cols = schema.columns;
  const buffers = cols.map((c) => bufferFor(c, records.length));
  const timeAt = schema.timeColumn === undefined ? -1 : cols.findIndex((c) => c.name === schema.timeColumn);
  // Within one file two rows with the same time would make "which one is the data" a guess; the later one is
  // rejected with the line of the first, so the author can fix the file.
  const timeSeenAt = new Map<number, number>();
  const accepted: number[] = [];
  const rejected: RejectedRow[] = [];
  const values: (number | string | null)[] = new Array(cols.length);

  for (const rec of records) {
    const problems: string[] = [];
    if (rec.fields.length !== header.length) {
      problems.push(`expected ${header.length} fields as in the header, got ${rec.fields.length}`);
    } else {
      for (let c = 0; c < cols.length; c++) {
        const col = cols[c];
        const parsed = parseCell(rec.fields[indices[c]], col.type);
        if (!parsed.ok) {
          problems.push(`${col.name}: ${parsed.reason}`);
          continue;
        }
        values[c] = parsed.value;
        if (parsed.value === null) {
          if (col.required || c === timeAt)
            problems.push(`${col.name}: required, got ${quoteCell(rec.fields[indices[c]])}`);
          continue;
        }
        const broken = constraintProblem(col, parsed.value);
        if (broken !== undefined) problems.push(`${col.name}: ${broken}`);
      }
    }
    const t = timeAt === -1 ? null : values[timeAt];
    if (problems.length === 0 && typeof t === "number") {
      const firstLine = timeSeenAt.get(t);
      if (firstLine !== undefined)
        problems.push(
          `${cols[timeAt].name}: duplicate time ${quoteCell(rec.fields[indices[timeAt]])}, first on line ${firstLine}`,
        );
      else timeSeenAt.set(t, rec.line);
    }
    if (problems.length > 0) {
      rejected.push({ line: rec.line, raw: rec.raw, fields: rec.fields, error: problems.join("; ") });
      continue;
    }
    const row = accepted.length;
    for (let c = 0; c < cols.length; c++) {
      const buf = buffers[c];
      const v = values[c];
      if (buf.kind === "string") buf.values.push(typeof v === "string" ? v : null);
      else buf.values[row] = typeof v === "number" ? v : Number.NaN;
    }
    accepted.push(rec.line);
  }

  const columns = new Map<string, Column>();
  for (let c = 0; c < cols.length; c++) {
    const buf = buffers[c];
    columns.set(
      cols[c].name,
      // slice copies down to the accepted count, so the frame does not pin room for the rejected rows.
      buf.kind === "string" ? buf : { kind: buf.kind, values: buf.values.slice(0, accepted.length) },
    );
  }
  return { frame: frameOf(columns), accepted, rejected };
}
