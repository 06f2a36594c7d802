import { type Column, type Frame, frameOf, SlipwayError } from "../core/index.js";

/** The stored form of a frame: column-major, numbers and times as numbers (times in epoch ms), missing as null. */
export interface FrameJson {
  format: "slipway.frame";
  version: 1;
  rowCount: number;
  columns: { name: string; kind: Column["kind"]; values: (number | string | null)[] }[];
}

/**
 * A frame as plain rows, e.g. for an API answer or a preview table. Times become ISO-8601 strings (UTC), missing
 * values `null`.
 */
export function frameToRows(frame: Frame): Record<string, number | string | null>[] {
  const rows: Record<string, number | string | null>[] = [];
  for (let r = 0; r < frame.rowCount; r++) rows.push({});
  for (const [name, col] of frame.columns) {
    for (let r = 0; r < frame.rowCount; r++) {
      if (col.kind === "string") rows[r][name] = col.values[r] ?? null;
      else {
        const v = col.values[r];
        if (Number.isNaN(v)) rows[r][name] = null;
        else rows[r][name] = col.kind === "time" ? new Date(v).toISOString() : v;
      }
    }
  }
  return rows;
}

// JSON has no NaN or infinities; NaN is the frame's "missing" and becomes null, and the infinities (which a
// frame from a model may hold) are spelled out so they survive the round trip instead of turning into missing.
function encodeNumber(v: number): number | string | null {
  if (Number.isNaN(v)) return null;
  if (v === Number.POSITIVE_INFINITY) return "Infinity";
  if (v === Number.NEGATIVE_INFINITY) return "-Infinity";
  return v;
}

/** A compact JSON text of a frame (see {@link FrameJson}), for storing a dataset version as an artifact. */
export function serializeFrame(frame: Frame): string {
  const body: FrameJson = {
    format: "slipway.frame",
    version: 1,
    rowCount: frame.rowCount,
    columns: [...frame.columns].map(([name, col]) => ({
      name,
      kind: col.kind,
      values: col.kind === "string" ? col.values : Array.from(col.values, encodeNumber),
    })),
  };
  return JSON.stringify(body);
}

function invalid(field: string, reason: string): SlipwayError {
  return new SlipwayError("SLP_DATA_INVALID", `not a stored frame: ${field} ${reason}`, [{ field, reason }]);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function decodeColumn(entry: unknown, at: number, rowCount: number): [string, Column] {
  const path = `/columns/${at}`;
  if (!isRecord(entry)) throw invalid(path, "is not an object");
  const { name, kind, values } = entry;
  if (typeof name !== "string") throw invalid(`${path}/name`, "is not a string");
  if (!Array.isArray(values) || values.length !== rowCount)
    throw invalid(`${path}/values`, `is not an array of ${rowCount} values`);
  if (kind === "string") {
    const out: (string | null)[] = new Array(rowCount);
    for (let r = 0; r < rowCount; r++) {
      const v: unknown = values[r];
      if (v !== null && typeof v !== "string") throw invalid(`${path}/values/${r}`, "is not a string or null");
      out[r] = v;
    }
    return [name, { kind, values: out }];
  }
  if (kind !== "number" && kind !== "time") throw invalid(`${path}/kind`, "is not number, time or string");
  const out = new Float64Array(rowCount);
  for (let r = 0; r < rowCount; r++) {
    const v: unknown = values[r];
    if (v === null) out[r] = Number.NaN;
    else if (typeof v === "number") out[r] = v;
    else if (v === "Infinity") out[r] = Number.POSITIVE_INFINITY;
    else if (v === "-Infinity") out[r] = Number.NEGATIVE_INFINITY;
    else throw invalid(`${path}/values/${r}`, "is not a number or null");
  }
  return [name, { kind, values: out }];
}

/**
 * Read a frame back from {@link serializeFrame}'s text, checking every part of it.
 *
 * @throws SlipwayError `SLP_DATA_INVALID` naming the first part (as a JSON pointer) that is not a stored frame.
 */
export function deserializeFrame(json: string): Frame {
  let body: unknown;
  try {
    body = JSON.parse(json);
  } catch (err) {
    throw new SlipwayError("SLP_DATA_INVALID", "not a stored frame: the text is not JSON", [
      { field: "body", reason: err instanceof Error ? err.message : "not JSON" },
    ]);
  }
  if (!isRecord(body) || body.format !== "slipway.frame") throw invalid("/format", 'is not "slipway.frame"');
  if (body.version !== 1) throw invalid("/version", "is not 1");
  const { rowCount, columns } = body;
  if (typeof rowCount !== "number" || !Number.isSafeInteger(rowCount) || rowCount < 0)
    throw invalid("/rowCount", "is not a non-negative integer");
  if (!Array.isArray(columns)) throw invalid("/columns", "is not an array");
  const map = new Map<string, Column>();
  columns.forEach((entry: unknown, at) => {
    const [name, col] = decodeColumn(entry, at, rowCount);
    if (map.has(name)) throw invalid(`/columns/${at}/name`, `repeats the column ${name}`);
    map.set(name, col);
  });
  // A frame with no columns keeps its row count; frameOf would report 0.
  return map.size === 0 ? { rowCount, columns: map } : frameOf(map);
}
