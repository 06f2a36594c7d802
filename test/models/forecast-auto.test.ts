import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Frame, frameOf } from "../../src/core/index.js";
import { Rng } from "../../src/ml/random.js";
import {
  type CandidateScore,
  type CombinationMemberSpec,
  candidateFamilies,
  familyFor,
  loadBundledModel,
  type ModelFamilyName,
  saveBundle,
  type TrainSpec,
  trainModel,
} from "../../src/models/index.js";
import { LocalFolderStore } from "../../src/store/index.js";

/** y = 500 + 4t + 60·sin(2πt/12) + N(0, σ²), monthly from 2010-01 (as in forecast-families.test.ts). */
function series(n: number, sigma: number, seed: number): Frame {
  const rng = new Rng(seed);
  const month = new Float64Array(n);
  const y = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    month[t] = Date.UTC(2010, t, 1);
    y[t] = 500 + 4 * t + 60 * Math.sin((2 * Math.PI * t) / 12) + sigma * rng.normal();
  }
  return frameOf({ month: { kind: "time", values: month }, y: { kind: "number", values: y } });
}

const spec: TrainSpec = {
  task: "forecast",
  target: "y",
  timeColumn: "month",
  features: [],
  params: { restarts: 1 },
  seed: 1,
};

/**
 * Checks the combination row of a backtest table: the single candidates within 1.5× of the best pooled MAE, in
 * candidate order, weighted by 1 / MAE normalised. Returns it.
 */
function expectCombinationOfTheBest(candidates: CandidateScore[]): CandidateScore {
  const singles = candidates.filter((c) => c.family !== "combination" && c.backtest);
  const maeOf = (c: CandidateScore) => c.backtest?.metrics.mae as number;
  const best = Math.min(...singles.map(maeOf));
  const within = singles.filter((c) => maeOf(c) <= 1.5 * best);
  const combination = candidates.find((c) => c.family === "combination") as CandidateScore;
  expect(combination).toBeDefined();
  const members = combination.params?.members as CombinationMemberSpec[];
  expect(members.map((m) => [m.family, m.params ?? null])).toEqual(within.map((c) => [c.family, c.params ?? null]));
  const total = within.reduce((sum, c) => sum + 1 / maeOf(c), 0);
  members.forEach((m, i) => {
    expect(m.weight).toBeCloseTo(1 / maeOf(within[i] as CandidateScore) / total, 12);
  });
  return combination;
}

