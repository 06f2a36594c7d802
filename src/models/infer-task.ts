import { type Frame, SlipwayError, type Task } from "../core/index.js";

/**
 * The task a target implies: a time column means forecast; a numeric target with fractions or more than 10
 * distinct values means regression; two classes binary; otherwise multiclass.
 */
export function inferTask(frame: Frame, target: string, timeColumn?: string): Task {
  if (timeColumn !== undefined) return "forecast";
  const col = frame.columns.get(target);
  if (!col)
    throw new SlipwayError("SLP_INPUT_INVALID", `no column ${target}`, [{ field: "--target", reason: "not a column" }]);
  const distinct = new Set<string | number>();
  if (col.kind !== "string") {
    let fractional = false;
    for (const v of col.values) {
      if (!Number.isFinite(v)) continue;
      if (!Number.isInteger(v)) fractional = true;
      distinct.add(v);
    }
    if (fractional || distinct.size > 10) return "regression";
  } else {
    for (const v of col.values) if (v !== null) distinct.add(v);
  }
  return distinct.size === 2 ? "binary" : "multiclass";
}
