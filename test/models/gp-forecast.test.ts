import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type Frame, frameOf } from "../../src/core/index.js";
import { Rng } from "../../src/ml/random.js";
import { chooseSolver, STATE_SPACE_MIN_POINTS } from "../../src/models/families/gp-forecast.js";
import { familyFor, loadBundledModel, saveBundle, type TrainSpec, trainModel } from "../../src/models/index.js";
import { LocalFolderStore } from "../../src/store/index.js";

/** y = level + slope·t + amplitude·sin(2πt/12) + N(0, σ²), monthly from 2010-01. */
function series(n: number, opts: { slope?: number; amplitude?: number; sigma?: number; seed?: number } = {}): Frame {
  const { slope = 4, amplitude = 60, sigma = 8, seed = 1 } = opts;
  const rng = new Rng(seed);
  const month = Float64Array.from({ length: n }, (_, t) => Date.UTC(2010, t, 1));
  const y = Float64Array.from(
    { length: n },
    (_, t) => 500 + slope * t + amplitude * Math.sin((2 * Math.PI * t) / 12) + sigma * rng.normal(),
  );
  return frameOf({ month: { kind: "time", values: month }, y: { kind: "number", values: y } });
}

const spec = (params: Record<string, unknown>): TrainSpec => ({
  task: "forecast",
  target: "y",
  timeColumn: "month",
  features: [],
  params: { restarts: 1, ...params },
  seed: 7,
});

describe("gp forecaster", () => {
  it.each(["linear", "kernel"] as const)("trend %s extrapolates a trending seasonal series", (trend) => {
    const { metrics, model } = trainModel(series(96), spec({ trend }), "gp", { kind: "holdout", rows: 12 });
    expect(metrics.r2).toBeGreaterThan(0.9);
    expect(metrics.coverage95).toBeGreaterThanOrEqual(0.75);
    expect(model.describe()).toMatchObject({ trend, period: 12 });
  });

  it("trend none fits a stationary seasonal series", () => {
    const { metrics } = trainModel(series(96, { slope: 0 }), spec({ trend: "none" }), "gp", {
      kind: "holdout",
      rows: 12,
    });
    expect(metrics.r2).toBeGreaterThan(0.9);
  });

  it("detects the yearly season of monthly data, and finds none in a trend with noise", () => {
    const seasonal = familyFor("gp", "forecast").fit(series(72), spec({}));
    expect(seasonal.describe().period).toBe(12);
    const plain = familyFor("gp", "forecast").fit(series(72, { amplitude: 0, sigma: 20 }), spec({}));
    expect(plain.describe().period).toBeNull();
  });

  it("season stable drops the seasonal decay: one shape repeats every season", () => {
    const kernelOf = (params: Record<string, unknown>) =>
      JSON.stringify(
        (familyFor("gp", "forecast").fit(series(72), spec(params)).describe() as { kernel: unknown }).kernel,
      );
    const evolving = kernelOf({});
    const stable = kernelOf({ season: "stable" });
    // The evolving season is C · ExpSineSquared · RBF(decay); the stable one lacks the RBF factor beside the
    // ExpSineSquared, and the smooth term keeps its own RBF.
    expect(evolving.match(/"rbf"/g)?.length).toBe(2);
    expect(stable.match(/"rbf"/g)?.length).toBe(1);
    expect(stable).toContain("exp-sine-squared");
    expect(
      familyFor("gp", "forecast")
        .fit(series(72), spec({ season: "stable" }))
        .describe().season,
    ).toBe("stable");
    expect(() => familyFor("gp", "forecast").fit(series(48), spec({ season: "fixed" }))).toThrowError(/season/);
  });

  it("rejects an unknown trend option, naming the parameter", () => {
    expect(() => familyFor("gp", "forecast").fit(series(48), spec({ trend: "cubic" }))).toThrowError(/trend/);
  });

  it("a replay keeps the champion's period and scale even when the new rows would suggest none", () => {
    const champion = familyFor("gp", "forecast").fit(series(72), spec({}));
    const flat = series(72, { amplitude: 0, sigma: 20, seed: 3 });
    const replay = familyFor("gp", "forecast").fit(flat, spec({}), { hyperparametersFrom: champion.state() });
    expect(replay.describe()).toMatchObject({ period: 12, kernel: champion.describe().kernel });
    expect((replay.state().json as { scale: number }).scale).toBe((champion.state().json as { scale: number }).scale);
  });

  it("answers at the steps of the calendar for a quarterly series", () => {
    const n = 40;
    const rng = new Rng(9);
    const quarter = Float64Array.from({ length: n }, (_, t) => Date.UTC(2000, 3 * t, 1));
    const y = Float64Array.from({ length: n }, (_, t) => 100 + t + 10 * Math.cos((2 * Math.PI * t) / 4) + rng.normal());
    const frame = frameOf({ month: { kind: "time", values: quarter }, y: { kind: "number", values: y } });
    const model = familyFor("gp", "forecast").fit(frame, spec({}));
    expect(model.describe().period).toBe(4);
    expect(model.forecast(2, 0.95).map((r) => r.time)).toEqual(["2010-01-01", "2010-04-01"]);
  });

  it("with transform log, fits multiplicative growth better and keeps intervals positive", () => {
    const n = 84;
    const rng = new Rng(12);
    const month = Float64Array.from({ length: n }, (_, t) => Date.UTC(2010, t, 1));
    // 3% growth a month with a season whose size grows with the level (multiplicative), and multiplicative noise.
    const y = Float64Array.from(
      { length: n },
      (_, t) => 10 * 1.03 ** t * (1 + 0.3 * Math.sin((2 * Math.PI * t) / 12)) * Math.exp(0.02 * rng.normal()),
    );
    const frame = frameOf({ month: { kind: "time", values: month }, y: { kind: "number", values: y } });
    const plain = trainModel(frame, spec({}), "gp", { kind: "holdout", rows: 12 });
    const logged = trainModel(frame, spec({ transform: "log" }), "gp", { kind: "holdout", rows: 12 });
    expect(logged.metrics.mae).toBeLessThan(plain.metrics.mae as number);
    expect(logged.model.describe().transform).toBe("log");
    for (const r of logged.model.forecast(24, 0.99)) {
      expect(r.lower).toBeGreaterThan(0);
      expect(r.lower < r.mean && r.mean < r.upper).toBe(true);
    }
    const auto = trainModel(frame, spec({}), "auto", { kind: "holdout", rows: 12 });
    expect(auto.candidates.map((c) => `${c.family}${c.params ? " log" : ""}`)).toEqual([
      "gp",
      "gp log",
      "ets",
      "seasonal-naive",
    ]);
    expect(auto.candidates.filter((c) => c.chosen)).toHaveLength(1);
  });

  it("refuses transform log on a series with a value that is not positive", () => {
    const frame = series(48, { slope: 0, amplitude: 600 });
    expect(() => familyFor("gp", "forecast").fit(frame, spec({ transform: "log" }))).toThrowError(/positive/);
    const auto = trainModel(frame, spec({}), "auto", { kind: "holdout", rows: 12 });
    // No GP on log values among the candidates, nor inside their combination (whose params list its members).
    const singles = auto.candidates.filter((c) => c.family !== "combination");
    expect(singles.some((c) => c.params)).toBe(false);
    const members = (auto.candidates.find((c) => c.family === "combination")?.params?.members ?? []) as {
      params?: unknown;
    }[];
    expect(members.some((m) => m.params)).toBe(false);
  });
});

