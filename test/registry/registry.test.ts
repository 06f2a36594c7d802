import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Clock, EventBus, isSlipwayError, type SlipwayEvents, type Task } from "../../src/core/index.js";
import { parseModelRef, Registry } from "../../src/registry/index.js";
import { type MetadataStore, openSqliteStore } from "../../src/store/index.js";
import { codeOf } from "../helpers/error-code.js";

const T0 = Date.UTC(2024, 0, 1);

describe("Registry", () => {
  let dir: string;
  let store: MetadataStore;
  let t: number;
  let clock: Clock;
  let bus: EventBus;
  let registry: Registry;
  let registered: SlipwayEvents["model.version.registered"][];
  let moved: SlipwayEvents["model.alias.moved"][];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "slipway-registry-"));
    store = await openSqliteStore(join(dir, "slipway.db"));
    t = T0;
    clock = { now: () => t };
    bus = new EventBus((event, error) => {
      throw new Error(`handler of ${event} failed: ${String(error)}`);
    });
    registered = [];
    moved = [];
    bus.on("model.version.registered", (e) => registered.push(e));
    bus.on("model.alias.moved", (e) => moved.push(e));
    registry = new Registry(store.db, bus, clock);
  });

  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const register = (model: string, runId: string, task: Task = "regression") =>
    registry.registerVersion({
      model,
      task,
      family: "linear",
      runId,
      artifactKey: `runs/${runId}/model`,
      metrics: { rmse: 1.5 },
      lineage: { dataset: "d", datasetVersion: 1 },
    });

  const auditCount = async () =>
    Number(
      (
        await store.db
          .selectFrom("audit_log")
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirst()
      )?.n,
    );

  describe("registerVersion", () => {
    it("numbers versions 1, 2, 3 per model, independently of other models", async () => {
      expect(await register("a", "run_a1")).toBe(1);
      expect(await register("a", "run_a2")).toBe(2);
      expect(await register("b", "run_b1")).toBe(1);
      expect(await register("a", "run_a3")).toBe(3);
      expect(await register("b", "run_b2")).toBe(2);
      expect((await registry.getModel("a")).versions.map((v) => v.runId)).toEqual(["run_a1", "run_a2", "run_a3"]);
      expect((await registry.getModel("b")).versions.map((v) => v.version)).toEqual([1, 2]);
    });

    it("audits each registration and emits model.version.registered", async () => {
      await register("a", "run_a1");
      await register("a", "run_a2");
      expect(registered).toEqual([
        { model: "a", version: 1, runId: "run_a1" },
        { model: "a", version: 2, runId: "run_a2" },
      ]);
      const log = await registry.auditLog("a");
      expect(log.map((e) => [e.action, e.actor, e.fromVersion, e.toVersion, e.alias, e.reason])).toEqual([
        ["register", "slipway", null, 1, null, "run run_a1"],
        ["register", "slipway", null, 2, null, "run run_a2"],
      ]);
    });

    it("does not move any alias nor bump the alias epoch", async () => {
      await register("a", "run_a1");
      expect(await registry.aliasesOf("a")).toEqual({});
      expect(await registry.aliasEpoch()).toBe(0);
      expect(moved).toEqual([]);
    });
  });

  describe("moveAlias", () => {
    it("points the alias, returns the previous version and audits from, to, actor and reason", async () => {
      await register("a", "run_a1");
      await register("a", "run_a2");
      t = T0 + 1000;
      expect(await registry.moveAlias("a", "production", 1, { actor: "alice", reason: "first release" })).toEqual({
        from: null,
        to: 1,
      });
      t = T0 + 2000;
      expect(
        await registry.moveAlias("a", "production", 2, { actor: "bob", reason: "better rmse", action: "promote" }),
      ).toEqual({ from: 1, to: 2 });
      expect(await registry.aliasesOf("a")).toEqual({ production: 2 });
      const moves = (await registry.auditLog("a")).filter((e) => e.alias !== null);
      expect(moves).toEqual([
        {
          id: expect.any(Number),
          at: new Date(T0 + 1000).toISOString(),
          actor: "alice",
          action: "alias.move",
          model: "a",
          alias: "production",
          fromVersion: null,
          toVersion: 1,
          reason: "first release",
        },
        {
          id: expect.any(Number),
          at: new Date(T0 + 2000).toISOString(),
          actor: "bob",
          action: "promote",
          model: "a",
          alias: "production",
          fromVersion: 1,
          toVersion: 2,
          reason: "better rmse",
        },
      ]);
    });

    it("bumps the alias epoch by exactly one per move", async () => {
      await register("a", "run_a1");
      await register("b", "run_b1");
      expect(await registry.aliasEpoch()).toBe(0);
      await registry.moveAlias("a", "production", 1, { actor: "x", reason: "r" });
      expect(await registry.aliasEpoch()).toBe(1);
      await registry.moveAlias("a", "staging", 1, { actor: "x", reason: "r" });
      await registry.moveAlias("b", "production", 1, { actor: "x", reason: "r" });
      // Moving an alias to the version it already points at is still a move (audited, seen by pollers).
      await registry.moveAlias("b", "production", 1, { actor: "x", reason: "again" });
      expect(await registry.aliasEpoch()).toBe(4);
    });

    it("emits model.alias.moved with from, to and reason", async () => {
      await register("a", "run_a1");
      await register("a", "run_a2");
      await registry.moveAlias("a", "production", 1, { actor: "x", reason: "first" });
      await registry.moveAlias("a", "production", 2, { actor: "x", reason: "second" });
      expect(moved).toEqual([
        { model: "a", alias: "production", from: null, to: 1, reason: "first" },
        { model: "a", alias: "production", from: 1, to: 2, reason: "second" },
      ]);
    });

    it("to a missing version fails with SLP_MODEL_NOT_FOUND, with no move, audit row, epoch bump or event", async () => {
      await register("a", "run_a1");
      await registry.moveAlias("a", "production", 1, { actor: "x", reason: "r" });
      const auditBefore = await auditCount();
      moved.length = 0;
      expect(await codeOf(registry.moveAlias("a", "production", 7, { actor: "x", reason: "r" }))).toBe(
        "SLP_MODEL_NOT_FOUND",
      );
      expect(await codeOf(registry.moveAlias("nope", "production", 1, { actor: "x", reason: "r" }))).toBe(
        "SLP_MODEL_NOT_FOUND",
      );
      expect(await registry.aliasesOf("a")).toEqual({ production: 1 });
      expect(await auditCount()).toBe(auditBefore);
      expect(await registry.aliasEpoch()).toBe(1);
      expect(moved).toEqual([]);
    });

    it("names the missing field: the version of a known model, or the model", async () => {
      await register("a", "run_a1");
      const details = async (p: Promise<unknown>) => p.catch((e: unknown) => (isSlipwayError(e) ? e.details : e));
      expect(await details(registry.moveAlias("a", "production", 2, { actor: "x", reason: "r" }))).toEqual([
        { field: "version", reason: "not found" },
      ]);
      expect(await details(registry.moveAlias("zz", "production", 1, { actor: "x", reason: "r" }))).toEqual([
        { field: "model", reason: "not found" },
      ]);
    });

    it("is one transaction: when the audit row cannot be written, the alias and epoch stay put", async () => {
      await register("a", "run_a1");
      await register("a", "run_a2");
      await registry.moveAlias("a", "production", 1, { actor: "x", reason: "r" });
      await sql`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log WHEN NEW.reason = 'refused'
        BEGIN SELECT RAISE(ABORT, 'audit refused'); END`.execute(store.db);
      moved.length = 0;
      await expect(registry.moveAlias("a", "production", 2, { actor: "x", reason: "refused" })).rejects.toThrow();
      expect(await registry.aliasesOf("a")).toEqual({ production: 1 });
      expect(await registry.aliasEpoch()).toBe(1);
      expect(moved).toEqual([]);
    });

    it("is one transaction: when the epoch cannot be bumped, the alias and audit row stay put", async () => {
      await register("a", "run_a1");
      await register("a", "run_a2");
      await registry.moveAlias("a", "production", 1, { actor: "x", reason: "r" });
      await sql`CREATE TRIGGER refuse_epoch BEFORE UPDATE ON meta
        BEGIN SELECT RAISE(ABORT, 'epoch refused'); END`.execute(store.db);
      const auditBefore = await auditCount();
      await expect(registry.moveAlias("a", "production", 2, { actor: "x", reason: "r" })).rejects.toThrow();
      expect(await registry.aliasesOf("a")).toEqual({ production: 1 });
      expect(await auditCount()).toBe(auditBefore);
    });
  });

  describe("resolve", () => {
    beforeEach(async () => {
      await register("a", "run_a1");
      await register("a", "run_a2");
      await register("a", "run_a3");
    });

    it("a bare name without production resolves to the latest version", async () => {
      expect((await registry.resolve({ name: "a" })).version).toBe(3);
      await registry.moveAlias("a", "staging", 1, { actor: "x", reason: "r" });
      expect((await registry.resolve({ name: "a" })).version).toBe(3);
    });

    it("a bare name with production resolves to the production version, even when newer ones exist", async () => {
      await registry.moveAlias("a", "production", 2, { actor: "x", reason: "r" });
      const record = await registry.resolve({ name: "a" });
      expect(record.version).toBe(2);
      expect(record.aliases).toEqual(["production"]);
    });

    it("name@alias resolves through the alias", async () => {
      await registry.moveAlias("a", "staging", 1, { actor: "x", reason: "r" });
      await registry.moveAlias("a", "production", 2, { actor: "x", reason: "r" });
      expect((await registry.resolve({ name: "a", alias: "staging" })).version).toBe(1);
      expect((await registry.resolve({ name: "a", alias: "production" })).version).toBe(2);
    });

    it("name:version resolves to that version, whatever the aliases say", async () => {
      await registry.moveAlias("a", "production", 2, { actor: "x", reason: "r" });
      const record = await registry.resolve({ name: "a", version: 1 });
      expect(record.version).toBe(1);
      expect(record.runId).toBe("run_a1");
      expect(record.aliases).toEqual([]);
    });

    it("a missing model, alias or version is SLP_MODEL_NOT_FOUND", async () => {
      expect(await codeOf(registry.resolve({ name: "nope" }))).toBe("SLP_MODEL_NOT_FOUND");
      expect(await codeOf(registry.resolve({ name: "nope", alias: "production" }))).toBe("SLP_MODEL_NOT_FOUND");
      expect(await codeOf(registry.resolve({ name: "nope", version: 1 }))).toBe("SLP_MODEL_NOT_FOUND");
      expect(await codeOf(registry.resolve({ name: "a", alias: "canary" }))).toBe("SLP_MODEL_NOT_FOUND");
      expect(await codeOf(registry.resolve({ name: "a", version: 4 }))).toBe("SLP_MODEL_NOT_FOUND");
    });

    it("a model with no versions yet is SLP_MODEL_NOT_FOUND", async () => {
      await registry.ensureModel("empty", "forecast", "gp");
      expect(await codeOf(registry.resolve({ name: "empty" }))).toBe("SLP_MODEL_NOT_FOUND");
    });

    it("works on what parseModelRef returns", async () => {
      await registry.moveAlias("a", "production", 2, { actor: "x", reason: "r" });
      const resolveText = async (text: string) => (await registry.resolve(parseModelRef(text)!)).version;
      expect(await resolveText("a")).toBe(2);
      expect(await resolveText("a@production")).toBe(2);
      expect(await resolveText("a:3")).toBe(3);
    });
  });

  describe("getModel and listModels", () => {
    it("getModel returns the model with its aliases and versions in order", async () => {
      t = T0 + 5;
      await registry.registerVersion({
        model: "calls",
        task: "forecast",
        family: "gp",
        runId: "run_1",
        artifactKey: "runs/run_1/model",
        metrics: { rmse: 2.5, mae: 1.25 },
        lineage: { dataset: "calls", datasetVersion: 3, seed: 42 },
        releasePolicy: "manual",
      });
      t = T0 + 10;
      await registry.registerVersion({
        model: "calls",
        task: "forecast",
        family: "gp",
        runId: "run_2",
        artifactKey: "runs/run_2/model",
        metrics: { rmse: 2 },
        lineage: {},
      });
      await registry.moveAlias("calls", "production", 1, { actor: "x", reason: "r" });
      await registry.moveAlias("calls", "staging", 1, { actor: "x", reason: "r" });
      expect(await registry.getModel("calls")).toEqual({
        name: "calls",
        task: "forecast",
        family: "gp",
        releasePolicy: "manual",
        releaseGate: [],
        aliases: { production: 1, staging: 1 },
        versions: [
          {
            model: "calls",
            version: 1,
            runId: "run_1",
            task: "forecast",
            family: "gp",
            artifactKey: "runs/run_1/model",
            metrics: { rmse: 2.5, mae: 1.25 },
            lineage: { dataset: "calls", datasetVersion: 3, seed: 42 },
            createdAt: new Date(T0 + 5).toISOString(),
            aliases: expect.arrayContaining(["production", "staging"]),
            description: null,
            tags: {},
          },
          {
            model: "calls",
            version: 2,
            runId: "run_2",
            task: "forecast",
            family: "gp",
            artifactKey: "runs/run_2/model",
            metrics: { rmse: 2 },
            lineage: {},
            createdAt: new Date(T0 + 10).toISOString(),
            aliases: [],
            description: null,
            tags: {},
          },
        ],
      });
    });

    it("a model's release policy defaults to auto and is set by its first registration", async () => {
      await register("a", "run_a1");
      expect((await registry.getModel("a")).releasePolicy).toBe("auto");
    });

    it("getModel of an unknown model is SLP_MODEL_NOT_FOUND", async () => {
      expect(await codeOf(registry.getModel("nope"))).toBe("SLP_MODEL_NOT_FOUND");
    });

    it("listModels returns every model by name, with its versions", async () => {
      expect(await registry.listModels()).toEqual([]);
      await register("zeta", "run_z1", "binary");
      await register("alpha", "run_a1");
      await register("alpha", "run_a2");
      const models = await registry.listModels();
      expect(models.map((m) => [m.name, m.task, m.versions.length])).toEqual([
        ["alpha", "regression", 2],
        ["zeta", "binary", 1],
      ]);
      expect(models[0]).toEqual(await registry.getModel("alpha"));
    });

    it("allAliases lists every (model, alias, version)", async () => {
      await register("b", "run_b1");
      await register("a", "run_a1");
      await registry.moveAlias("b", "production", 1, { actor: "x", reason: "r" });
      await registry.moveAlias("a", "staging", 1, { actor: "x", reason: "r" });
      expect(await registry.allAliases()).toEqual([
        { model: "a", alias: "staging", version: 1 },
        { model: "b", alias: "production", version: 1 },
      ]);
    });
  });
});

describe("parseModelRef", () => {
  it.each([
    ["calls", { name: "calls" }],
    ["calls@production", { name: "calls", alias: "production" }],
    ["calls@canary-2", { name: "calls", alias: "canary-2" }],
    ["calls:3", { name: "calls", version: 3 }],
    ["calls:12", { name: "calls", version: 12 }],
    ["call-center.v2_x", { name: "call-center.v2_x" }],
  ])("accepts %j", (text, ref) => {
    expect(parseModelRef(text)).toEqual(ref);
  });

  it.each([
    "",
    "calls@",
    "calls:",
    "calls:abc",
    "calls:1.5",
    "calls:-1",
    "calls@a@b",
    "calls:3@production",
    "calls@production:3",
    "a b",
    "../calls",
    "calls/1",
    "@production",
    ":3",
  ])("rejects %j", (text) => {
    expect(parseModelRef(text)).toBeNull();
  });
});