describe("auto for forecasts", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "slipway-auto-"));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it("tries gp, ets and seasonal naive; linear stays selectable by name only", () => {
    expect(candidateFamilies("auto", "forecast")).toEqual(["gp", "ets", "seasonal-naive"]);
    expect(candidateFamilies("linear", "forecast")).toEqual(["linear"]);
    expect(candidateFamilies("auto", "regression")).toEqual(["gbdt", "linear"]);
  });

  it("chooses by the pooled backtest MAE on the training rows and reports the whole table", () => {
    const result = trainModel(series(96, 10, 5), spec, "auto", { kind: "holdout", rows: 12 });
    expect(result.selection).toBe("backtest");
    const table = result.backtest ?? [];
    // The series is positive, so a GP on log values is a fourth candidate; their combination is the fifth.
    expect(table.map((b) => b.family)).toEqual(["gp", "gp", "ets", "seasonal-naive", "combination"]);
    expect(result.candidates.slice(0, 4).map((c) => c.params ?? null)).toEqual([
      null,
      { transform: "log" },
      null,
      null,
    ]);
    expectCombinationOfTheBest(result.candidates);
    for (const b of table) {
      // The training part is 84 rows: three folds of one season, origins 48, 60, 72.
      expect(b.horizon).toBe(12);
      expect(b.folds.map((f) => f.origin)).toEqual([48, 60, 72]);
      expect(b.metrics.n).toBe(36);
    }
    const best = table.reduce((a, b) => (b.metrics.mae < a.metrics.mae ? b : a));
    expect(result.family).toBe(best.family);
    // A smooth trend with season and modest noise: either model beats repeating last year's values.
    const naive = table.find((b) => b.family === "seasonal-naive");
    expect(best.metrics.mae).toBeLessThan(naive?.metrics.mae as number);
    expect(result.metrics.n).toBe(12);
    // The registered model is refitted on every row: it forecasts from the last observation.
    expect(result.model.forecast(1, 0.9)[0]?.time).toBe("2018-01-01");
  });

  it("keeps the combination when its backtest MAE is lower than every single candidate's", () => {
    // Trend, season and noise on which gp and ets are close (seed 1): their fold errors partly cancel.
    const result = trainModel(series(96, 10, 1), spec, "auto", { kind: "holdout", rows: 12 });
    const combination = expectCombinationOfTheBest(result.candidates);
    const members = combination.params?.members as CombinationMemberSpec[];
    // Repeating last year misses the trend by about 48 a month: far past 1.5× the best, so it is left out.
    expect(members.map((m) => m.family)).toEqual(["gp", "gp", "ets"]);
    const singles = result.candidates.filter((c) => c.family !== "combination");
    const bestSingle = Math.min(...singles.map((c) => c.backtest?.metrics.mae as number));
    // Lower by a margin (about 6% here), not by rounding.
    expect(combination.backtest?.metrics.mae).toBeLessThan(0.97 * bestSingle);
    expect(result.family).toBe("combination");
    expect(combination.chosen).toBe(true);
    expect(singles.every((c) => !c.chosen)).toBe(true);
    // It is scored on the evaluation window like a single family, and registered refitted on every row.
    expect(combination.metrics).toEqual(result.metrics);
    expect(result.metrics.n).toBe(12);
    expect(result.model.family).toBe("combination");
    expect(result.model.forecast(1, 0.9)[0]?.time).toBe("2018-01-01");
    const described = result.model.describe() as { members: { family: string; weight: number }[] };
    expect(described.members.map((m) => m.family)).toEqual(members.map((m) => m.family));
    described.members.forEach((m, i) => {
      expect(m.weight).toBeCloseTo((members[i] as CombinationMemberSpec).weight, 12);
    });
    // The combination's backtest has the same folds as its members'.
    expect(combination.backtest?.folds.map((f) => f.origin)).toEqual([48, 60, 72]);
    expect(combination.backtest?.metrics.n).toBe(36);
  });

  it("keeps a single family when its backtest MAE is lower than the combination's", () => {
    // The same kind of series (seed 4), on which ets forecasts the folds clearly best.
    const result = trainModel(series(96, 10, 4), spec, "auto", { kind: "holdout", rows: 12 });
    const combination = expectCombinationOfTheBest(result.candidates);
    const ets = result.candidates.find((c) => c.family === "ets") as CandidateScore;
    // About 5% lower than the combination's.
    expect(ets.backtest?.metrics.mae).toBeLessThan(0.97 * (combination.backtest?.metrics.mae as number));
    expect(result.family).toBe("ets");
    expect(ets.chosen).toBe(true);
    expect(combination.chosen).toBeUndefined();
    expect(combination.metrics).toEqual({});
    expect(result.model.family).toBe("ets");
  });

  it("falls back to scoring on the evaluation rows when the training part is too short to backtest", () => {
    // 16 training rows and a 12-month season: one fold would leave 4 rows, less than the season it must span.
    const s = { ...spec, params: { ...spec.params, period: 12 } };
    const result = trainModel(series(20, 10, 6), s, "auto", { kind: "holdout", rows: 4 });
    expect(result.selection).toBe("evaluation");
    expect(result.candidates.map((c) => c.family)).toEqual(["gp", "ets", "seasonal-naive"]);
    expect(result.backtest).toBeUndefined();
  });

  it.each([
    ["gp", {}],
    ["ets", {}],
    ["ets", { trend: "damped", seasonal: "multiplicative" }],
    ["ets", { error: "multiplicative", trend: "damped", seasonal: "multiplicative" }],
    ["seasonal-naive", {}],
    [
      "combination",
      {
        members: [
          { family: "gp", params: { transform: "log" }, weight: 2 },
          { family: "ets", weight: 1 },
          { family: "seasonal-naive", weight: 1 },
        ],
      },
    ],
  ] as [ModelFamilyName, Record<string, unknown>][])(
    "a %s bundle %j round-trips identically, and so does its state as JSON",
    async (family, params) => {
      const s = { ...spec, params: { ...spec.params, ...params } };
      const model = familyFor(family, "forecast").fit(series(60, 8, 7), s);
      expect(model.family).toBe(family);
      const rows = model.forecast(15, 0.9);
      const at = model.forecastAt(Float64Array.of(Date.UTC(2014, 6, 1), Date.UTC(2015, 2, 1)), 0.8);
      const store = new LocalFolderStore(dir);
      const prefix = `${family}-${Object.keys(params).length}/1`;
      await saveBundle(store, prefix, model, { metrics: {}, lineage: {} });
      const loaded = await loadBundledModel(store, prefix);
      expect(loaded.family).toBe(family);
      expect(loaded.forecast(15, 0.9)).toEqual(rows);
      expect(loaded.forecastAt(Float64Array.of(Date.UTC(2014, 6, 1), Date.UTC(2015, 2, 1)), 0.8)).toEqual(at);
      expect(JSON.parse(JSON.stringify(loaded.describe()))).toEqual(JSON.parse(JSON.stringify(model.describe())));
      const state = model.state();
      const viaJson = familyFor(family, "forecast").load(
        { json: JSON.parse(JSON.stringify(state.json)), blobs: state.blobs },
        model.signature,
      );
      expect(viaJson.forecast(15, 0.9)).toEqual(rows);
    },
  );
});

