import type { ColumnType } from "../core/index.js";

/**
 * The outcome of reading one CSV cell as a column type. `value` is `null` for a missing cell; numbers, integers,
 * booleans (1/0) and times (epoch ms, UTC) are numbers; strings stay strings.
 */
export type ParsedCell = { ok: true; value: number | string | null } | { ok: false; reason: string };

/** The CSV contract's missing markers: an empty (or blank) cell, or `NA`. */
export function isMissing(cell: string): boolean {
  const t = cell.trim();
  return t === "" || t === "NA";
}

/** Quote a cell for an error message, shortened so one huge cell cannot flood a quarantine file. */
export function quoteCell(cell: string): string {
  const shown = cell.length > 60 ? `${cell.slice(0, 57)}...` : cell;
  return JSON.stringify(shown);
}

// Plain decimal or exponent form only. `Number()` alone would also take hex, binary, octal and "Infinity",
// which no data file means as a measurement.
const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A number in plain decimal or exponent form, or `undefined` if the text is anything else (or overflows). */
export function parseNumber(text: string): number | undefined {
  const t = text.trim();
  if (!NUMBER_RE.test(t)) return undefined;
  const value = Number(t);
  return Number.isFinite(value) ? value : undefined;
}

/** `true`/`false` (any case) or `1`/`0`, as 1 or 0; `undefined` for anything else. */
export function parseBoolean(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (t === "true" || t === "1") return 1;
  if (t === "false" || t === "0") return 0;
  return undefined;
}

// YYYY-MM, YYYY-MM-DD, or a date-time with minutes, optional seconds and fraction, and an optional zone
// (Z, ±HH, ±HHMM, ±HH:MM). A space is accepted in place of `T` because spreadsheet exports write it that way.
const TIME_RE =
  /^(\d{4})-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?)?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Why an ISO-shaped string is not a real instant, or `undefined` when every field is in range. */
function checkRanges(year: number, month: number, day: number, hour: number, minute: number, second: number) {
  if (month < 1 || month > 12) return `month ${month} does not exist`;
  const days = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1];
  if (day < 1 || day > days) return `day ${day} does not exist in ${String(year).padStart(4, "0")}-${month}`;
  if (hour > 23 || minute > 59 || second > 59) return "the time of day is out of range";
  return undefined;
}

function zoneOffsetMinutes(zone: string | undefined): number | undefined {
  // No zone means UTC: the contract says so, and it keeps results independent of the machine's time zone.
  if (zone === undefined || zone === "Z") return 0;
  const sign = zone[0] === "-" ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (hours > 23 || minutes > 59) return undefined;
  return sign * (hours * 60 + minutes);
}

/** Epoch ms for an ISO-8601 date or date-time, or a reason it is not one. */
export function parseTimeDetailed(text: string): { ok: true; ms: number } | { ok: false; reason: string } {
  const t = text.trim();
  const m = TIME_RE.exec(t);
  if (!m) return { ok: false, reason: `expected an ISO-8601 date, got ${quoteCell(text)}` };
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = m[3] === undefined ? 1 : Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  // Fractions beyond milliseconds are truncated: times are stored as integer epoch ms.
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, "0"));
  const rangeProblem = checkRanges(year, month, day, hour, minute, second);
  if (rangeProblem) return { ok: false, reason: `${quoteCell(text)} is not a real date: ${rangeProblem}` };
  const offset = zoneOffsetMinutes(m[8]);
  if (offset === undefined) return { ok: false, reason: `${quoteCell(text)} has an impossible zone offset` };
  // Date.UTC maps years 0-99 to 1900-1999, so set the year explicitly.
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, ms));
  date.setUTCFullYear(year);
  return { ok: true, ms: date.getTime() - offset * 60_000 };
}

/** Epoch ms (UTC) for `2020-01`, `2020-01-15`, `2020-01-15T10:00:00Z` and the like; `undefined` otherwise. */
export function parseTime(text: string): number | undefined {
  const r = parseTimeDetailed(text);
  return r.ok ? r.ms : undefined;
}

/**
 * Read one cell as `type`. Missing cells (empty or `NA`) give `value: null`; whether that is allowed is the
 * caller's call (`required`). Strings are kept exactly as written, surrounding spaces included.
 */
export function parseCell(cell: string, type: ColumnType): ParsedCell {
  if (isMissing(cell)) return { ok: true, value: null };
  switch (type) {
    case "string":
      return { ok: true, value: cell };
    case "number": {
      const v = parseNumber(cell);
      return v === undefined
        ? { ok: false, reason: `expected a number, got ${quoteCell(cell)}` }
        : { ok: true, value: v };
    }
    case "integer": {
      const v = parseNumber(cell);
      if (v === undefined || !Number.isInteger(v))
        return { ok: false, reason: `expected an integer, got ${quoteCell(cell)}` };
      // Beyond 2^53 a double cannot hold every integer, so the stored value would silently differ from the file.
      if (!Number.isSafeInteger(v)) return { ok: false, reason: `integer ${quoteCell(cell)} is too large to store` };
      return { ok: true, value: v };
    }
    case "boolean": {
      const v = parseBoolean(cell);
      return v === undefined
        ? { ok: false, reason: `expected true/false/1/0, got ${quoteCell(cell)}` }
        : { ok: true, value: v };
    }
    case "time": {
      const r = parseTimeDetailed(cell);
      return r.ok ? { ok: true, value: r.ms } : { ok: false, reason: r.reason };
    }
  }
}
