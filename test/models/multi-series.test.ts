import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Frame, frameOf, SlipwayError } from "../../src/core/index.js";
import { Rng } from "../../src/ml/random.js";
import { loadBundledModel, saveBundle, type TrainSpec, trainModel, trainMultiSeries } from "../../src/models/index.js";
import { LocalFolderStore } from "../../src/store/index.js";

/** Two stores' monthly sales in one frame, rows interleaved, with different levels and seasons. */
function twoStores(n: number): Frame {
  const rng = new Rng(11);
  const month: number[] = [];
  const store: string[] = [];
  const sales: number[] = [];
  for (let t = 0; t < n; t++) {
    for (const [name, level, amp] of [
      ["north", 200, 30],
      ["south", 900, 120],
    ] as const) {
      month.push(Date.UTC(2015, t, 1));
      store.push(name);
      sales.push(level + 2 * t + amp * Math.sin((2 * Math.PI * t) / 12) + 5 * rng.normal());
    }
  }
  return frameOf({
    month: { kind: "time", values: Float64Array.from(month) },
    store: { kind: "string", values: store },
    sales: { kind: "number", values: Float64Array.from(sales) },
  });
}

const spec: TrainSpec = {
  task: "forecast",
  target: "sales",
  timeColumn: "month",
  features: [],
  params: { restarts: 0 },
  seed: 3,
};

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return null;
}

describe("trainMultiSeries", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "slipway-multi-"));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it("fits one model per series and pools their held-out scores exactly", () => {
    const frame = twoStores(60);
    const result = trainMultiSeries(frame, spec, "gp", { kind: "holdout", rows: 12 }, "store");
    expect(result.series.map((s) => s.id)).toEqual(["north", "south"]);
    expect(result.metrics.n).toBe(24);
    expect(result.metrics.series).toBe(2);
    const [a, b] = result.series.map((s) => s.metrics);
    expect(result.metrics.mae).toBeCloseTo(((a?.mae as number) + (b?.mae as number)) / 2, 10);
    expect(result.metrics.rmse).toBeCloseTo(Math.sqrt(((a?.rmse as number) ** 2 + (b?.rmse as number) ** 2) / 2), 10);
    // Pooled R² is higher than either series' own: the two levels differ far more than the errors.
    expect(result.metrics.r2).toBeGreaterThan(Math.max(a?.r2 as number, b?.r2 as number));
  });

  it("answers by id, and names the problem when the id is missing or unknown", async () => {
    const { model } = trainMultiSeries(twoStores(48), spec, "gp", { kind: "holdout", rows: 6 }, "store");
    const north = model.forecast(2, 0.95, "north");
    const south = model.forecast(2, 0.95, "south");
    expect(north.map((r) => r.time)).toEqual(["2019-01-01", "2019-02-01"]);
    expect(south[0]!.mean).toBeGreaterThan(north[0]!.mean + 400);
    for (const id of [undefined, "east"]) {
      const e = thrown(() => model.forecast(2, 0.95, id));
      expect(e).toBeInstanceOf(SlipwayError);
      expect((e as SlipwayError).details[0]?.field).toBe("/id");
    }
    const store = new LocalFolderStore(dir);
    await saveBundle(store, "multi/1", model, { metrics: {}, lineage: {} });
    const loaded = await loadBundledModel(store, "multi/1");
    expect(loaded.forecast(2, 0.95, "south")).toEqual(south);
    expect(loaded.signature).toMatchObject({ idColumn: "store", ids: ["north", "south"] });
  });

  it("refuses an id on a single-series model", () => {
    const single = trainModel(twoStores(36), { ...spec, params: { restarts: 0 } }, "linear", {
      kind: "holdout",
      rows: 6,
    });
    const e = thrown(() => single.model.forecast(1, 0.95, "north"));
    expect((e as SlipwayError).details[0]?.field).toBe("/id");
  });
});
