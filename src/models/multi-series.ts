import { type Family, type Frame, invalidInput, numericColumn, SlipwayError, takeRows } from "../core/index.js";
import type { FittedModel, ForecastRow, ModelFamilyName, ModelState, Signature, TrainSpec } from "./estimator.js";
import { familyFor } from "./families/index.js";
import { type CandidateScore, type EvaluationPlan, sortByTime, splitForEvaluation, trainModel } from "./train.js";

interface Member {
  id: string;
  family: ModelFamilyName;
  signature: Signature;
  json: Record<string, unknown>;
  blobNames: string[];
}

/**
 * Several series in one model (`slipway train --id COL`): one fitted forecaster per series, each chosen and fitted
 * on its own rows, answered by id. The bundle keeps every member's state, blobs prefixed by the member's index.
 */
export class MultiSeriesModel implements FittedModel {
  readonly family: ModelFamilyName | "auto";
  private readonly byId: Map<string, FittedModel>;

  constructor(
    readonly signature: Signature,
    private readonly members: { id: string; model: FittedModel }[],
  ) {
    const families = new Set(members.map((m) => m.model.family));
    this.family = families.size === 1 ? (members[0]?.model.family as ModelFamilyName | "auto") : "auto";
    this.byId = new Map(members.map((m) => [m.id, m.model]));
  }

  private member(seriesId: string | undefined): FittedModel {
    const ids = this.signature.ids ?? [];
    const shown = ids.length <= 10 ? ids.join(", ") : `${ids.slice(0, 10).join(", ")}, …`;
    if (seriesId === undefined) {
      throw invalidInput(`this model forecasts ${ids.length} series; say which with id`, [
        { field: "/id", reason: `required: one of ${shown}` },
      ]);
    }
    const model = this.byId.get(seriesId);
    if (!model)
      throw invalidInput(`no series ${JSON.stringify(seriesId)}`, [
        { field: "/id", reason: `unknown; one of ${shown}` },
      ]);
    return model;
  }

  forecast(horizon: number, level: number, seriesId?: string): ForecastRow[] {
    return this.member(seriesId).forecast(horizon, level);
  }

  forecastAt(times: Float64Array, level: number, seriesId?: string): ForecastRow[] {
    return this.member(seriesId).forecastAt(times, level);
  }

  predict(): never {
    throw new SlipwayError("SLP_MODEL_TASK_MISMATCH", "a forecast model answers forecast requests, not predict", [
      { field: "path", reason: "not a predict model" },
    ]);
  }

  describe(): Record<string, unknown> {
    return {
      series: Object.fromEntries(this.members.map((m) => [m.id, { family: m.model.family, ...m.model.describe() }])),
    };
  }

  state(): ModelState {
    const blobs: Record<string, Float64Array> = {};
    const members: Member[] = this.members.map((m, i) => {
      const s = m.model.state();
      for (const [name, array] of Object.entries(s.blobs)) blobs[`${i}.${name}`] = array;
      return {
        id: m.id,
        family: m.model.family as ModelFamilyName,
        signature: m.model.signature,
        json: s.json,
        blobNames: Object.keys(s.blobs),
      };
    });
    return { json: { members }, blobs };
  }

  static load(state: ModelState, signature: Signature): MultiSeriesModel {
    const members = (state.json.members as Member[]).map((m, i) => {
      const blobs = Object.fromEntries(m.blobNames.map((name) => [name, state.blobs[`${i}.${name}`] as Float64Array]));
      return { id: m.id, model: familyFor(m.family, m.signature.task).load({ json: m.json, blobs }, m.signature) };
    });
    return new MultiSeriesModel(signature, members);
  }
}

/** The rows of each series, keyed by the id column's value (numbers written as in the file). */
export function splitBySeries(frame: Frame, idColumn: string): Map<string, Frame> {
  const col = frame.columns.get(idColumn);
  if (!col) throw invalidInput(`no column ${idColumn}`, [{ field: "--id", reason: "not a column" }]);
  const rows = new Map<string, number[]>();
  for (let i = 0; i < frame.rowCount; i++) {
    const v = col.kind === "string" ? col.values[i] : Number.isFinite(col.values[i]) ? String(col.values[i]) : null;
    if (v === null || v === undefined) continue;
    let list = rows.get(v);
    if (!list) {
      list = [];
      rows.set(v, list);
    }
    list.push(i);
  }
  return new Map([...rows].map(([id, r]) => [id, takeRows(frame, r)]));
}

export interface MultiSeriesResult {
  model: MultiSeriesModel;
  metrics: Record<string, number>;
  /** Each series' chosen family and score. */
  series: { id: string; family: string; metrics: Record<string, number>; candidates: CandidateScore[] }[];
}

/**
 * Trains one forecaster per series (each with its own `auto` choice) and pools their held-out scores: RMSE, MAE,
 * coverage and width are means over every held-out point, so they pool exactly; R² is 1 − SSE/SST over all
 * held-out points around their common mean.
 */
export function trainMultiSeries(
  frame: Frame,
  spec: TrainSpec,
  family: Family,
  plan: EvaluationPlan,
  idColumn: string,
): MultiSeriesResult {
  const groups = splitBySeries(frame, idColumn);
  if (groups.size === 0) throw invalidInput(`column ${idColumn} has no values`, [{ field: "--id", reason: "empty" }]);
  const testGroups = plan.kind === "test" ? splitBySeries(plan.test, idColumn) : null;
  const members: { id: string; model: FittedModel }[] = [];
  const series: MultiSeriesResult["series"] = [];
  let points = 0;
  let sse = 0;
  let sae = 0;
  let covered = 0;
  let width = 0;
  const actuals: number[] = [];
  for (const [id, rows] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const seriesPlan: EvaluationPlan =
      plan.kind === "test" ? { kind: "test", test: testGroups?.get(id) ?? takeRows(plan.test, []) } : plan;
    let result: ReturnType<typeof trainModel>;
    try {
      result = trainModel(rows, spec, family, seriesPlan);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new SlipwayError(
        "SLP_TRAIN_FAILED",
        `series ${id}: ${message}`,
        [{ field: `${idColumn}=${id}`, reason: message }],
        {
          cause: error,
        },
      );
    }
    members.push({ id, model: result.model });
    series.push({ id, family: result.family, metrics: result.metrics, candidates: result.candidates });
    const n = result.metrics.n ?? 0;
    if (n === 0) continue;
    points += n;
    sse += n * (result.metrics.rmse as number) ** 2;
    sae += n * (result.metrics.mae as number);
    covered += n * (result.metrics.coverage95 as number);
    width += n * (result.metrics.width95 as number);
    const { test } = splitForEvaluation(sortByTime(rows, spec.timeColumn as string), spec, seriesPlan);
    for (const v of numericColumn(test, spec.target)) if (Number.isFinite(v)) actuals.push(v);
  }
  const mean = actuals.reduce((a, b) => a + b, 0) / Math.max(1, actuals.length);
  const sst = actuals.reduce((a, v) => a + (v - mean) ** 2, 0);
  const metrics = {
    rmse: Math.sqrt(sse / points),
    mae: sae / points,
    r2: sst > 0 ? 1 - sse / sst : Number.NaN,
    coverage95: covered / points,
    width95: width / points,
    n: points,
    series: groups.size,
  };
  const first = members[0]?.model.signature as Signature;
  const signature: Signature = { ...first, idColumn, ids: members.map((m) => m.id) };
  delete signature.lastTime;
  return { model: new MultiSeriesModel(signature, members), metrics, series };
}
