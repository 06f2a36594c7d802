import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Task } from "../../src/core/index.js";
import { combineFitted } from "../../src/models/families/combination.js";
import {
  type ClassPrediction,
  type CombinationMemberSpec,
  explainerOf,
  type FittedModel,
  familyFor,
  fitFamily,
  loadBundledModel,
  type RegressionPrediction,
  readBundle,
  saveBundle,
  type TrainSpec,
  trainModel,
} from "../../src/models/index.js";
import { LocalFolderStore } from "../../src/store/index.js";
import { caught } from "../features/transforms/caught.js";
import { FEATURES, frameOfRows, instanceOf, type TabularRow, tabularRows } from "../helpers/tabular-data.js";

const specOf = (task: Task, target: string, params: Record<string, unknown> = {}): TrainSpec => ({
  task,
  target,
  features: FEATURES,
  params,
  seed: 3,
});

const BLEND: CombinationMemberSpec[] = [
  { family: "gbdt", weight: 1 },
  { family: "linear", weight: 1 },
];

const blendOf = (rows: TabularRow[], task: Task, target: string): FittedModel =>
  familyFor("combination", task).fit(frameOfRows(rows), specOf(task, target, { members: BLEND }));

/** Each member fitted alone on the same rows with the spec the combination gives it (its params less `members`). */
const membersOf = (rows: TabularRow[], task: Task, target: string): FittedModel[] =>
  (["gbdt", "linear"] as const).map((family) => familyFor(family, task).fit(frameOfRows(rows), specOf(task, target)));

interface Described {
  members: { family: string; weight: number; description: Record<string, unknown> }[];
  intervals?: { method: string; calibrationRows?: number };
}

const train = tabularRows(300, 51);
const held = tabularRows(400, 52);
const records = held.map(instanceOf);

