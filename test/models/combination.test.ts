import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Frame, frameOf, SlipwayError } from "../../src/core/index.js";
import { Rng } from "../../src/ml/random.js";
import {
  type BacktestFamily,
  type CombinationMemberSpec,
  combineBacktests,
  type FittedModel,
  type ForecastRow,
  familyFor,
  fitFamily,
  loadBundledModel,
  readBundle,
  rollingOriginForecasts,
  saveBundle,
  type TrainSpec,
} from "../../src/models/index.js";
import { LocalFolderStore } from "../../src/store/index.js";

/** y = 500 + 4t + 60·sin(2πt/12) + N(0, σ²), monthly from 2010-01 (as in forecast-auto.test.ts). */
function series(n: number, sigma: number, seed: number): Frame {
  const rng = new Rng(seed);
  const month = Float64Array.from({ length: n }, (_, t) => Date.UTC(2010, t, 1));
  const y = Float64Array.from(
    { length: n },
    (_, t) => 500 + 4 * t + 60 * Math.sin((2 * Math.PI * t) / 12) + sigma * rng.normal(),
  );
  return frameOf({ month: { kind: "time", values: month }, y: { kind: "number", values: y } });
}

/** The same frame with the value at `row` replaced (to make a series that a log transform refuses). */
function withValue(frame: Frame, row: number, value: number): Frame {
  const month = frame.columns.get("month")?.values as Float64Array;
  const y = Float64Array.from(frame.columns.get("y")?.values as Float64Array);
  y[row] = value;
  return frameOf({ month: { kind: "time", values: month }, y: { kind: "number", values: y } });
}

const spec: TrainSpec = {
  task: "forecast",
  target: "y",
  timeColumn: "month",
  features: [],
  params: { restarts: 0 },
  seed: 1,
};

function combinationSpec(members: CombinationMemberSpec[]): TrainSpec {
  return { ...spec, params: { ...spec.params, members } };
}

const combination = familyFor("combination", "forecast");

/** Σ wᵢ·xᵢ over the members' rows, in member order (the order the combination adds them in). */
function weightedRows(answers: ForecastRow[][], weights: number[]): ForecastRow[] {
  return (answers[0] as ForecastRow[]).map((row, i) => {
    let mean = 0;
    let lower = 0;
    let upper = 0;
    answers.forEach((rows, k) => {
      const w = weights[k] as number;
      mean += w * (rows[i] as ForecastRow).mean;
      lower += w * (rows[i] as ForecastRow).lower;
      upper += w * (rows[i] as ForecastRow).upper;
    });
    return { time: row.time, mean, lower, upper };
  });
}

interface Described {
  members: { family: string; params?: Record<string, unknown>; weight: number; description: Record<string, unknown> }[];
  dropped?: { family: string; error: string }[];
}