describe("gp forecaster on the state-space solver", () => {
  it("auto keeps the dense solver up to 2,000 observations and takes the Kalman filter past them", () => {
    expect(chooseSolver("auto", STATE_SPACE_MIN_POINTS)).toBe("dense");
    expect(chooseSolver("auto", STATE_SPACE_MIN_POINTS + 1)).toBe("state-space");
    expect(chooseSolver("dense", 50_000)).toBe("dense");
    expect(chooseSolver("state-space", 30)).toBe("state-space");
  });

  it("forecasts a trending seasonal series as well as the dense solver, with a filtered state in the bundle", async () => {
    const frame = series(96);
    const dense = trainModel(frame, spec({}), "gp", { kind: "holdout", rows: 12 });
    const kalman = trainModel(frame, spec({ solver: "state-space" }), "gp", { kind: "holdout", rows: 12 });
    expect(kalman.model.describe()).toMatchObject({ solver: "state-space", period: 12 });
    expect(dense.model.describe()).toMatchObject({ solver: "dense" });
    expect(kalman.metrics.r2).toBeGreaterThan(0.9);
    expect(kalman.metrics.mae).toBeLessThan(1.5 * dense.metrics.mae);
    expect(kalman.metrics.coverage95).toBeGreaterThanOrEqual(0.75);
    const state = kalman.model.state();
    expect(Object.keys(state.blobs).sort()).toEqual(["filteredCov", "filteredMean"]);

    const dir = await mkdtemp(join(tmpdir(), "slipway-gp-ss-"));
    try {
      const store = new LocalFolderStore(dir);
      await saveBundle(store, "m/1", kalman.model, { metrics: kalman.metrics, lineage: {} });
      const loaded = await loadBundledModel(store, "m/1");
      expect(loaded.forecast(6, 0.9)).toEqual(kalman.model.forecast(6, 0.9));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a replay keeps the champion's solver and kernel", () => {
    const champion = familyFor("gp", "forecast").fit(series(72), spec({ solver: "state-space" }));
    const replay = familyFor("gp", "forecast").fit(series(84, { seed: 2 }), spec({}), {
      hyperparametersFrom: champion.state(),
    });
    expect(replay.describe()).toMatchObject({ solver: "state-space", kernel: champion.describe().kernel });
  });

  it("answers a time before the last observation with a clear input error, and rejects an unknown solver", () => {
    const model = familyFor("gp", "forecast").fit(series(48), spec({ solver: "state-space" }));
    expect(() => model.forecastAt(Float64Array.of(Date.UTC(2011, 0, 1)), 0.95)).toThrowError(
      expect.objectContaining({ code: "SLP_INPUT_INVALID" }),
    );
    expect(() => familyFor("gp", "forecast").fit(series(48), spec({ solver: "sparse" }))).toThrowError(/solver/);
  });
});
