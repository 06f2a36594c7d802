/** The type a dataset column is declared (or inferred) with. `time` is an ISO-8601 date or date-time, read as UTC. */
export type ColumnType = "number" | "integer" | "string" | "boolean" | "time";

export interface ColumnSchema {
  name: string;
  type: ColumnType;
  /** When false (the default), an empty cell or `NA` is a missing value; when true it rejects the row. */
  required?: boolean;
  min?: number;
  max?: number;
  /** For string columns: the allowed values. */
  values?: string[];
}

export interface DatasetSchema {
  columns: ColumnSchema[];
  /** The time column of a time series; rows are keyed and ordered by it. */
  timeColumn?: string;
}

export type Task = "forecast" | "regression" | "binary" | "multiclass";
export const TASKS: readonly Task[] = ["forecast", "regression", "binary", "multiclass"];

export type Family = "auto" | "gp" | "ets" | "gbdt" | "linear" | "lstm";
export const FAMILIES: readonly Family[] = ["auto", "gp", "ets", "gbdt", "linear", "lstm"];
