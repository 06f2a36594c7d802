import {
  type ColumnSchema,
  type ColumnType,
  type DatasetSchema,
  type ErrorDetail,
  SlipwayError,
} from "../core/index.js";
import type { CsvRecord } from "./csv-reader.js";
import { isMissing, parseNumber, parseTime } from "./parse-value.js";

export interface InferOptions {
  /** The time column of a time series: typed `time` whatever its cells look like, and required. */
  timeColumn?: string;
  /** The column to predict; it must exist in the header. */
  target?: string;
}

function inferType(records: readonly CsvRecord[], at: number): ColumnType {
  let isNumber = true;
  let isTime = true;
  let isBoolean = true;
  let present = 0;
  for (const rec of records) {
    const cell = rec.fields[at];
    if (cell === undefined || isMissing(cell)) continue;
    present++;
    if (isNumber && parseNumber(cell) === undefined) isNumber = false;
    if (isTime && parseTime(cell) === undefined) isTime = false;
    if (isBoolean) {
      const t = cell.trim().toLowerCase();
      isBoolean = t === "true" || t === "false";
    }
    if (!isNumber && !isTime && !isBoolean) return "string";
  }
  // With no values at all there is no evidence; string accepts anything a later file may bring.
  if (present === 0) return "string";
  // Number before time: a cell like "2020" is a number, and TIME_RE never matches a plain number anyway.
  if (isNumber) return "number";
  if (isTime) return "time";
  if (isBoolean) return "boolean";
  return "string";
}

/**
 * Guess a schema for a file the project has never seen. A column is `number` when every present cell is a number
 * (0/1 columns stay numbers), `time` when every present cell is an ISO-8601 date (or it is `timeColumn`),
 * `boolean` when every present cell is true/false, else `string`. Numbers are never narrowed to `integer`: the
 * next file may carry fractions. Nothing is required except the time column, and no constraints are guessed.
 * Columns with an empty header name (a trailing comma in the export) are left out.
 *
 * @throws SlipwayError `SLP_DATA_INVALID` when `timeColumn` or `target` is missing from the header, or a column
 * name appears twice.
 */
export function inferSchema(
  header: readonly string[],
  records: readonly CsvRecord[],
  options: InferOptions = {},
): DatasetSchema {
  const details: ErrorDetail[] = [];
  for (const [role, name] of [
    ["timeColumn", options.timeColumn],
    ["target", options.target],
  ] as const) {
    if (name !== undefined && !header.includes(name))
      details.push({ field: name, reason: `missing from the header (named as ${role})` });
  }
  const seen = new Set<string>();
  for (const name of header) {
    if (name !== "" && seen.has(name)) details.push({ field: name, reason: "appears more than once in the header" });
    seen.add(name);
  }
  if (details.length > 0)
    throw new SlipwayError(
      "SLP_DATA_INVALID",
      `cannot infer a schema: ${details.map((d) => `${d.field} ${d.reason}`).join("; ")}`,
      details,
    );

  const columns: ColumnSchema[] = [];
  header.forEach((name, at) => {
    if (name === "") return;
    if (name === options.timeColumn) columns.push({ name, type: "time", required: true });
    else columns.push({ name, type: inferType(records, at) });
  });
  return options.timeColumn === undefined ? { columns } : { columns, timeColumn: options.timeColumn };
}
