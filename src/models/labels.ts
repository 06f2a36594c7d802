import { type Frame, SlipwayError } from "../core/index.js";

/** Class labels as strings (as written in the training file), sorted, and each row's class index. */
export function encodeLabels(frame: Frame, target: string, classes?: string[]): { classes: string[]; y: Int32Array } {
  const col = frame.columns.get(target);
  if (!col)
    throw new SlipwayError("SLP_TRAIN_FAILED", `no target column ${target}`, [{ field: target, reason: "missing" }]);
  const text: (string | null)[] =
    col.kind === "string" ? col.values : Array.from(col.values, (v) => (Number.isFinite(v) ? String(v) : null));
  const known = classes ?? [...new Set(text.filter((v): v is string => v !== null))].sort(compareLabels);
  const index = new Map(known.map((c, i) => [c, i]));
  const y = new Int32Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const v = text[i];
    y[i] = v === null ? -1 : (index.get(v) ?? -1);
  }
  return { classes: known, y };
}

/** Numeric labels sort by value (`2` before `10`), others as text. */
function compareLabels(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}