describe("combination family", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "slipway-combination-"));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it("forecasts the weighted mean of its members' means and interval bounds", () => {
    const frame = series(60, 8, 3);
    const model = combination.fit(
      frame,
      combinationSpec([
        { family: "ets", weight: 3 },
        { family: "seasonal-naive", weight: 1 },
      ]),
    );
    expect(model.family).toBe("combination");
    const d = model.describe() as unknown as Described;
    // The weights are normalised to sum to 1.
    expect(d.members.map((m) => [m.family, m.weight])).toEqual([
      ["ets", 0.75],
      ["seasonal-naive", 0.25],
    ]);
    // Each member as fitted on its own, with the spec the combination gives it (its params less `members`).
    const ets = familyFor("ets", "forecast").fit(frame, spec);
    const naive = familyFor("seasonal-naive", "forecast").fit(frame, spec);
    const rows = model.forecast(18, 0.9);
    expect(rows).toEqual(weightedRows([ets.forecast(18, 0.9), naive.forecast(18, 0.9)], [0.75, 0.25]));
    // At the 90% level too: the bounds are averaged at the level asked, not derived from the 95% ones.
    const times = Float64Array.of(Date.UTC(2013, 5, 1), Date.UTC(2015, 3, 1));
    expect(model.forecastAt(times, 0.8)).toEqual(
      weightedRows([ets.forecastAt(times, 0.8), naive.forecastAt(times, 0.8)], [0.75, 0.25]),
    );
    // A sanity check of the hand computation itself, on one row.
    const [first] = rows;
    const [e] = ets.forecast(1, 0.9);
    const [s] = naive.forecast(1, 0.9);
    expect(first?.mean).toBeCloseTo(0.75 * (e?.mean as number) + 0.25 * (s?.mean as number), 9);
    expect(first?.upper).toBeCloseTo(0.75 * (e?.upper as number) + 0.25 * (s?.upper as number), 9);
  });

  it("round-trips through a bundle, each member's blobs under its own prefix", async () => {
    const members: CombinationMemberSpec[] = [
      { family: "gp", params: { transform: "log" }, weight: 2 },
      { family: "ets", weight: 1 },
      { family: "seasonal-naive", weight: 1 },
    ];
    const model = combination.fit(series(60, 8, 7), combinationSpec(members));
    const rows = model.forecast(15, 0.9);
    const times = Float64Array.of(Date.UTC(2014, 6, 1), Date.UTC(2015, 2, 1));
    const at = model.forecastAt(times, 0.8);
    const store = new LocalFolderStore(dir);
    await saveBundle(store, "combination/1", model, { metrics: {}, lineage: {} });
    const { manifest } = await readBundle(store, "combination/1");
    expect(manifest.family).toBe("combination");
    // The GP's arrays and the two classical forecasters' arrays, none overwriting another.
    expect(Object.keys(manifest.blobs).sort()).toEqual(
      ["0.L", "0.dualCoef", "0.xTrain", "0.yTrain", "1.fitted", "2.y"].sort(),
    );
    const loaded = await loadBundledModel(store, "combination/1");
    expect(loaded.family).toBe("combination");
    expect(loaded.forecast(15, 0.9)).toEqual(rows);
    expect(loaded.forecastAt(times, 0.8)).toEqual(at);
    expect(JSON.parse(JSON.stringify(loaded.describe()))).toEqual(JSON.parse(JSON.stringify(model.describe())));
    const state = model.state();
    const viaJson = combination.load(
      { json: JSON.parse(JSON.stringify(state.json)), blobs: state.blobs },
      model.signature,
    );
    expect(viaJson.forecast(15, 0.9)).toEqual(rows);
  });

  it("a gate replay replays every member from its own state with the same weights", () => {
    const members: CombinationMemberSpec[] = [
      { family: "gp", weight: 1 },
      { family: "ets", weight: 1 },
      { family: "seasonal-naive", weight: 2 },
    ];
    const first = combination.fit(series(72, 10, 8), combinationSpec(members));
    // The gate's replay: the project's spec (no members), the champion's state, new rows.
    const newRows = series(84, 10, 8);
    const replay = fitFamily("combination", newRows, spec, { hyperparametersFrom: first.state() });
    const a = first.describe() as unknown as Described;
    const b = replay.describe() as unknown as Described;
    expect(b.members.map((m) => [m.family, m.weight])).toEqual([
      ["gp", 0.25],
      ["ets", 0.25],
      ["seasonal-naive", 0.5],
    ]);
    expect(b.members.map((m) => m.weight)).toEqual(a.members.map((m) => m.weight));
    // The GP keeps its kernel; ETS its model and smoothing parameters, with initial states re-estimated.
    expect(b.members[0]?.description.kernel).toEqual(a.members[0]?.description.kernel);
    expect(b.members[1]?.description.model).toBe(a.members[1]?.description.model);
    expect(b.members[1]?.description.alpha).toBe(a.members[1]?.description.alpha);
    expect(b.members[1]?.description.estimated).toMatch(/^initial states/);
    // And the forecast is the weighted mean of the members replayed one by one.
    const memberStates = replayedMembers(first);
    const alone = memberStates.map(({ family, state }) =>
      fitFamily(family, newRows, spec, { hyperparametersFrom: state }).forecast(12, 0.95),
    );
    expect(replay.forecast(12, 0.95)).toEqual(weightedRows(alone, [0.25, 0.25, 0.5]));
    expect(replay.forecast(1, 0.95)[0]?.time).toBe("2017-01-01");
  });

  it("drops a member that fails to fit and renormalises the others' weights", () => {
    // A non-positive value: a GP on log values refuses the series; ETS and seasonal naive fit it.
    const frame = withValue(series(60, 8, 9), 20, -5);
    const model = combination.fit(
      frame,
      combinationSpec([
        { family: "gp", params: { transform: "log" }, weight: 2 },
        { family: "ets", weight: 1 },
        { family: "seasonal-naive", weight: 3 },
      ]),
    );
    const d = model.describe() as unknown as Described;
    expect(d.members.map((m) => [m.family, m.weight])).toEqual([
      ["ets", 0.25],
      ["seasonal-naive", 0.75],
    ]);
    expect(d.dropped?.map((m) => m.family)).toEqual(["gp"]);
    expect(d.dropped?.[0]?.error).toMatch(/positive/);
    const ets = familyFor("ets", "forecast").fit(frame, spec);
    const naive = familyFor("seasonal-naive", "forecast").fit(frame, spec);
    expect(model.forecast(12, 0.95)).toEqual(
      weightedRows([ets.forecast(12, 0.95), naive.forecast(12, 0.95)], [0.25, 0.75]),
    );
  });

  it("drops a member that cannot be replayed on the new rows, and fails only when every member fails", () => {
    const first = combination.fit(
      series(60, 8, 10),
      combinationSpec([
        { family: "gp", params: { transform: "log" }, weight: 1 },
        { family: "seasonal-naive", weight: 1 },
      ]),
    );
    // The champion's GP works on log values; the new rows have a negative one.
    const newRows = withValue(series(72, 8, 10), 65, -1);
    const replay = fitFamily("combination", newRows, spec, { hyperparametersFrom: first.state() });
    const d = replay.describe() as unknown as Described;
    expect(d.members.map((m) => [m.family, m.weight])).toEqual([["seasonal-naive", 1]]);
    expect(d.dropped?.map((m) => m.family)).toEqual(["gp"]);
    const naive = familyFor("seasonal-naive", "forecast").fit(newRows, spec);
    expect(replay.forecast(6, 0.95)).toEqual(weightedRows([naive.forecast(6, 0.95)], [1]));

    const onlyLog = combinationSpec([{ family: "gp", params: { transform: "log" }, weight: 1 }]);
    const failure = (() => {
      try {
        combination.fit(withValue(series(60, 8, 10), 3, 0), onlyLog);
      } catch (error) {
        return error;
      }
      return null;
    })();
    expect(failure).toBeInstanceOf(SlipwayError);
    expect((failure as SlipwayError).code).toBe("SLP_TRAIN_FAILED");
  });

  it("refuses members that are not a list of families with positive weights", () => {
    const frame = series(40, 8, 11);
    const codeOf = (members: unknown) => {
      try {
        combination.fit(frame, { ...spec, params: { members } });
      } catch (error) {
        return [(error as SlipwayError).code, (error as SlipwayError).details[0]?.field];
      }
      return null;
    };
    expect(codeOf(undefined)).toEqual(["SLP_INPUT_INVALID", "/params/members"]);
    expect(codeOf([])).toEqual(["SLP_INPUT_INVALID", "/params/members"]);
    expect(codeOf([{ family: "ets", weight: 0 }])).toEqual(["SLP_INPUT_INVALID", "/params/members/0/weight"]);
    expect(codeOf([{ family: "combination", weight: 1 }])).toEqual(["SLP_INPUT_INVALID", "/params/members/0/family"]);
    // A family this build lacks for the task is a wrong request, not a member to drop.
    expect(codeOf([{ family: "gbdt", weight: 1 }])?.[0]).toBe("SLP_FAMILY_UNAVAILABLE");
  });
});

