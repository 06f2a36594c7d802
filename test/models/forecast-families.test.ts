import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Frame, frameOf, SlipwayError } from "../../src/core/index.js";
import { Rng } from "../../src/ml/random.js";
import {
  evaluateModel,
  familyFor,
  loadBundledModel,
  saveBundle,
  type TrainSpec,
  trainModel,
} from "../../src/models/index.js";
import { LocalFolderStore } from "../../src/store/index.js";

/** y = 500 + 4t + 60·sin(2πt/12) + N(0, σ²), monthly from 2010-01. */
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

describe("forecast families", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "slipway-models-"));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it.each(["gp", "linear"] as const)("%s recovers trend and season with calibrated 95 percent intervals", (family) => {
    // Several seeded series: the share of held-out points inside the 95% interval should be near 95%.
    let inside = 0;
    let total = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const result = trainModel(series(96, 10, seed), spec, family, { kind: "holdout", rows: 12 });
      expect(result.metrics.r2).toBeGreaterThan(0.8);
      expect(result.metrics.mae).toBeLessThan(20);
      inside += (result.metrics.coverage95 as number) * 12;
      total += 12;
    }
    expect(inside / total).toBeGreaterThan(0.85);
  });

  it("starts the forecast after the last observation, and round-trips through a bundle", async () => {
    const result = trainModel(series(60, 5, 3), spec, "gp", { kind: "holdout", rows: 12 });
    const rows = result.model.forecast(3, 0.9);
    expect(rows.map((r) => r.time)).toEqual(["2015-01-01", "2015-02-01", "2015-03-01"]);
    const store = new LocalFolderStore(dir);
    await saveBundle(store, "m/1", result.model, { metrics: result.metrics, lineage: {} });
    const loaded = await loadBundledModel(store, "m/1");
    expect(loaded.forecast(3, 0.9)).toEqual(rows);
    expect(loaded.signature).toEqual(result.model.signature);
  });

  it("widens the interval with the level", () => {
    const { model } = trainModel(series(60, 5, 4), spec, "gp", { kind: "holdout", rows: 12 });
    const [a] = model.forecast(1, 0.5);
    const [b] = model.forecast(1, 0.99);
    expect(b!.upper - b!.lower).toBeGreaterThan(a!.upper - a!.lower);
    expect(b!.mean).toBeCloseTo(a!.mean, 9);
  });

  it("auto chooses a forecaster by backtest among gp, ets and seasonal naive, and reports every candidate", () => {
    const result = trainModel(series(96, 10, 5), spec, "auto", { kind: "holdout", rows: 12 });
    expect(result.selection).toBe("backtest");
    // The four single candidates, then their combination (here the candidates within 1.5× of the best formed one).
    expect(result.candidates.map((c) => c.family)).toEqual(["gp", "gp", "ets", "seasonal-naive", "combination"]);
    const best = Math.min(...result.candidates.map((c) => c.backtest?.metrics.mae as number));
    const chosen = result.candidates.find((c) => c.chosen);
    expect(chosen?.family).toBe(result.family);
    expect(chosen?.backtest?.metrics.mae).toBe(best);
    // Only the choice is scored on the evaluation window, exactly as a single family would be.
    expect(chosen?.metrics).toEqual(result.metrics);
  });

  it("replays a champion's hyperparameters on new rows without optimising them", () => {
    const first = trainModel(series(72, 10, 6), spec, "gp", { kind: "holdout", rows: 12 });
    const replay = familyFor("gp", "forecast").fit(series(84, 10, 6), spec, {
      hyperparametersFrom: first.model.state(),
    });
    expect((replay.describe() as { kernel: unknown }).kernel).toEqual(
      (first.model.describe() as { kernel: unknown }).kernel,
    );
    const m = evaluateModel(replay, series(96, 10, 6), spec);
    expect(m.r2).toBeGreaterThan(0.9);
  });

  it("names the families this build lacks", () => {
    const thrown = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e;
      }
      return null;
    };
    for (const [family, task] of [
      ["ets", "regression"],
      ["lstm", "regression"],
      ["gbdt", "forecast"],
      ["gp", "binary"],
    ] as const) {
      const e = thrown(() => familyFor(family, task));
      expect(e).toBeInstanceOf(SlipwayError);
      expect((e as SlipwayError).code).toBe("SLP_FAMILY_UNAVAILABLE");
    }
  });
});
