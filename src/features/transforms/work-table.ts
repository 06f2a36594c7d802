import { type ErrorDetail, invalidInput } from "../../core/errors.js";
import type { Column, Frame } from "../../core/frame.js";
import { pointerTo } from "./json-reader.js";

/**
 * A column while a pipeline runs: the frame's column kinds, plus `origin`, the input column its values derive
 * from, so an error about a derived feature can still name a field the caller sent. Steps never write into a
 * column they read; they return new ones.
 */
export type WorkColumn = Column & {
  origin: string;
  /** Why this column can be missing where its input is not (e.g. a lag without enough history). */
  missingReason?: string;
};

/** Where the rows came from, which decides how errors name a cell. */
export type RowSource = { kind: "frame" } | { kind: "records"; pointerPrefix: string };

export interface WorkTable {
  readonly rowCount: number;
  readonly columns: Map<string, WorkColumn>;
  readonly source: RowSource;
}

/** An input column of a fitted pipeline: its name, its kind at fit time, and whether a request must carry it. */
export interface InputColumn {
  name: string;
  kind: Column["kind"];
  /** False only for a lag step's value column (without `includeCurrent`): a request row need not know it. */
  required: boolean;
}

/**
 * An error detail about one cell: records name it by JSON pointer (`/records/3/price`); frames by column, with
 * the row in the reason.
 */
export function cellDetail(source: RowSource, row: number, column: string, reason: string): ErrorDetail {
  return source.kind === "records"
    ? { field: pointerTo(pointerTo(source.pointerPrefix, row), column), reason }
    : { field: column, reason: `row ${row}: ${reason}` };
}

/** "number", "time" or "text": how errors name a column kind. */
export function kindName(kind: Column["kind"]): string {
  return kind === "string" ? "text" : kind;
}

export function describeKind(kind: Column["kind"]): string {
  return `a ${kindName(kind)}`;
}

export function emptyColumn(kind: Column["kind"], rowCount: number, origin: string): WorkColumn {
  if (kind === "string") return { kind, values: new Array<string | null>(rowCount).fill(null), origin };
  return { kind, values: new Float64Array(rowCount).fill(Number.NaN), origin };
}

/**
 * The input columns of `frame`, checked against the fitted kinds. A missing optional column reads as all
 * missing. The frame's arrays are shared, not copied.
 */
export function tableFromFrame(frame: Frame, inputs: readonly InputColumn[]): WorkTable {
  const details: ErrorDetail[] = [];
  const columns = new Map<string, WorkColumn>();
  for (const input of inputs) {
    const col = frame.columns.get(input.name);
    if (!col) {
      if (input.required) details.push({ field: input.name, reason: "required" });
      else columns.set(input.name, emptyColumn(input.kind, frame.rowCount, input.name));
    } else if (col.kind !== input.kind) {
      details.push({
        field: input.name,
        reason: `expected ${describeKind(input.kind)} column (as in training), got ${describeKind(col.kind)} column`,
      });
    } else columns.set(input.name, { ...col, origin: input.name });
  }
  if (details.length > 0) throw invalidInput("the data does not have the feature pipeline's input columns", details);
  return { rowCount: frame.rowCount, columns, source: { kind: "frame" } };
}

/** Every column of a training frame, each its own origin. */
export function tableOfFrame(frame: Frame): WorkTable {
  const columns = new Map<string, WorkColumn>();
  for (const [name, col] of frame.columns) columns.set(name, { ...col, origin: name });
  return { rowCount: frame.rowCount, columns, source: { kind: "frame" } };
}