/** The members' own states inside a combination's state (what the replay hands to each). */
function replayedMembers(model: FittedModel) {
  const { json, blobs } = model.state();
  const members = json.members as {
    family: "gp" | "ets" | "seasonal-naive";
    json: Record<string, unknown>;
    blobNames: string[];
  }[];
  return members.map((m, i) => ({
    family: m.family,
    state: {
      json: m.json,
      blobs: Object.fromEntries(m.blobNames.map((name) => [name, blobs[`${i}.${name}`] as Float64Array])),
    },
  }));
}

describe("combined backtest", () => {
  /** A forecaster answering a constant `value` with the interval value ± `half`, whatever it was fitted on. */
  function constant(value: number, half: number): BacktestFamily {
    return {
      name: `constant ${value}`,
      fit: (): FittedModel => ({
        family: "linear",
        signature: { task: "forecast", target: "y", inputs: [] },
        forecast: () => [],
        forecastAt: (ts: Float64Array) =>
          Array.from(ts, (t) => ({
            time: new Date(t).toISOString(),
            mean: value,
            lower: value - half,
            upper: value + half,
          })),
        predict: () => [],
        describe: () => ({}),
        state: () => ({ json: {}, blobs: {} }),
      }),
    };
  }

  it("scores the weighted mean of the members' fold forecasts without fitting again", () => {
    const frame = series(48, 8, 12);
    const y = frame.columns.get("y")?.values as Float64Array;
    const low = rollingOriginForecasts(frame, spec, constant(500, 10));
    const high = rollingOriginForecasts(frame, spec, constant(800, 30));
    const combined = combineBacktests("combination", [
      { ...low, weight: 0.75 },
      { ...high, weight: 0.25 },
    ]);
    const result = combined.result;
    expect(result.family).toBe("combination");
    expect(result.horizon).toBe(12);
    expect(result.folds.map((f) => f.origin)).toEqual(low.result.folds.map((f) => f.origin));
    // Three folds of one season, origins 12, 24 and 36: 36 pooled rows.
    expect(result.folds.map((f) => f.origin)).toEqual([12, 24, 36]);
    // Every forecast is 0.75·500 + 0.25·800 = 575 with bounds 0.75·490 + 0.25·770 = 560 and 590.
    expect(Array.from(combined.forecasts.mean)).toEqual(new Array(36).fill(575));
    expect(Array.from(combined.forecasts.lower)).toEqual(new Array(36).fill(560));
    expect(Array.from(combined.forecasts.upper)).toEqual(new Array(36).fill(590));
    const rows = result.folds.flatMap((f) => Array.from({ length: f.testRows }, (_, j) => f.origin + j));
    const mae = rows.reduce((sum, i) => sum + Math.abs((y[i] as number) - 575), 0) / rows.length;
    expect(result.metrics.mae).toBeCloseTo(mae, 9);
    const covered = rows.filter((i) => (y[i] as number) >= 560 && (y[i] as number) <= 590).length;
    expect(result.metrics.coverage95).toBeCloseTo(covered / rows.length, 12);
    expect(result.metrics.width95).toBeCloseTo(30, 9);
    const lastFold = result.folds[result.folds.length - 1];
    const lastRows = rows.slice(-12);
    expect(lastFold?.metrics.mae).toBeCloseTo(
      lastRows.reduce((sum, i) => sum + Math.abs((y[i] as number) - 575), 0) / 12,
      9,
    );
  });

  it("refuses members backtested on different folds", () => {
    const frame = series(48, 8, 13);
    const a = rollingOriginForecasts(frame, spec, constant(500, 10));
    const b = rollingOriginForecasts(frame, spec, constant(500, 10), { horizon: 6 });
    expect(() =>
      combineBacktests("combination", [
        { ...a, weight: 0.5 },
        { ...b, weight: 0.5 },
      ]),
    ).toThrowError(/different folds/);
  });
});
