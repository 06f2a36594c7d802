import { type ErrorDetail, invalidInput } from "../../core/errors.js";
import { EntityGroups, MISSING_ENTITY } from "./entity-groups.js";
import { type ApplyContext, columnOf, type FittedStep, numericValues, type OutputColumn } from "./fitted-step.js";
import { historyLength, historyState, type LagHistory, readHistory, tailOf } from "./lag-history.js";
import { type Duplicate, groupStarts, mergeSequence, type PastEntries, type SeriesRows } from "./lag-sequence.js";
import { computeLagValues } from "./lag-values.js";
import type { LagSpec } from "./transform-spec.js";
import { cellDetail, type WorkColumn, type WorkTable } from "./work-table.js";

/** Output names: `<prefix>lag_<k>` per lag, then `<prefix>rolling_<stat>_<w>` per window and statistic. */
export function lagOutputNames(spec: LagSpec): string[] {
  return [
    ...spec.lags.map((k) => `${spec.prefix}lag_${k}`),
    ...spec.windows.flatMap((w) => spec.stats.map((s) => `${spec.prefix}rolling_${s}_${w}`)),
  ];
}

function missingReasons(spec: LagSpec): string[] {
  const tail = "send the entity's history with the request, or impute this feature";
  return [
    ...spec.lags.map((k) => `needs ${k} earlier observation(s) of its entity; ${tail}`),
    ...spec.windows.flatMap((w) =>
      spec.stats.map((s) => {
        const need = Math.min(spec.minPeriods ?? w, w);
        const span = spec.includeCurrent
          ? `the row and the ${w - 1} observation(s) before it`
          : `the ${w} observation(s) before the row`;
        return `needs ${s === "std" ? Math.max(need, 2) : need} non-missing value(s) among ${span}; ${tail}`;
      }),
    ),
  ];
}

/** The entity groups and observations of a table's rows; a row without entity or time is an error. */
function readSeries(spec: LagSpec, table: WorkTable): { groups: EntityGroups; rows: SeriesRows } {
  const entity = spec.entity === null ? null : columnOf(table, spec.entity);
  const time = numericValues(table, spec.time);
  const groups = new EntityGroups(entity, table.rowCount);
  const details: ErrorDetail[] = [];
  for (let i = 0; i < table.rowCount; i++) {
    if (groups.groupOf[i] === MISSING_ENTITY)
      details.push(cellDetail(table.source, i, spec.entity!, "required: lag features are computed per entity"));
    if (!Number.isFinite(time[i]))
      details.push(cellDetail(table.source, i, spec.time, "required: lag features order rows by time"));
  }
  if (details.length > 0) throw invalidInput(`${details.length} row(s) cannot be placed in their series`, details);
  return { groups, rows: { group: groups.groupOf, time, value: numericValues(table, spec.column) } };
}

function formatTime(table: WorkTable, spec: LagSpec, t: number): string {
  return table.columns.get(spec.time)?.kind === "time" ? new Date(t).toISOString() : String(t);
}

function duplicateError(spec: LagSpec, table: WorkTable, groups: EntityGroups, duplicates: Duplicate[]) {
  const details = duplicates.map((d) => {
    const entity = spec.entity === null ? "the series" : `entity ${JSON.stringify(groups.keys[d.group])}`;
    return cellDetail(
      table.source,
      d.second,
      spec.time,
      `${entity} already has a row at ${formatTime(table, spec, d.time)} (row ${d.first})`,
    );
  });
  return invalidInput("two rows of one entity share a time, so their order is undefined", details);
}

/**
 * Lags and rolling statistics of a value column per entity in time order (see `LagSpec`). Fitting keeps the
 * last `historyLength` observations of every training entity. Applying merges, per entity, the past (the
 * request's history rows for that entity when it sent any, else the stored ones) with the input rows, and
 * reads back from each row: every output of a row uses only strictly earlier observations (and the row's own
 * value in rolling windows when `includeCurrent`), so the row's target and later rows never leak in.
 */
export class FittedLagFeatures implements FittedStep {
  readonly outputs: OutputColumn[];
  readonly consumes: string[];
  readonly historyLength: number;
  private readonly reasons: string[];
  private readonly index = new Map<string, number>();
  private readonly offsets: Int32Array;

  constructor(
    readonly spec: LagSpec,
    private readonly history: LagHistory,
  ) {
    this.outputs = lagOutputNames(spec).map((name) => ({ name, kind: "number" }));
    this.consumes = [spec.column];
    this.historyLength = historyLength(spec);
    this.reasons = missingReasons(spec);
    this.offsets = new Int32Array(history.entities.length + 1);
    history.entities.forEach((key, k) => {
      this.index.set(key, k);
      this.offsets[k + 1] = this.offsets[k] + history.counts[k];
    });
  }

