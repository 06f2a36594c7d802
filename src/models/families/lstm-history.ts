import { type ErrorDetail, invalidInput } from "../../core/index.js";
import { formatTime, indexToTime, parseTimeValue, type TimeIndex, timeToIndex } from "../../features/index.js";
import type { TargetBounds } from "./lstm-predictor.js";

/**
 * The history a prediction request carries, per instance: `{"<target>": [v1, …, vN], "<time>": "2026-06-30"}`,
 * values oldest first on consecutive steps, the time that of the last value. The answer is the step after it.
 */
export interface HistoryInstance {
  /** The last `historyLength` values. */
  values: Float64Array;
  /** Step index (in the model's time index) of the last value. */
  lastStep: number;
}

export interface HistoryShape {
  target: string;
  time: string;
  /** Whether the time of the last value is required (the model has calendar features). */
  needsTime: boolean;
  historyLength: number;
  lookback: number;
  bounds: TargetBounds;
  timeIndex: TimeIndex;
  /** The step used when a request sends no time and the model does not need one (the features ignore it). */
  defaultLastStep: number;
}

/**
 * Reads and checks every instance; all problems of all instances are reported at once as `SLP_INPUT_INVALID`,
 * each naming its field: `/instances/0/sales` (missing, not a list, too short), `/instances/0/sales/3` (not a
 * number, outside the column's declared bounds), `/instances/0/date` (missing, unparseable, off the time grid).
 */
export function readHistories(records: readonly unknown[], shape: HistoryShape, prefix: string): HistoryInstance[] {
  const details: ErrorDetail[] = [];
  const out: HistoryInstance[] = [];
  records.forEach((record, i) => {
    const at = `${prefix}/${i}`;
    if (typeof record !== "object" || record === null || Array.isArray(record)) {
      details.push({ field: at, reason: `expected an object with ${shape.target}: [values, oldest first]` });
      return;
    }
    const before = details.length;
    const values = readValues(
      (record as Record<string, unknown>)[shape.target],
      `${at}/${shape.target}`,
      shape,
      details,
    );
    const lastStep = readLastStep(
      (record as Record<string, unknown>)[shape.time],
      `${at}/${shape.time}`,
      shape,
      details,
    );
    if (details.length === before && values && lastStep !== undefined) out.push({ values, lastStep });
  });
  if (details.length > 0) throw invalidInput(`${details.length} invalid field(s) in the request's history`, details);
  return out;
}

function readValues(raw: unknown, at: string, shape: HistoryShape, details: ErrorDetail[]): Float64Array | undefined {
  const n = shape.historyLength;
  const need = `the last ${n} or more values of ${shape.target}, oldest first`;
  if (raw === undefined || raw === null) {
    details.push({ field: at, reason: `required: ${need}` });
    return undefined;
  }
  if (!Array.isArray(raw)) {
    details.push({ field: at, reason: `expected a list: ${need}` });
    return undefined;
  }
  const before = details.length;
  const { min, max } = shape.bounds;
  raw.forEach((v, k) => {
    if (typeof v !== "number" || !Number.isFinite(v))
      details.push({ field: `${at}/${k}`, reason: "expected a number" });
    else if (v < min) details.push({ field: `${at}/${k}`, reason: `must be ≥ ${min} (got ${v})` });
    else if (v > max) details.push({ field: `${at}/${k}`, reason: `must be ≤ ${max} (got ${v})` });
  });
  if (raw.length < n) {
    const warmUp = n - shape.lookback;
    details.push({
      field: at,
      reason: `needs at least ${n} values (lookback ${shape.lookback} + ${warmUp} for the features' warm-up), got ${raw.length}`,
    });
  }
  if (details.length > before) return undefined;
  return Float64Array.from(raw.slice(raw.length - n) as number[]);
}

function readLastStep(raw: unknown, at: string, shape: HistoryShape, details: ErrorDetail[]): number | undefined {
  if (raw === undefined || raw === null) {
    if (!shape.needsTime) return shape.defaultLastStep;
    details.push({ field: at, reason: "required: the time of the last value (the model has calendar features)" });
    return undefined;
  }
  const t = parseTimeValue(raw);
  if (!Number.isFinite(t)) {
    details.push({ field: at, reason: "expected an ISO-8601 date, or a date-time with a zone" });
    return undefined;
  }
  const step = timeToIndex(shape.timeIndex, t);
  const whole = Math.round(step);
  if (Math.abs(step - whole) > 1e-6) {
    const below = Math.floor(step);
    const grid = [below, below + 1].map((k) => formatTime(shape.timeIndex, indexToTime(shape.timeIndex, k))).join(", ");
    details.push({ field: at, reason: `not a time of the model's steps (the nearest are ${grid})` });
    return undefined;
  }
  return whole;
}
