import { type ErrorDetail, invalidInput } from "../../core/errors.js";
import type { EncodedMatrix } from "../tabular-encoder.js";
import type { FittedStep } from "./fitted-step.js";
import { cellDetail, type WorkTable } from "./work-table.js";

/** A dense row-major feature matrix (entry (i, j) at `data[i * cols + j]`) and the name of every column. */
export interface FeatureMatrix extends EncodedMatrix {
  featureNames: readonly string[];
}

/**
 * The feature list of fitted steps, in order: each step's numeric outputs join the list where they first
 * appear (an output named like an existing feature keeps that place), and the columns a step transforms leave
 * it (one-hot's source column, a calendar step's time, a lag step's value). Text outputs are never features.
 */
export function featureNamesOf(steps: readonly FittedStep[]): string[] {
  let features: string[] = [];
  for (const step of steps) {
    const names = new Set(step.outputs.map((o) => o.name));
    const consumed = step.consumes.filter((c) => !names.has(c));
    if (consumed.length > 0) features = features.filter((f) => !consumed.includes(f));
    for (const out of step.outputs) if (out.kind !== "string" && !features.includes(out.name)) features.push(out.name);
  }
  return features;
}

/** At most this many details for missing values: one per cell would flood an answer for a large batch. */
const MAX_MISSING_DETAILS = 100;

/**
 * Copies the feature columns of a transformed table into a row-major matrix. Unless `allowMissing`, a missing
 * (non-finite) feature is an `SLP_INPUT_INVALID` error naming the input field it comes from.
 */
export function assembleMatrix(
  table: WorkTable,
  featureNames: readonly string[],
  allowMissing: boolean,
): FeatureMatrix {
  const rows = table.rowCount;
  const cols = featureNames.length;
  const data = new Float64Array(rows * cols);
  const details: ErrorDetail[] = [];
  let missingCount = 0;
  for (let j = 0; j < cols; j++) {
    const col = table.columns.get(featureNames[j]);
    if (!col || col.kind === "string") throw new TypeError(`feature ${featureNames[j]} is not a numeric column`);
    const values = col.values;
    const missingRows: number[] = [];
    for (let i = 0; i < rows; i++) {
      const v = values[i];
      data[i * cols + j] = v;
      if (!allowMissing && !Number.isFinite(v)) missingRows.push(i);
    }
    if (missingRows.length === 0) continue;
    missingCount += missingRows.length;
    const feature = featureNames[j];
    const why = col.missingReason ?? "no impute step covers it";
    const reason = feature === col.origin ? `missing: ${why}` : `feature ${feature} is missing: ${why}`;
    if (table.source.kind === "frame") {
      const shown = missingRows.slice(0, 5).join(", ");
      const more = missingRows.length > 5 ? ` (+${missingRows.length - 5} more)` : "";
      const rowsWord = missingRows.length === 1 ? "row" : "rows";
      details.push({ field: col.origin, reason: `${rowsWord} ${shown}${more}: ${reason}` });
    } else {
      for (const i of missingRows) {
        if (details.length < MAX_MISSING_DETAILS) details.push(cellDetail(table.source, i, col.origin, reason));
      }
    }
  }
  if (details.length > 0)
    throw invalidInput(`${missingCount} missing feature value(s); impute them or send the missing fields`, details);
  return { rows, cols, data, featureNames };
}
