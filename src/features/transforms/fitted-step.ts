import type { Column } from "../../core/frame.js";
import type { TransformSpec } from "./transform-spec.js";
import type { WorkColumn, WorkTable } from "./work-table.js";

/** A column a step writes: its name and kind are fixed once the step is fitted. */
export interface OutputColumn {
  name: string;
  kind: Column["kind"];
}

export interface ApplyContext {
  /** Past rows sent with a request (lag steps read them instead of their stored history); null when none. */
  history: WorkTable | null;
}

/** Learnt parameters as stored in a bundle: JSON, with large numeric arrays split out as blobs. */
export interface StepState {
  json: Record<string, unknown>;
  blobs: Record<string, Float64Array>;
}

/**
 * One fitted transform. It reads columns of a table and returns its outputs, in `outputs` order, as new columns
 * (never writing into the columns it read), using only what fitting learnt.
 */
export interface FittedStep {
  readonly spec: TransformSpec;
  readonly outputs: readonly OutputColumn[];
  /** Inputs this step turns into its outputs: they leave the feature list (see `feature-names.ts`). */
  readonly consumes: readonly string[];
  apply(table: WorkTable, context: ApplyContext): WorkColumn[];
  /** The learnt parameters as plain JSON (NaN written as null). */
  fittedJson(): Record<string, unknown>;
  /** The learnt parameters with large arrays as blobs; steps without large arrays return `fittedJson()`. */
  fittedState(): StepState;
}

/** The numeric values of a column that planning has already checked is numeric. */
export function numericValues(table: WorkTable, name: string): Float64Array {
  const col = table.columns.get(name);
  if (!col || col.kind === "string") throw new TypeError(`column ${name} is not a numeric column of the table`);
  return col.values;
}

export function columnOf(table: WorkTable, name: string): WorkColumn {
  const col = table.columns.get(name);
  if (!col) throw new TypeError(`column ${name} is not in the table`);
  return col;
}
