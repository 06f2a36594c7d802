import { isSlipwayError, type SlipwayError } from "../../../src/core/errors.js";
import type { Column } from "../../../src/core/frame.js";

/** The SlipwayError `fn` throws (any other outcome fails the test). */
export function caught(fn: () => unknown): SlipwayError {
  try {
    fn();
  } catch (e) {
    if (isSlipwayError(e)) return e;
    throw e;
  }
  throw new Error("expected a SlipwayError");
}

/** Shorthands for frame columns in hand-written examples; `null` is a missing value. */
export const num = (values: (number | null)[]): Column => ({
  kind: "number",
  values: Float64Array.from(values, (v) => v ?? Number.NaN),
});
export const text = (values: (string | null)[]): Column => ({ kind: "string", values });
export const time = (values: string[]): Column => ({
  kind: "time",
  values: Float64Array.from(values, (v) => Date.parse(v)),
});

/** Column j of a row-major matrix. */
export function columnOfMatrix(m: { rows: number; cols: number; data: Float64Array }, j: number): number[] {
  return Array.from({ length: m.rows }, (_, i) => m.data[i * m.cols + j]);
}