describe("combination family: tabular", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "slipway-combination-tabular-"));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it("regression: the value is the mean of the members' values, the interval from the blend's own residuals", () => {
    const model = blendOf(train, "regression", "y");
    expect(model.family).toBe("combination");
    const [gbdt, linear] = membersOf(train, "regression", "y") as [FittedModel, FittedModel];
    const preds = model.predict(records, 0.9) as RegressionPrediction[];
    const g = gbdt.predict(records, 0.9) as RegressionPrediction[];
    const l = linear.predict(records, 0.9) as RegressionPrediction[];
    preds.forEach((p, i) => {
      expect(p.value).toBeCloseTo(0.5 * g[i]!.value + 0.5 * l[i]!.value, 12);
    });
    // The scores: |y − (ŷ_gbdt + ŷ_linear)/2| over the training rows, each ŷ from a fit that had not seen the row.
    const gHeld = gbdt.heldOutPredictions as Float64Array;
    const lHeld = linear.heldOutPredictions as Float64Array;
    const scores = Float64Array.from(train, (r, i) => Math.abs(r.y - (0.5 * gHeld[i]! + 0.5 * lHeld[i]!))).sort();
    expect(Array.from(model.state().blobs["conformal.scores"] as Float64Array)).toEqual(
      Array.from(scores, (v) => expect.closeTo(v, 12)),
    );
    // Half-width: the ⌈(n + 1)·0.9⌉-th smallest score; the blend's residuals are narrower than either member's.
    const half = scores[Math.ceil(301 * 0.9) - 1] as number;
    expect(preds[0]!.upper - preds[0]!.value).toBeCloseTo(half, 12);
    expect(preds[0]!.value - preds[0]!.lower).toBeCloseTo(half, 12);
    expect((model.describe() as unknown as Described).intervals).toEqual({
      method: "held-out residuals of the combination",
      calibrationRows: 300,
    });
    const inside = preds.filter((p, i) => p.lower <= held[i]!.y && held[i]!.y <= p.upper).length;
    expect(inside / held.length).toBeGreaterThan(0.85);
  });

  it.each([
    ["binary", "label"],
    ["multiclass", "kind"],
  ] as const)("%s: the probabilities are the mean of the members'", (task, target) => {
    const model = blendOf(train, task, target);
    const members = membersOf(train, task, target).map((m) => m.predict(records, 0.9) as ClassPrediction[]);
    const preds = model.predict(records, 0.9) as ClassPrediction[];
    preds.forEach((p, i) => {
      const classes = Object.keys(p.probabilities);
      expect(classes).toEqual(model.signature.classes);
      for (const c of classes) {
        const mean = 0.5 * members[0]![i]!.probabilities[c]! + 0.5 * members[1]![i]!.probabilities[c]!;
        expect(p.probabilities[c]).toBeCloseTo(mean, 12);
      }
      expect(p.probabilities[p.label]).toBe(Math.max(...Object.values(p.probabilities)));
    });
    expect((model.describe() as unknown as Described).members.map((m) => [m.family, m.weight])).toEqual([
      ["gbdt", 0.5],
      ["linear", 0.5],
    ]);
  });

  it("regression explains exactly with the members' averaged contributions; classification cannot", () => {
    const model = blendOf(train, "regression", "y");
    const [gbdt, linear] = membersOf(train, "regression", "y") as [FittedModel, FittedModel];
    const some = records.slice(0, 20);
    const explanations = explainerOf(model, "/explain")(some);
    const preds = model.predict(some, 0.9) as RegressionPrediction[];
    const g = gbdt.explain?.(some) ?? [];
    const l = linear.explain?.(some) ?? [];
    explanations.forEach((e, i) => {
      expect(e.scale).toBe("value");
      const out = e.outputs.value!;
      expect(out.expected).toBeCloseTo(0.5 * g[i]!.outputs.value!.expected + 0.5 * l[i]!.outputs.value!.expected, 12);
      for (const f of ["x1", "x2", "city"]) {
        const mean = 0.5 * g[i]!.outputs.value!.contributions[f]! + 0.5 * l[i]!.outputs.value!.contributions[f]!;
        expect(out.contributions[f]).toBeCloseTo(mean, 12);
      }
      const sum = Object.values(out.contributions).reduce((a, b) => a + b, out.expected);
      expect(Math.abs(sum - preds[i]!.value)).toBeLessThan(1e-9);
    });
    // An average of probabilities is no sum of log-odds contributions: asking is the documented 400.
    const classifier = blendOf(train, "binary", "label");
    expect(classifier.explain).toBeUndefined();
    const e = caught(() => explainerOf(classifier, "/explain"));
    expect(e.code).toBe("SLP_INPUT_INVALID");
    expect(e.details[0]?.field).toBe("/explain");
  });

  it.each([
    ["regression", "y"],
    ["multiclass", "kind"],
  ] as const)("%s round-trips through a bundle, each member's blobs under its own prefix", async (task, target) => {
    const model = blendOf(train, task, target);
    const store = new LocalFolderStore(dir);
    await saveBundle(store, `blend-${task}/1`, model, { metrics: {}, lineage: {} });
    const { manifest } = await readBundle(store, `blend-${task}/1`);
    expect(manifest.family).toBe("combination");
    const names = Object.keys(manifest.blobs);
    // The trees' arrays under 0., the linear model's scores under 1. (a logistic model keeps no arrays), and the
    // blend's own scores unprefixed: three sets of conformity scores in a regression, none overwriting another.
    expect(names.some((n) => n.startsWith("0."))).toBe(true);
    const scores = names.filter((n) => n.endsWith("conformal.scores")).sort();
    expect(scores).toEqual(
      task === "regression" ? ["0.conformal.scores", "1.conformal.scores", "conformal.scores"] : [],
    );
    const loaded = await loadBundledModel(store, `blend-${task}/1`);
    expect(loaded.family).toBe("combination");
    expect(loaded.signature).toEqual(model.signature);
    expect(loaded.predict(records, 0.8)).toEqual(model.predict(records, 0.8));
    expect(loaded.explain?.(records)).toEqual(model.explain?.(records));
    expect(JSON.parse(JSON.stringify(loaded.describe()))).toEqual(JSON.parse(JSON.stringify(model.describe())));
  });

  it("a replay replays each member from its own state and recalibrates on the new rows", () => {
    const first = blendOf(train, "regression", "y");
    const newRows = tabularRows(400, 53);
    const replay = fitFamily("combination", frameOfRows(newRows), specOf("regression", "y"), {
      hyperparametersFrom: first.state(),
    });
    const a = first.describe() as unknown as Described;
    const b = replay.describe() as unknown as Described;
    expect(b.members[0]?.description.rounds).toBe(a.members[0]?.description.rounds);
    expect(b.members[1]?.description.alpha).toBe(a.members[1]?.description.alpha);
    expect(b.members[1]?.description.intervals).toMatchObject({ alpha: "replayed" });
    expect(b.intervals?.calibrationRows).toBe(400);
  });

  it("without the members' held-out predictions the interval is the mean of their bounds", () => {
    // Members loaded from bundles keep no held-out predictions.
    const [gbdt, linear] = membersOf(train, "regression", "y").map((m) =>
      familyFor(m.family as "gbdt" | "linear", "regression").load(m.state(), m.signature),
    ) as [FittedModel, FittedModel];
    const members = [
      { spec: { family: "gbdt" as const, weight: 1 }, model: gbdt },
      { spec: { family: "linear" as const, weight: 3 }, model: linear },
    ];
    const model = combineFitted("regression", members, frameOfRows(train), specOf("regression", "y"));
    expect((model.describe() as unknown as Described).intervals).toEqual({
      method: "weighted mean of the members' bounds",
    });
    const [p] = model.predict(records.slice(0, 1), 0.9) as RegressionPrediction[];
    const [g] = gbdt.predict(records.slice(0, 1), 0.9) as RegressionPrediction[];
    const [l] = linear.predict(records.slice(0, 1), 0.9) as RegressionPrediction[];
    expect(p!.lower).toBeCloseTo(0.25 * g!.lower + 0.75 * l!.lower, 12);
    expect(p!.upper).toBeCloseTo(0.25 * g!.upper + 0.75 * l!.upper, 12);
  });

  it("auto scores the blend beside the families, reports it, and keeps it where it is best", () => {
    // A linear signal with missing values: the trees handle the gaps, the linear model the slopes.
    const result = trainModel(frameOfRows(tabularRows(1000, 21, "linear")), specOf("regression", "y"), "auto", {
      kind: "split",
      share: 0.2,
    });
    expect(result.candidates.map((c) => c.family)).toEqual(["gbdt", "linear", "combination"]);
    const blend = result.candidates[2]!;
    expect(blend.params).toEqual({
      members: [
        { family: "gbdt", weight: 0.5 },
        { family: "linear", weight: 0.5 },
      ],
    });
    for (const other of result.candidates.slice(0, 2))
      expect(blend.metrics.rmse).toBeLessThan(other.metrics.rmse as number);
    expect(blend.chosen).toBe(true);
    expect(result.family).toBe("combination");
    expect(result.metrics).toEqual(blend.metrics);
    // The registered model is the blend refitted on every row, its members replayed.
    expect(result.model.family).toBe("combination");
    const d = result.model.describe() as unknown as Described;
    expect(d.members.map((m) => m.family)).toEqual(["gbdt", "linear"]);
    expect(d.intervals?.calibrationRows).toBe(1000);
    // A single family asked by name is fitted alone, with no blend.
    const alone = trainModel(frameOfRows(train), specOf("regression", "y"), "gbdt", { kind: "split", share: 0.2 });
    expect(alone.candidates.map((c) => c.family)).toEqual(["gbdt"]);
  });
});
