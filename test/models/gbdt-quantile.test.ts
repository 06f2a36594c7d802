import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Rng } from "../../src/ml/random.js";
import {
  familyFor,
  loadBundledModel,
  type RegressionPrediction,
  saveBundle,
  type TrainSpec,
} from "../../src/models/index.js";
import { LocalFolderStore } from "../../src/store/index.js";
import { caught } from "../features/transforms/caught.js";
import { FEATURES, frameOfRows, instanceOf, type TabularRow, tabularRows } from "../helpers/tabular-data.js";

/** The tabular rows with noise that grows with |x2|: sd 0.1 at x2 = 0, 2.1 at |x2| = 2. */
function heteroscedastic(n: number, seed: number): TabularRow[] {
  const rng = new Rng(seed + 1000);
  return tabularRows(n, seed).map((r) => {
    const x2 = r.x2 ?? 0;
    return { ...r, y: r.truth + (0.1 + Math.abs(x2)) * rng.normal() };
  });
}

const spec = (params: Record<string, unknown>): TrainSpec => ({
  task: "regression",
  target: "y",
  features: FEATURES,
  params,
  seed: 5,
});

const widths = (preds: RegressionPrediction[], rows: TabularRow[], keep: (x2: number) => boolean) => {
  const w = preds.filter((_, i) => keep(Math.abs((rows[i] as TabularRow).x2 ?? 0))).map((p) => p.upper - p.lower);
  return w.reduce((a, b) => a + b, 0) / w.length;
};

describe("gbdt family: conformalised quantile intervals", () => {
  const train = heteroscedastic(3000, 1);
  const held = heteroscedastic(2000, 2);
  const fitWith = (params: Record<string, unknown>) =>
    familyFor("gbdt", "regression").fit(frameOfRows(train), spec(params));
  const band = fitWith({ intervals: "quantile", intervalLevel: 0.9 });
  const plain = fitWith({});
  let dir = "";
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("covers the level on held-out rows, with a width that follows the noise", () => {
    const preds = band.predict(held.map(instanceOf), 0.9) as RegressionPrediction[];
    const covered = preds.filter(
      (p, i) => p.lower <= (held[i] as TabularRow).y && (held[i] as TabularRow).y <= p.upper,
    );
    // ≥ 0.9 in expectation over calibration draws (270 rows); ±0.03 is about three standard errors here.
    expect(covered.length / held.length).toBeGreaterThan(0.87);
    expect(covered.length / held.length).toBeLessThan(0.95);
    // Where the noise is 5× smaller, the band is at most 0.6 times as wide (0.50 here); the split-conformal one is the same everywhere.
    expect(widths(preds, held, (a) => a < 0.5) / widths(preds, held, (a) => a > 1.5)).toBeLessThan(0.6);
    const constant = plain.predict(held.map(instanceOf), 0.9) as RegressionPrediction[];
    expect(widths(constant, held, (a) => a < 0.5)).toBeCloseTo(
      widths(constant, held, (a) => a > 1.5),
      9,
    );
    expect(band.describe()).toMatchObject({
      intervals: { method: "conformalized-quantile", level: 0.9, calibrationRows: 300 },
    });
  });

  it("answers other levels from the point model's split-conformal calibration", () => {
    const records = held.slice(0, 20).map(instanceOf);
    expect(band.predict(records, 0.8)).toEqual(plain.predict(records, 0.8));
  });

  it("round-trips through a bundle with identical intervals", async () => {
    dir = await mkdtemp(join(tmpdir(), "slipway-gbdt-cqr-"));
    const store = new LocalFolderStore(dir);
    await saveBundle(store, "cqr/1", band, { metrics: {}, lineage: {} });
    const loaded = await loadBundledModel(store, "cqr/1");
    const records = held.slice(0, 50).map(instanceOf);
    expect(loaded.predict(records, 0.9)).toEqual(band.predict(records, 0.9));
    expect(loaded.describe()).toEqual(band.describe());
  });

  it("refuses the option where it cannot be calibrated, naming it", () => {
    const small = caught(() =>
      familyFor("gbdt", "regression").fit(frameOfRows(train.slice(0, 500)), spec({ intervals: "quantile" })),
    );
    expect(small.code).toBe("SLP_INPUT_INVALID");
    expect(small.details[0]?.field).toBe("/params/intervals");
    const binary = caught(() =>
      familyFor("gbdt", "binary").fit(frameOfRows(train), {
        ...spec({ intervals: "quantile" }),
        task: "binary",
        target: "label",
      }),
    );
    expect(binary.details[0]?.field).toBe("/params/intervals");
    const bad = caught(() => fitWith({ intervals: "quantile", intervalLevel: 1.5 }));
    expect(bad.details[0]?.field).toBe("/params/intervalLevel");
  });
});
