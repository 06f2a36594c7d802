import { type ErrorDetail, invalidInput } from "../../core/errors.js";
import { isRecord, pointerTo } from "./json-reader.js";
import { emptyColumn, type InputColumn, type WorkColumn, type WorkTable } from "./work-table.js";

// Plain decimal or exponent form only: `Number()` alone would also take hex, binary and "Infinity".
const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

// A date, or a date-time with an explicit zone: a zoneless time would be read in the server's time zone.
const TIME_RE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}))?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** A JSON value as a number: a finite number, a plain numeric string, or a boolean (1/0); NaN otherwise. */
export function parseNumberValue(value: unknown): number {
  if (typeof value === "number") return Number.isFinite(value) ? value : Number.NaN;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value !== "string") return Number.NaN;
  const t = value.trim();
  if (!NUMBER_RE.test(t)) return Number.NaN;
  const n = Number(t);
  return Number.isFinite(n) ? n : Number.NaN;
}

/** A JSON value as epoch ms: a number, or an ISO-8601 date (UTC) or date-time with a zone; NaN otherwise. */
export function parseTimeValue(value: unknown): number {
  if (typeof value === "number") return Number.isFinite(value) ? value : Number.NaN;
  if (typeof value !== "string") return Number.NaN;
  const m = TIME_RE.exec(value.trim());
  if (!m) return Number.NaN;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  const leap = month === 2 && ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0);
  if (month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1] + (leap ? 1 : 0)) return Number.NaN;
  if (hour > 23 || minute > 59 || second > 59) return Number.NaN;
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, "0"));
  const zone = m[8];
  let offsetMin = 0;
  if (zone !== undefined && zone !== "Z") {
    const hours = Number(zone.slice(1, 3));
    const minutes = Number(zone.slice(4, 6));
    if (hours > 23 || minutes > 59) return Number.NaN;
    offsetMin = (zone[0] === "-" ? -1 : 1) * (hours * 60 + minutes);
  }
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, ms));
  date.setUTCFullYear(year); // Date.UTC maps years 0–99 to 1900–1999
  return date.getTime() - offsetMin * 60_000;
}

function expectation(kind: InputColumn["kind"]): string {
  if (kind === "number") return "expected a number";
  if (kind === "time") return "expected epoch ms or an ISO-8601 date or date-time with a zone";
  return "expected a string";
}

/**
 * Reads JSON records (one object per row) into the input columns. Every problem in every row is collected
 * before throwing `SLP_INPUT_INVALID`, each naming its field (`/records/3/price`): a missing key of a required
 * column is "required"; `null` is a missing value; numeric columns take numbers, numeric strings and booleans;
 * text columns take strings or numbers (as their decimal text, the way numeric categories were fitted).
 */
export function tableFromRecords(
  records: readonly unknown[],
  inputs: readonly InputColumn[],
  pointerPrefix: string,
): WorkTable {
  const rowCount = records.length;
  const details: ErrorDetail[] = [];
  const columns: WorkColumn[] = inputs.map((input) => emptyColumn(input.kind, rowCount, input.name));
  for (let i = 0; i < rowCount; i++) {
    const record = records[i];
    if (!isRecord(record)) {
      details.push({ field: pointerTo(pointerPrefix, i), reason: "expected an object" });
      continue;
    }
    for (let c = 0; c < inputs.length; c++) {
      const input = inputs[c];
      const value = Object.hasOwn(record, input.name) ? record[input.name] : undefined;
      if (value === undefined) {
        if (input.required)
          details.push({ field: pointerTo(pointerTo(pointerPrefix, i), input.name), reason: "required" });
        continue;
      }
      if (value === null) continue; // already missing
      const col = columns[c];
      let ok = true;
      if (col.kind === "string") {
        if (typeof value === "string") col.values[i] = value;
        else if (typeof value === "number" && Number.isFinite(value)) col.values[i] = String(value);
        else ok = false;
      } else {
        const v = col.kind === "number" ? parseNumberValue(value) : parseTimeValue(value);
        if (Number.isNaN(v)) ok = false;
        else col.values[i] = v;
      }
      if (!ok)
        details.push({ field: pointerTo(pointerTo(pointerPrefix, i), input.name), reason: expectation(col.kind) });
    }
  }
  if (details.length > 0) throw invalidInput(`${details.length} invalid field(s) in the request`, details);
  const map = new Map<string, WorkColumn>();
  for (let c = 0; c < inputs.length; c++) map.set(inputs[c].name, columns[c]);
  return { rowCount, columns: map, source: { kind: "records", pointerPrefix } };
}