  apply(table: WorkTable, context: ApplyContext): WorkColumn[] {
    const { groups, rows } = readSeries(this.spec, table);
    const past = this.pastEntries(groups, context.history);
    const { sequence, duplicates } = mergeSequence(rows, past);
    if (duplicates.length > 0) throw duplicateError(this.spec, table, groups, duplicates);
    const outputs = this.outputs.map(() => new Float64Array(table.rowCount));
    computeLagValues(sequence, groupStarts(sequence, groups.keys.length), this.spec, outputs);
    const origin = columnOf(table, this.spec.column).origin;
    return outputs.map((values, o) => ({ kind: "number", values, origin, missingReason: this.reasons[o] }));
  }

  /** Past observations per input entity: the request's history rows for it, or else the stored ones. */
  private pastEntries(groups: EntityGroups, history: WorkTable | null): PastEntries {
    const fromHistory = new Uint8Array(groups.keys.length);
    let historyGroups: Int32Array | null = null;
    let count = 0;
    if (history !== null) {
      const entity = this.spec.entity === null ? null : columnOf(history, this.spec.entity);
      const time = numericValues(history, this.spec.time);
      historyGroups = new Int32Array(history.rowCount);
      const details: ErrorDetail[] = [];
      for (let r = 0; r < history.rowCount; r++) {
        const g = groups.lookup(entity, r);
        historyGroups[r] = g;
        if (g === MISSING_ENTITY) details.push(cellDetail(history.source, r, this.spec.entity!, "required"));
        else if (!Number.isFinite(time[r])) details.push(cellDetail(history.source, r, this.spec.time, "required"));
        else if (g >= 0) {
          fromHistory[g] = 1;
          count++;
        }
      }
      if (details.length > 0)
        throw invalidInput(`${details.length} history row(s) cannot be placed in their series`, details);
    }
    for (let g = 0; g < groups.keys.length; g++) {
      const k = this.index.get(groups.keys[g]);
      if (fromHistory[g] === 0 && k !== undefined) count += this.history.counts[k];
    }
    const past: PastEntries = {
      group: new Int32Array(count),
      time: new Float64Array(count),
      value: new Float64Array(count),
      historyRow: new Int32Array(count).fill(-1),
    };
    let at = 0;
    if (history !== null && historyGroups !== null) {
      const time = numericValues(history, this.spec.time);
      const value = numericValues(history, this.spec.column);
      for (let r = 0; r < history.rowCount; r++) {
        if (historyGroups[r] < 0 || !Number.isFinite(time[r])) continue;
        past.group[at] = historyGroups[r];
        past.time[at] = time[r];
        past.value[at] = value[r];
        past.historyRow[at++] = r;
      }
    }
    for (let g = 0; g < groups.keys.length; g++) {
      const k = this.index.get(groups.keys[g]);
      if (fromHistory[g] === 1 || k === undefined) continue;
      for (let e = this.offsets[k]; e < this.offsets[k + 1]; e++) {
        past.group[at] = g;
        past.time[at] = this.history.times[e];
        past.value[at++] = this.history.values[e];
      }
    }
    return past;
  }

  fittedJson(): Record<string, unknown> {
    return historyState(this.history, this.historyLength, true).json;
  }

  fittedState() {
    return historyState(this.history, this.historyLength, false);
  }
}

const NO_PAST: PastEntries = {
  group: new Int32Array(0),
  time: new Float64Array(0),
  value: new Float64Array(0),
  historyRow: new Int32Array(0),
};

export function fitLagFeatures(spec: LagSpec, table: WorkTable): FittedLagFeatures {
  const { groups, rows } = readSeries(spec, table);
  const { sequence, duplicates } = mergeSequence(rows, NO_PAST);
  if (duplicates.length > 0) throw duplicateError(spec, table, groups, duplicates);
  const starts = groupStarts(sequence, groups.keys.length);
  return new FittedLagFeatures(spec, tailOf(sequence, starts, groups.keys, historyLength(spec)));
}

export function loadLagFeatures(
  spec: LagSpec,
  json: unknown,
  at: string,
  details: ErrorDetail[],
  blobs: Record<string, Float64Array>,
): FittedLagFeatures | undefined {
  const history = readHistory(json, at, details, blobs, historyLength(spec));
  return history ? new FittedLagFeatures(spec, history) : undefined;
}
