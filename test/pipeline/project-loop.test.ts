import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defineProject, type ProjectInput } from "../../src/config/index.js";
import { type Frame, sliceFrame } from "../../src/core/index.js";
import { Rng } from "../../src/ml/random.js";
import { evaluateModel, fitFamily, type ModelState, readBundle, type TrainSpec } from "../../src/models/index.js";
import { decideGate, ingestFile, JobRunner, latestDatasetVersion, ProjectLoop } from "../../src/pipeline/index.js";
import { createTestContext, monthlyCsv, type TestContext } from "../helpers/pipeline-context.js";

function project(overrides: Partial<ProjectInput["model"]> = {}) {
  return defineProject({
    name: "demo",
    dataset: {
      name: "contacts",
      timeColumn: "month",
      columns: [
        { name: "month", type: "time", required: true },
        { name: "contacts", type: "number" },
      ],
    },
    model: { name: "demo", task: "forecast", target: "contacts", family: "gp", params: { restarts: 0 }, ...overrides },
    evaluation: { holdout: 12 },
    gate: { metric: "rmse", tolerance: 0.02 },
  });
}

describe("decideGate", () => {
  it("passes the first version, and a candidate within the tolerance", () => {
    expect(decideGate("rmse", 10, null, 0).passed).toBe(true);
    expect(decideGate("rmse", 10.19, { version: 1, score: 10 }, 0.02).passed).toBe(true);
    expect(decideGate("rmse", 10, { version: 1, score: 10 }, 0).passed).toBe(true);
  });
  it("fails a worse candidate and one that scored NaN", () => {
    const d = decideGate("rmse", 10.21, { version: 3, score: 10 }, 0.02);
    expect(d).toMatchObject({ passed: false, championVersion: 3, champion: 10 });
    expect(d.reason).toContain("gate failed");
    expect(decideGate("rmse", Number.NaN, null, 0).passed).toBe(false);
  });
  it("does not let a champion that could not be replayed block", () => {
    expect(decideGate("rmse", 5, { version: 1, score: Number.NaN }, 0).passed).toBe(true);
  });
});

