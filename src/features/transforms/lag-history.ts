import type { ErrorDetail } from "../../core/errors.js";
import { compareCodeUnits } from "./column-stats.js";
import type { StepState } from "./fitted-step.js";
import {
  integerItem,
  nullableNumberItem,
  pointerTo,
  readArray,
  readInteger,
  readObject,
  stringItem,
} from "./json-reader.js";
import type { Sequence } from "./lag-sequence.js";
import type { LagSpec } from "./transform-spec.js";

/**
 * The last observations of every training entity, kept so a request of one row can be featurised: entity k's
 * `counts[k]` entries start at the sum of the counts before it, oldest first.
 */
export interface LagHistory {
  /** Entity keys in code-unit order ("" when the step has no entity column). */
  entities: string[];
  counts: Int32Array;
  times: Float64Array;
  /** NaN = a missing value (the time was observed, the value was not). */
  values: Float64Array;
}

/** How many past observations any output of the step can reach back to. */
export function historyLength(spec: LagSpec): number {
  let h = 0;
  for (const k of spec.lags) h = Math.max(h, k);
  for (const w of spec.windows) h = Math.max(h, spec.includeCurrent ? w - 1 : w);
  return h;
}

/** The last `length` entries of each group of a training sequence (`starts` from `groupStarts`). */
export function tailOf(sequence: Sequence, starts: Int32Array, keys: readonly string[], length: number): LagHistory {
  const order = keys.map((_, g) => g).sort((a, b) => compareCodeUnits(keys[a], keys[b]));
  const counts = new Int32Array(keys.length);
  let total = 0;
  order.forEach((g, k) => {
    counts[k] = Math.min(length, starts[g + 1] - starts[g]);
    total += counts[k];
  });
  const times = new Float64Array(total);
  const values = new Float64Array(total);
  let at = 0;
  order.forEach((g, k) => {
    const from = starts[g + 1] - counts[k];
    times.set(sequence.time.subarray(from, starts[g + 1]), at);
    // Infinities are stored as missing and −0 as 0: JSON could carry neither, and a round trip must not
    // change a value.
    for (let p = from; p < starts[g + 1]; p++)
      values[at++] = Number.isFinite(sequence.value[p]) ? sequence.value[p] + 0 : Number.NaN;
  });
  return { entities: order.map((g) => keys[g]), counts, times, values };
}

/** The history as plain JSON (`inline`) or as JSON plus `times` and `values` blobs. */
export function historyState(history: LagHistory, length: number, inline: boolean): StepState {
  const json: Record<string, unknown> = {
    historyLength: length,
    entities: history.entities,
    counts: Array.from(history.counts),
  };
  if (!inline) return { json, blobs: { times: history.times, values: history.values } };
  json.times = Array.from(history.times);
  json.values = Array.from(history.values, (v) => (Number.isNaN(v) ? null : v));
  return { json, blobs: {} };
}

/** Reads a stored history, from inline arrays or, when `blobs` has them, from blobs. */
export function readHistory(
  json: unknown,
  at: string,
  details: ErrorDetail[],
  blobs: Record<string, Float64Array>,
  expectedLength: number,
): LagHistory | undefined {
  const obj = readObject(json, at, details);
  if (!obj) return undefined;
  const before = details.length;
  const length = readInteger(obj, "historyLength", at, details, 0, true);
  if (length !== undefined && length !== expectedLength)
    details.push({
      field: pointerTo(at, "historyLength"),
      reason: `expected ${expectedLength} for these lags and windows`,
    });
  const textItem = stringItem(details);
  const entities = readArray(obj, "entities", at, details, (v, path) => (v === "" ? "" : textItem(v, path)), {
    required: true,
    unique: true,
  });
  const counts = readArray(obj, "counts", at, details, integerItem(details, 0), { required: true });
  const times =
    blobs.times ?? numbers(readArray(obj, "times", at, details, nullableNumberItem(details), { required: true }));
  const values =
    blobs.values ?? numbers(readArray(obj, "values", at, details, nullableNumberItem(details), { required: true }));
  if (details.length > before || !entities || !counts || !times || !values) return undefined;
  const total = counts.reduce((a, b) => a + b, 0);
  if (counts.length !== entities.length || counts.some((c) => c > expectedLength))
    details.push({ field: pointerTo(at, "counts"), reason: `expected one count ≤ ${expectedLength} per entity` });
  else if (times.length !== total || values.length !== total)
    details.push({ field: pointerTo(at, "times"), reason: `expected ${total} times and values` });
  else if (times.some((t) => !Number.isFinite(t)))
    details.push({ field: pointerTo(at, "times"), reason: "a time is missing" });
  if (details.length > before) return undefined;
  return { entities, counts: Int32Array.from(counts), times, values };
}

function numbers(values: number[] | undefined): Float64Array | undefined {
  return values ? Float64Array.from(values) : undefined;
}