describe("ets family", () => {
  it("describes the chosen model, and a replay keeps it and its smoothing parameters, re-estimating states", () => {
    const first = familyFor("ets", "forecast").fit(series(72, 10, 8), spec);
    const d = first.describe() as Record<string, unknown>;
    expect(d.model).toMatch(/^ETS\((A|M),(N|A|Ad),(A|M)\)$/);
    expect(typeof d.aicc).toBe("number");
    // A positive series: ETS(A,·,N), ETS(A,·,A) and every ETS(M,·,·), three trends each.
    expect((d.candidates as unknown[]).length).toBe(15);
    const replay = familyFor("ets", "forecast").fit(series(84, 10, 8), spec, { hyperparametersFrom: first.state() });
    const r = replay.describe() as Record<string, unknown>;
    expect(r.model).toBe(d.model);
    expect(r.alpha).toBe(d.alpha);
    expect(r.gamma).toBe(d.gamma);
    expect(r.estimated).toMatch(/^initial states/);
    expect(r.initialStates).not.toEqual(d.initialStates);
  });

  it("honours fixed trend and season choices", () => {
    const m = familyFor("ets", "forecast").fit(series(60, 10, 9), {
      ...spec,
      params: { trend: "none", seasonal: "none" },
    });
    expect((m.describe() as { model: string }).model).toBe("ETS(A,N,N)");
  });

  it("a multiplicative error simulates its intervals and scales the in-sample one by the fitted value", () => {
    const m = familyFor("ets", "forecast").fit(series(60, 10, 9), {
      ...spec,
      params: { error: "multiplicative", trend: "additive", seasonal: "none" },
    });
    const d = m.describe() as { model: string; intervals: string; sigma: number };
    expect(d.model).toBe("ETS(M,A,N)");
    expect(d.intervals).toBe("simulated");
    // In the data, the interval is μ_t ± zσμ_t: σ is relative under a multiplicative error.
    const [row] = m.forecastAt(Float64Array.of(Date.UTC(2012, 0, 1)), 0.95);
    const z = 1.959963984540054;
    expect((row?.upper as number) - (row?.lower as number)).toBeCloseTo(2 * z * d.sigma * (row?.mean as number), 8);
    // Ahead of the data the simulated interval brackets the point forecast and widens.
    const rows = m.forecast(12, 0.95);
    for (const r of rows) expect(r.lower < r.mean && r.mean < r.upper).toBe(true);
    const width = (i: number) => (rows[i]?.upper as number) - (rows[i]?.lower as number);
    expect(width(11)).toBeGreaterThan(width(0));
  });
});

describe("seasonal naive", () => {
  it("repeats the last season, with an interval growing with √(seasons ahead)", () => {
    const frame = series(36, 10, 10);
    const y = frame.columns.get("y")?.values as Float64Array;
    const model = familyFor("seasonal-naive", "forecast").fit(frame, spec);
    const rows = model.forecast(25, 0.95);
    for (let h = 1; h <= 25; h++) {
      const k = Math.floor((h - 1) / 12);
      expect(rows[h - 1]?.mean).toBe(y[36 + h - 1 - 12 * (k + 1)]);
    }
    const width = (h: number) => (rows[h - 1]?.upper as number) - (rows[h - 1]?.lower as number);
    expect(width(12)).toBeCloseTo(width(1), 9);
    expect(width(13)).toBeCloseTo(width(1) * Math.SQRT2, 9);
    expect(width(25)).toBeCloseTo(width(1) * Math.sqrt(3), 9);
    // σ̂ from the in-sample seasonal differences y_t − y_{t−12}.
    let ss = 0;
    for (let t = 12; t < 36; t++) ss += ((y[t] as number) - (y[t - 12] as number)) ** 2;
    expect((model.describe() as { sigma: number }).sigma).toBeCloseTo(Math.sqrt(ss / 24), 9);
  });
});
