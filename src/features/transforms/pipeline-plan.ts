import { type ErrorDetail, invalidInput } from "../../core/errors.js";
import type { Column } from "../../core/frame.js";
import { calendarOutputNames } from "./calendar-features.js";
import { MISSING_INDICATOR_SUFFIX } from "./imputer.js";
import { pointerTo } from "./json-reader.js";
import { lagOutputNames } from "./lag-features.js";
import type { PipelineConfig, TransformSpec } from "./transform-spec.js";
import { describeKind, type InputColumn, kindName } from "./work-table.js";

type Kind = Column["kind"];

/** What a pipeline reads, worked out from its config and the kinds of the input columns, before any fitting. */
export interface PipelinePlan {
  /** Input columns in first-read order: what a frame or a request record must carry. */
  inputs: InputColumn[];
  /** Columns of the history rows a request may send for its lag steps (entity, time, value), all required. */
  history: InputColumn[];
  /** Per step, the kind of every column it reads. */
  readKinds: Map<string, Kind>[];
}

const NUMERIC: readonly Kind[] = ["number", "time"];
const CATEGORICAL: readonly Kind[] = ["string", "number"];
const ANY: readonly Kind[] = ["number", "time", "string"];

interface ReadOptions {
  /** Must be an input column: lag steps also read history rows, which do not go through earlier steps. */
  input?: boolean;
  required?: boolean;
}

/**
 * Checks that every step's columns exist (in the input or as an earlier step's output) with a kind the step
 * accepts, that no step silently overwrites a column it does not transform, and that lag columns are input
 * columns. Every problem is reported at once, naming the config field (`/transforms/1/columns/0`).
 * `inputKind` gives the kind of an input column, or undefined when there is no such column.
 */
export function planPipeline(
  config: PipelineConfig,
  inputKind: (name: string) => Kind | undefined,
  dataName: string,
  at = "",
): PipelinePlan {
  const details: ErrorDetail[] = [];
  const available = new Map<string, { kind: Kind; produced: boolean }>();
  const inputs = new Map<string, InputColumn>();
  const history = new Map<string, InputColumn>();
  const readKinds: Map<string, Kind>[] = [];

  config.transforms.forEach((spec, i) => {
    const stepAt = pointerTo(pointerTo(at, "transforms"), i);
    const kinds = new Map<string, Kind>();
    const before = details.length;
    const read = (name: string, path: string, accept: readonly Kind[], options: ReadOptions = {}): Kind | undefined => {
      const required = options.required ?? true;
      let entry = available.get(name);
      if (!entry) {
        const kind = inputKind(name);
        if (kind === undefined) {
          details.push({
            field: path,
            reason: `no column ${JSON.stringify(name)} in ${dataName} or from an earlier step`,
          });
          return undefined;
        }
        entry = { kind, produced: false };
        available.set(name, entry);
        inputs.set(name, { name, kind, required });
      } else if (!entry.produced) {
        const input = inputs.get(name)!;
        input.required ||= required;
      }
      if (options.input && entry.produced) {
        details.push({
          field: path,
          reason: "must be an input column, not an earlier step's output (history rows skip the steps)",
        });
        return undefined;
      }
      if (!accept.includes(entry.kind)) {
        const wanted = accept.map(kindName).join(" or ");
        details.push({ field: path, reason: `expected a ${wanted} column, got ${describeKind(entry.kind)} column` });
        return undefined;
      }
      kinds.set(name, entry.kind);
      return entry.kind;
    };
    const readColumns = (columns: readonly string[], accept: readonly Kind[]) =>
      columns.map((c, j) => read(c, pointerTo(pointerTo(stepAt, "columns"), j), accept));

    let outputs: { name: string; kind: Kind }[] | null;
    switch (spec.type) {
      case "standard":
      case "minmax":
        readColumns(spec.columns, NUMERIC);
        outputs = spec.columns.map((name) => ({ name, kind: "number" }));
        break;
      case "passthrough": {
        const columnKinds = readColumns(spec.columns, NUMERIC);
        outputs = spec.columns.map((name, j) => ({ name, kind: columnKinds[j] ?? "number" }));
        break;
      }
      case "ordinal":
        readColumns(spec.columns, CATEGORICAL);
        outputs = spec.columns.map((name) => ({ name, kind: "number" }));
        break;
      case "onehot":
        readColumns(spec.columns, CATEGORICAL);
        outputs = null; // names depend on the categories fitting finds; later steps cannot read them
        break;
      case "impute": {
        const columnKinds = readColumns(spec.columns, ANY);
        checkImpute(spec, columnKinds, stepAt, details);
        outputs = spec.columns.flatMap((name, j) => {
          const own = { name, kind: columnKinds[j] ?? "number" };
          return spec.indicator
            ? [own, { name: `${name}${MISSING_INDICATOR_SUFFIX}`, kind: "number" as const }]
            : [own];
        });
        break;
      }
      case "lags": {
        const value = read(spec.column, pointerTo(stepAt, "column"), ["number"], {
          input: true,
          required: spec.includeCurrent,
        });
        const time = read(spec.time, pointerTo(stepAt, "time"), NUMERIC, { input: true });
        const entity =
          spec.entity === null ? null : read(spec.entity, pointerTo(stepAt, "entity"), CATEGORICAL, { input: true });
        if (entity !== null && entity !== undefined && spec.entity !== null)
          history.set(spec.entity, { name: spec.entity, kind: entity, required: true });
        if (time !== undefined) history.set(spec.time, { name: spec.time, kind: time, required: true });
        if (value !== undefined) history.set(spec.column, { name: spec.column, kind: value, required: true });
        outputs = lagOutputNames(spec).map((name) => ({ name, kind: "number" }));
        break;
      }
      case "calendar":
        read(spec.column, pointerTo(stepAt, "column"), ["time"]);
        outputs = calendarOutputNames(spec).map((name) => ({ name, kind: "number" }));
        break;
    }
    const failed = details.length > before;
    for (const out of outputs ?? []) {
      const exists = available.has(out.name);
      if (exists && !kinds.has(out.name) && !readsColumn(spec, out.name))
        details.push({
          field: stepAt,
          reason: `its output ${JSON.stringify(out.name)} would overwrite an existing column`,
        });
      // A step with a bad input keeps the columns it would have replaced, so later steps are checked against
      // what the data has rather than reporting knock-on errors.
      if (!(failed && exists)) available.set(out.name, { kind: out.kind, produced: true });
    }
    readKinds.push(kinds);
  });
  if (details.length > 0) throw invalidInput("the feature pipeline does not fit the data", details);
  return { inputs: [...inputs.values()], history: [...history.values()], readKinds };
}

function readsColumn(spec: TransformSpec, name: string): boolean {
  return "columns" in spec && spec.columns.includes(name);
}

function checkImpute(
  spec: Extract<TransformSpec, { type: "impute" }>,
  kinds: (Kind | undefined)[],
  at: string,
  details: ErrorDetail[],
): void {
  kinds.forEach((kind, j) => {
    if (kind === undefined) return;
    const column = spec.columns[j];
    if (kind === "string" && (spec.strategy === "mean" || spec.strategy === "median"))
      details.push({
        field: pointerTo(at, "strategy"),
        reason: `${spec.strategy} needs a numeric column; ${column} is text (use mostFrequent or constant)`,
      });
    if (spec.strategy === "constant" && (kind === "string") !== (typeof spec.value === "string"))
      details.push({
        field: pointerTo(at, "value"),
        reason: `expected ${kind === "string" ? "a string" : "a number"} for ${describeKind(kind)} column (${column})`,
      });
  });
}
