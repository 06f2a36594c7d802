/**
 * A column-oriented table. Numbers and times are Float64Array (NaN = missing; times are epoch milliseconds, UTC);
 * text columns are arrays of strings with `null` for missing. Every column has `rowCount` entries.
 */
export type Column =
  | { kind: "number"; values: Float64Array }
  | { kind: "time"; values: Float64Array }
  | { kind: "string"; values: (string | null)[] };

export interface Frame {
  readonly rowCount: number;
  readonly columns: ReadonlyMap<string, Column>;
}

export function frameOf(columns: Record<string, Column> | Map<string, Column>): Frame {
  const map = columns instanceof Map ? columns : new Map(Object.entries(columns));
  let rowCount = -1;
  for (const [name, col] of map) {
    if (rowCount === -1) rowCount = col.values.length;
    else if (col.values.length !== rowCount)
      throw new RangeError(`column ${name} has ${col.values.length} rows, expected ${rowCount}`);
  }
  return { rowCount: Math.max(rowCount, 0), columns: map };
}

export function column(frame: Frame, name: string): Column {
  const col = frame.columns.get(name);
  if (!col) throw new RangeError(`no column named ${name}`);
  return col;
}

export function numericColumn(frame: Frame, name: string): Float64Array {
  const col = column(frame, name);
  if (col.kind === "string") throw new TypeError(`column ${name} is text, not numeric`);
  return col.values;
}

/** Rows [start, end) of every column; numeric columns are views, not copies. */
export function sliceFrame(frame: Frame, start: number, end: number): Frame {
  const out = new Map<string, Column>();
  for (const [name, col] of frame.columns) {
    out.set(
      name,
      col.kind === "string"
        ? { kind: "string", values: col.values.slice(start, end) }
        : { kind: col.kind, values: col.values.subarray(start, end) },
    );
  }
  return { rowCount: Math.max(0, Math.min(end, frame.rowCount) - start), columns: out };
}

/** The rows at `indices`, in that order (copies). */
export function takeRows(frame: Frame, indices: ArrayLike<number>): Frame {
  const out = new Map<string, Column>();
  for (const [name, col] of frame.columns) {
    if (col.kind === "string") {
      const values: (string | null)[] = new Array(indices.length);
      for (let i = 0; i < indices.length; i++) values[i] = col.values[indices[i] as number] ?? null;
      out.set(name, { kind: "string", values });
    } else {
      const values = new Float64Array(indices.length);
      for (let i = 0; i < indices.length; i++) values[i] = col.values[indices[i] as number] as number;
      out.set(name, { kind: col.kind, values });
    }
  }
  return { rowCount: indices.length, columns: out };
}