describe("ProjectLoop", () => {
  let ctx: TestContext;
  let raw: string;
  beforeEach(async () => {
    ctx = await createTestContext();
    raw = join(ctx.dir, "project", "data", "raw");
    await mkdir(raw, { recursive: true });
    await writeFile(join(raw, "history.csv"), monthlyCsv([2015, 1], 60));
  });
  afterEach(async () => ctx.cleanup());

  const loopFor = (config: ReturnType<typeof project>) => {
    const runner = new JobRunner(ctx.stores.metadata.db, ctx.bus, ctx.clock);
    return { runner, loop: new ProjectLoop(ctx, config, join(ctx.dir, "project"), runner) };
  };

  it("ingests, trains, gates and releases the first version to production", async () => {
    const { runner, loop } = loopFor(project());
    await loop.ingestAll();
    await runner.drain();
    const model = await ctx.registry.getModel("demo");
    expect(model.aliases).toEqual({ production: 1 });
    const v1 = model.versions[0];
    expect(v1?.lineage).toMatchObject({ dataset: "contacts", datasetVersion: 1, seed: 42 });
    expect(v1?.metrics.rmse).toBeGreaterThan(0);
    const audit = await ctx.registry.auditLog("demo");
    expect(audit.map((a) => a.action)).toEqual(["register", "release"]);
    // Running the loop again on the same data trains nothing new.
    await loop.ingestAll();
    await runner.drain();
    expect((await ctx.registry.getModel("demo")).versions).toHaveLength(1);
  });

  it("releases a new version when new data arrives and the candidate passes", async () => {
    const { runner, loop } = loopFor(project());
    await loop.ingestAll();
    await runner.drain();
    await writeFile(join(raw, "next.csv"), "month,contacts\n2020-01-01,1420\n");
    await loop.ingestAll();
    await runner.drain();
    const model = await ctx.registry.getModel("demo");
    expect(model.aliases.production).toBe(2);
    expect(model.versions[1]?.lineage).toMatchObject({ datasetVersion: 2 });
    const gate = ctx.events
      .filter((e) => e.name === "gate.decided")
      .map((e) => e.payload as { passed: boolean; champion: number | null });
    expect(gate).toEqual([
      expect.objectContaining({ passed: true, champion: null }),
      expect.objectContaining({ passed: true, champion: 1 }),
    ]);
  });

  it("keeps the champion when a worse candidate fails the gate", async () => {
    const first = loopFor(project());
    await first.loop.ingestAll();
    await first.runner.drain();
    // The project switches to a weaker model (a straight line without seasonality); new data arrives.
    const weaker = loopFor(project({ family: "linear", params: { period: 1000 } }));
    await writeFile(join(raw, "next.csv"), "month,contacts\n2020-01-01,1420\n");
    await weaker.loop.ingestAll();
    await weaker.runner.drain();
    const model = await ctx.registry.getModel("demo");
    expect(model.aliases).toEqual({ production: 1 });
    expect(model.versions).toHaveLength(1);
    const runs = await ctx.stores.metadata.db
      .selectFrom("runs")
      .select(["status", "family"])
      .orderBy("started_at")
      .execute();
    expect(runs.map((r) => r.status)).toEqual(["succeeded", "gate_failed"]);
  });

  it("registers a forecaster fitted afresh on every row, and gates with the scored one's hyperparameters", async () => {
    const { runner, loop } = loopFor(project());
    await loop.ingestAll();
    await runner.drain();
    const v1 = await ctx.registry.getVersion("demo", 1);
    const served = await readBundle(ctx.stores.artifacts, v1.artifactKey);
    const scored = await readBundle(ctx.stores.artifacts, `${v1.artifactKey}/scored`);
    // The kernel was learnt twice: on the 48 rows before the evaluation window, and on all 60.
    expect(scored.manifest.family).toBe("gp");
    expect(scored.manifest.state).not.toEqual(served.manifest.state);
    await writeFile(join(raw, "next.csv"), "month,contacts\n2020-01-01,1420\n");
    await loop.ingestAll();
    await runner.drain();
    // The champion's score at the gate is the scored kernel's, refitted on the candidate's 49 training rows.
    const dataset = await latestDatasetVersion(ctx, "contacts");
    const frame = dataset?.frame as Frame;
    const spec: TrainSpec = {
      task: "forecast",
      target: "contacts",
      timeColumn: "month",
      features: [],
      params: { restarts: 0 },
      seed: 42,
    };
    const n = frame.rowCount;
    const replayOf = (state: ModelState) =>
      evaluateModel(
        fitFamily("gp", sliceFrame(frame, 0, n - 12), spec, { hyperparametersFrom: state }),
        sliceFrame(frame, n - 12, n),
        spec,
      ).rmse;
    const v2 = await ctx.registry.getVersion("demo", 2);
    const gate = (v2.lineage as { evaluation: { gate: { champion: number } } }).evaluation.gate;
    expect(gate.champion).toBe(replayOf(scored.state));
    expect(gate.champion).not.toBe(replayOf(served.state));
  });

  it("under auto, records the combination in the lineage and replays a combination champion at the gate", async () => {
    // The series of test/models/forecast-auto.test.ts (seed 1) on which auto keeps the combination.
    const rng = new Rng(1);
    const rows = Array.from({ length: 97 }, (_, t) => {
      const month = new Date(Date.UTC(2010, t, 1)).toISOString().slice(0, 10);
      return `${month},${500 + 4 * t + 60 * Math.sin((2 * Math.PI * t) / 12) + 10 * rng.normal()}`;
    });
    await writeFile(join(raw, "history.csv"), `month,contacts\n${rows.slice(0, 96).join("\n")}\n`);
    const { runner, loop } = loopFor(project({ family: "auto", params: { restarts: 1 }, seed: 1 }));
    await loop.ingestAll();
    await runner.drain();
    const v1 = (await ctx.registry.getModel("demo")).versions[0];
    expect(v1?.family).toBe("combination");
    const lineage = v1?.lineage as { candidates?: { family: string; params?: { members?: unknown[] } }[] };
    const candidates = lineage?.candidates ?? [];
    expect(candidates.map((c) => c.family)).toEqual(["gp", "gp", "ets", "seasonal-naive", "combination"]);
    expect(candidates[4]?.params?.members).toHaveLength(3);
    // A new month: the champion's members are replayed on the candidate's rows and scored on the same window.
    await writeFile(join(raw, "next.csv"), `month,contacts\n${rows[96]}\n`);
    await loop.ingestAll();
    await runner.drain();
    const runs = await ctx.stores.metadata.db.selectFrom("runs").select("lineage_json").orderBy("started_at").execute();
    const gate = (JSON.parse(runs[1]?.lineage_json ?? "{}") as { evaluation: { gate: { champion: number } } })
      .evaluation.gate;
    expect(gate).toMatchObject({ championVersion: 1 });
    expect(Number.isFinite(gate.champion)).toBe(true);
    expect(gate.champion).toBeGreaterThan(0);
  });

  it("moves staging, not production, under the manual release policy", async () => {
    const config = defineProject({ ...project(), release: { policy: "manual" } });
    const { runner, loop } = loopFor(config);
    await loop.ingestAll();
    await runner.drain();
    expect((await ctx.registry.getModel("demo")).aliases).toEqual({ staging: 1 });
    // The release opened an approval request, which a person decides.
    const [request] = await ctx.registry.approvals({ model: "demo" });
    expect(request).toMatchObject({ version: 1, state: "pending", requestedBy: "slipway" });
    await ctx.registry.approve("demo", 1, { actor: "dana", reason: "reviewed" });
    expect((await ctx.registry.getModel("demo")).aliases).toEqual({ staging: 1, production: 1 });
  });

  it("applies the project file's gate conditions; a candidate they refuse is registered but not released", async () => {
    // Every forecaster has an rmse above 0: the loop's own gate passes the first version, the policy's refuses it.
    const config = defineProject({ ...project(), release: { gate: [{ metric: "rmse", max: 0 }] } });
    const { loop } = loopFor(config);
    await ingestFile(ctx, loop.dataset, join(raw, "history.csv"));
    const outcome = await loop.trainCandidate();
    expect(outcome).toMatchObject({ version: 1, decision: { passed: true } });
    expect(outcome.refused).toMatch(/^version 1 of demo fails the release gate: rmse: candidate \S+ > 0$/);
    const model = await ctx.registry.getModel("demo");
    expect(model.aliases).toEqual({});
    expect(model.releaseGate).toEqual([{ metric: "rmse", max: 0 }]);
    expect((await ctx.registry.auditLog("demo")).map((a) => [a.action, a.actor])).toEqual([
      ["register", "slipway"],
      ["policy.gate", "slipway"],
      ["promote.refused", "slipway"],
    ]);
    const runs = await ctx.stores.metadata.db.selectFrom("runs").select("status").execute();
    expect(runs.map((r) => r.status)).toEqual(["succeeded"]);
  });
});
