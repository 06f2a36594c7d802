import { createHash } from "node:crypto";
import { type Column, type DatasetSchema, type Frame, SlipwayError } from "../core/index.js";

type Kind = Column["kind"];

/** The union of the frames' columns (first frame's order, then new ones), checking each name has one kind. */
function layoutOf(frames: readonly Frame[]): Map<string, Kind> {
  const layout = new Map<string, Kind>();
  for (const frame of frames) {
    for (const [name, col] of frame.columns) {
      const known = layout.get(name);
      if (known === undefined) layout.set(name, col.kind);
      else if (known !== col.kind)
        throw new SlipwayError(
          "SLP_DATA_INVALID",
          `column ${name} is ${known} in one frame and ${col.kind} in another`,
          [{ field: name, reason: `kind ${col.kind} does not match ${known}` }],
        );
    }
  }
  return layout;
}

/**
 * Build a frame whose row i is row `rows[i]` of `frames[sources[i]]`. A column a source frame lacks (the schema
 * grew a column) reads as missing for that frame's rows.
 */
function gather(frames: readonly Frame[], sources: Uint8Array, rows: Uint32Array): Frame {
  const n = rows.length;
  const columns = new Map<string, Column>();
  for (const [name, kind] of layoutOf(frames)) {
    const perSource = frames.map((f) => f.columns.get(name));
    if (kind === "string") {
      const src = perSource.map((c) => (c?.kind === "string" ? c.values : undefined));
      const values = new Array<string | null>(n);
      for (let i = 0; i < n; i++) values[i] = src[sources[i]]?.[rows[i]] ?? null;
      columns.set(name, { kind, values });
    } else {
      const src = perSource.map((c) => (c !== undefined && c.kind !== "string" ? c.values : undefined));
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const from = src[sources[i]];
        values[i] = from === undefined ? Number.NaN : from[rows[i]];
      }
      columns.set(name, { kind, values });
    }
  }
  return { rowCount: n, columns };
}

/** The rows of `a` then the rows of `b`, over the union of their columns (missing where a frame lacks one). */
export function appendFrames(a: Frame, b: Frame): Frame {
  const n = a.rowCount + b.rowCount;
  const sources = new Uint8Array(n);
  const rows = new Uint32Array(n);
  for (let i = 0; i < b.rowCount; i++) {
    sources[a.rowCount + i] = 1;
    rows[a.rowCount + i] = i;
  }
  for (let i = 0; i < a.rowCount; i++) rows[i] = i;
  return gather([a, b], sources, rows);
}

function timesOf(frame: Frame, timeColumn: string): Float64Array {
  const col = frame.columns.get(timeColumn);
  if (col === undefined || col.kind === "string")
    throw new SlipwayError("SLP_DATA_INVALID", `the time column ${timeColumn} is missing or not a time column`, [
      { field: timeColumn, reason: col === undefined ? "missing from the frame" : "is text, not times" },
    ]);
  for (let r = 0; r < col.values.length; r++) {
    if (Number.isNaN(col.values[r]))
      throw new SlipwayError("SLP_DATA_INVALID", `row ${r} has no ${timeColumn}; time-series rows are keyed by it`, [
        { field: timeColumn, reason: `missing in row ${r}` },
      ]);
  }
  return col.values;
}

export interface MergeResult {
  frame: Frame;
  /** Times (epoch ms, ascending) whose existing row was replaced by an incoming one. */
  replacedTimes: number[];
  /** Incoming rows whose time was new (distinct times; a time repeated within `incoming` counts once). */
  addedRows: number;
}

/**
 * Merge a new batch into a dataset keyed by time: the union of rows sorted by time, where an incoming row whose
 * time already exists replaces the old row (a corrected value wins over the stale one). Within `incoming`, a
 * later row with the same time wins. Without a `timeColumn` the rows are appended instead, nothing replaced.
 *
 * @throws SlipwayError `SLP_DATA_INVALID` when the time column is missing, text, or has a missing value, or when
 * a column has different kinds in the two frames.
 */
export function mergeByTime(existing: Frame | null, incoming: Frame, timeColumn?: string): MergeResult {
  if (timeColumn === undefined)
    return {
      frame: existing === null ? incoming : appendFrames(existing, incoming),
      replacedTimes: [],
      addedRows: incoming.rowCount,
    };
  const frames = existing === null ? [incoming] : [existing, incoming];
  const nExisting = existing === null ? 0 : existing.rowCount;
  // time -> slot, where slots [0, nExisting) are existing rows and the rest are incoming rows.
  const slotOf = new Map<number, number>();
  if (existing !== null) {
    const times = timesOf(existing, timeColumn);
    for (let r = 0; r < times.length; r++) slotOf.set(times[r], r);
  }
  const replaced = new Set<number>();
  let addedRows = 0;
  const incomingTimes = timesOf(incoming, timeColumn);
  for (let r = 0; r < incomingTimes.length; r++) {
    const t = incomingTimes[r];
    const slot = slotOf.get(t);
    if (slot === undefined) addedRows++;
    else if (slot < nExisting) replaced.add(t);
    slotOf.set(t, nExisting + r);
  }

  const sorted = Float64Array.from(slotOf.keys()).sort();
  const sources = new Uint8Array(sorted.length);
  const rows = new Uint32Array(sorted.length);
  const incomingSource = existing === null ? 0 : 1;
  for (let i = 0; i < sorted.length; i++) {
    const slot = slotOf.get(sorted[i])!;
    if (slot < nExisting) rows[i] = slot;
    else {
      sources[i] = incomingSource;
      rows[i] = slot - nExisting;
    }
  }
  return {
    frame: gather(frames, sources, rows),
    replacedTimes: [...replaced].sort((a, b) => a - b),
    addedRows,
  };
}

function canonicalCell(col: Column, r: number): string {
  if (col.kind === "string") {
    const v = col.values[r];
    // JSON quoting keeps the text "null" apart from a missing value and commas apart from the cell separator.
    return v === null || v === undefined ? "null" : JSON.stringify(v);
  }
  const v = col.values[r];
  // String() gives the shortest round-trip form, identical on every platform, and prints -0 as 0.
  return Number.isNaN(v) ? "null" : String(v);
}

/**
 * A sha256 (hex) of a frame's content: the schema's column names and types, then every row over those columns in
 * schema order. Rows are hashed in sorted order of their canonical text, so the hash depends on which rows the
 * dataset holds, not on the order they arrived in; any changed value changes it. Columns the schema does not
 * declare are not part of the content.
 *
 * @throws SlipwayError `SLP_DATA_INVALID` when a schema column is missing from the frame.
 */
export function contentHash(frame: Frame, schema: DatasetSchema): string {
  const cols = schema.columns.map((c) => {
    const col = frame.columns.get(c.name);
    if (col === undefined)
      throw new SlipwayError("SLP_DATA_INVALID", `cannot hash: column ${c.name} is not in the frame`, [
        { field: c.name, reason: "missing from the frame" },
      ]);
    return col;
  });
  const lines = new Array<string>(frame.rowCount);
  for (let r = 0; r < frame.rowCount; r++) {
    let line = "";
    for (let c = 0; c < cols.length; c++) line += (c === 0 ? "" : ",") + canonicalCell(cols[c], r);
    lines[r] = line;
  }
  // Default sort compares UTF-16 code units: locale-independent, so every machine gets the same order.
  lines.sort();
  const hash = createHash("sha256");
  hash.update(`${JSON.stringify({ v: 1, columns: schema.columns.map((c) => [c.name, c.type]) })}\n`);
  for (const line of lines) hash.update(`${line}\n`);
  return hash.digest("hex");
}
