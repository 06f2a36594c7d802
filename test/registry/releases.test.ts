import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Clock, EventBus, isSlipwayError, type SlipwayEvents } from "../../src/core/index.js";
import { Registry } from "../../src/registry/index.js";
import { type MetadataStore, openSqliteStore } from "../../src/store/index.js";
import { codeOf } from "../helpers/error-code.js";

describe("release steps", () => {
  let dir: string;
  let store: MetadataStore;
  let t: number;
  let registry: Registry;
  let requested: SlipwayEvents["model.approval.requested"][];
  let decided: SlipwayEvents["model.approval.decided"][];
  let moved: SlipwayEvents["model.alias.moved"][];
  const by = (reason: string) => ({ actor: "alice", reason });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "slipway-release-"));
    store = await openSqliteStore(join(dir, "slipway.db"));
    t = Date.UTC(2024, 0, 1);
    const clock: Clock = { now: () => t++ };
    const bus = new EventBus((event, error) => {
      throw new Error(`handler of ${event} failed: ${String(error)}`);
    });
    requested = [];
    decided = [];
    moved = [];
    bus.on("model.approval.requested", (e) => requested.push(e));
    bus.on("model.approval.decided", (e) => decided.push(e));
    bus.on("model.alias.moved", (e) => moved.push(e));
    registry = new Registry(store.db, bus, clock);
    for (let i = 1; i <= 4; i++) {
      await registry.registerVersion({
        model: "price",
        task: "regression",
        family: "linear",
        runId: `run_${i}`,
        artifactKey: `runs/run_${i}/model`,
        metrics: { rmse: 1 },
        lineage: {},
      });
    }
  });

  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("moves production at once under the auto policy", async () => {
    expect(await registry.policyOf("price")).toBe("auto");
    const r = await registry.promote("price", 2, by("better rmse"));
    expect(r).toMatchObject({ alias: "production", from: null, to: 2, status: "released", approval: null });
    expect((await registry.aliasesOf("price")).production).toBe(2);
    expect(requested).toEqual([]);
  });

  it("under manual: staging moves and waits; approve moves production; every step is audited", async () => {
    await registry.promote("price", 1, by("first"));
    const policy = await registry.setPolicy("price", "manual", by("a person signs off"));
    expect(policy).toEqual({ model: "price", from: "auto", to: "manual" });

    const r = await registry.promote("price", 2, { actor: "bob", reason: "retrained" });
    expect(r.status).toBe("pending_approval");
    expect(r.alias).toBe("staging");
    expect(r.approval).toMatchObject({ model: "price", version: 2, state: "pending", requestedBy: "bob" });
    expect(await registry.aliasesOf("price")).toEqual({ production: 1, staging: 2 });
    expect(requested).toEqual([
      { model: "price", version: 2, requestId: r.approval?.id, requestedBy: "bob", reason: "retrained" },
    ]);

    const a = await registry.approve("price", 2, by("checked the backtest"));
    expect(a).toMatchObject({ alias: "production", from: 1, to: 2 });
    expect(a.approval).toMatchObject({ state: "approved", decidedBy: "alice", decisionReason: "checked the backtest" });
    expect((await registry.aliasesOf("price")).production).toBe(2);
    expect(decided.map((d) => d.decision)).toEqual(["approved"]);
    // Decided once: approving again conflicts.
    expect(await codeOf(registry.approve("price", 2, by("again")))).toBe("SLP_RELEASE_CONFLICT");

    const log = (await registry.auditLog("price")).map((e) => [e.action, e.actor, e.alias, e.fromVersion, e.toVersion]);
    expect(log.slice(4)).toEqual([
      ["promote", "alice", "production", null, 1],
      ["policy", "alice", null, null, null],
      ["promote", "bob", "staging", null, 2],
      ["approval.request", "bob", null, null, 2],
      ["approve", "alice", "production", 1, 2],
    ]);
  });

  it("rejecting keeps production; a newer promotion supersedes a pending request", async () => {
    await registry.promote("price", 1, by("first"));
    await registry.setPolicy("price", "manual", by("sign-off"));
    await registry.promote("price", 2, by("candidate"));
    const rejected = await registry.reject("price", 2, by("drift in the backtest"));
    expect(rejected).toMatchObject({ version: 2, state: "rejected", decisionReason: "drift in the backtest" });
    expect((await registry.aliasesOf("price")).production).toBe(1);
    expect(await codeOf(registry.approve("price", 2, by("too late")))).toBe("SLP_RELEASE_CONFLICT");

    await registry.promote("price", 3, by("candidate 3"));
    await registry.promote("price", 4, by("candidate 4"));
    const states = (await registry.approvals({ model: "price" })).map((x) => [x.version, x.state]);
    expect(states).toEqual([
      [4, "pending"],
      [3, "superseded"],
      [2, "rejected"],
    ]);
    expect(await codeOf(registry.approve("price", 3, by("stale")))).toBe("SLP_RELEASE_CONFLICT");
    await registry.approve("price", 4, by("ok"));
    expect((await registry.aliasesOf("price")).production).toBe(4);
  });

  it("rolls production back one version at a time, then refuses", async () => {
    expect(await codeOf(registry.rollback("price", by("nothing yet")))).toBe("SLP_RELEASE_CONFLICT");
    await registry.promote("price", 1, by("v1"));
    expect(await codeOf(registry.rollback("price", by("only one")))).toBe("SLP_RELEASE_CONFLICT");
    await registry.promote("price", 2, by("v2"));
    await registry.promote("price", 3, by("v3"));
    expect(await registry.rollback("price", by("v3 misbehaves"))).toEqual({
      model: "price",
      alias: "production",
      from: 3,
      to: 2,
    });
    expect((await registry.rollback("price", by("v2 too"))).to).toBe(1);
    expect(await codeOf(registry.rollback("price", by("no more")))).toBe("SLP_RELEASE_CONFLICT");
    // A new promotion after rollbacks starts from the version in force.
    await registry.promote("price", 4, by("v4"));
    expect((await registry.rollback("price", by("back"))).to).toBe(1);
    const actions = (await registry.auditLog("price")).filter((e) => e.action === "rollback");
    expect(actions.map((e) => [e.fromVersion, e.toVersion, e.reason])).toEqual([
      [3, 2, "v3 misbehaves"],
      [2, 1, "v2 too"],
      [4, 1, "back"],
    ]);
    expect(moved.at(-1)).toMatchObject({ alias: "production", from: 4, to: 1 });
  });

  it("names the missing model or version", async () => {
    expect(await codeOf(registry.promote("price", 9, by("no such version")))).toBe("SLP_MODEL_NOT_FOUND");
    expect(await codeOf(registry.setPolicy("nope", "manual", by("no such model")))).toBe("SLP_MODEL_NOT_FOUND");
    expect(await codeOf(registry.rollback("nope", by("no such model")))).toBe("SLP_MODEL_NOT_FOUND");
  });

  describe("gate conditions", () => {
    // Versions 5–8 of price: rmse and mape as registered by training.
    const METRICS = [
      { rmse: 1.0, mape: 0.1 },
      { rmse: 1.01, mape: 0.15 },
      { rmse: 1.2, mape: 0.1 },
      { rmse: 0.9, mape: 0.3 },
    ];
    const errorOf = (p: Promise<unknown>) =>
      p.then(
        () => null,
        (e: unknown) => (isSlipwayError(e) ? { code: e.code, message: e.message, details: e.details } : e),
      );
    const actions = async () =>
      (await registry.auditLog("price")).slice(8).map((e) => [e.action, e.alias, e.fromVersion, e.toVersion]);

    beforeEach(async () => {
      for (const [i, metrics] of METRICS.entries()) {
        await registry.registerVersion({
          model: "price",
          task: "regression",
          family: "linear",
          runId: `run_${5 + i}`,
          artifactKey: `runs/run_${5 + i}/model`,
          metrics,
          lineage: {},
        });
      }
      await registry.updatePolicy(
        "price",
        {
          gate: [
            { metric: "rmse", maxRatio: 1.02 },
            { metric: "mape", max: 0.2 },
          ],
        },
        by("guard production"),
      );
    });

    it("stores the conditions with the policy, audited as policy.gate", async () => {
      expect(await registry.releasePolicyOf("price")).toEqual({
        policy: "auto",
        gate: [
          { metric: "rmse", maxRatio: 1.02 },
          { metric: "mape", max: 0.2 },
        ],
      });
      expect((await registry.getModel("price")).releaseGate).toHaveLength(2);
      const r = await registry.updatePolicy("price", { policy: "manual", gate: [] }, by("sign-off instead"));
      expect(r.from.gate).toHaveLength(2);
      expect(r.to).toEqual({ policy: "manual", gate: [] });
      const log = (await registry.auditLog("price")).filter((e) => e.action.startsWith("policy"));
      expect(log.map((e) => [e.action, e.reason])).toEqual([
        ["policy.gate", "gate none -> rmse<=1.02x, mape<=0.2: guard production"],
        ["policy", "auto -> manual: sign-off instead"],
        ["policy.gate", "gate rmse<=1.02x, mape<=0.2 -> none: sign-off instead"],
      ]);
      expect(await codeOf(registry.updatePolicy("price", { gate: [{ metric: "rmse" }] }, by("r")))).toBe(
        "SLP_INPUT_INVALID",
      );
      expect(await codeOf(registry.updatePolicy("nope", { gate: [] }, by("r")))).toBe("SLP_MODEL_NOT_FOUND");
    });

    it("without a champion, ratio bounds pass and absolute bounds apply", async () => {
      const refused = await errorOf(registry.promote("price", 8, by("lowest rmse")));
      expect(refused).toMatchObject({
        code: "SLP_GATE_FAILED",
        details: [{ field: "mape", reason: "mape: candidate 0.3 > 0.2" }],
      });
      const r = await registry.promote("price", 6, by("first release"));
      expect(r.gate?.results.map((x) => [x.bound, x.passed, x.reason])).toEqual([
        ["maxRatio", true, "rmse: no champion, <=1.02x not applied"],
        ["max", true, "mape: candidate 0.15 ≤ 0.2"],
      ]);
    });

    it("refuses a worse candidate with SLP_GATE_FAILED naming the metric and values, audited as promote.refused", async () => {
      await registry.promote("price", 5, by("champion"));
      moved.length = 0;
      const refused = await errorOf(registry.promote("price", 7, by("retrained")));
      expect(refused).toEqual({
        code: "SLP_GATE_FAILED",
        message: "version 7 of price fails the release gate: rmse: candidate 1.2 > 1.02 × champion v5's 1 = 1.02",
        details: [{ field: "rmse", reason: "rmse: candidate 1.2 > 1.02 × champion v5's 1 = 1.02" }],
      });
      expect((await registry.aliasesOf("price")).production).toBe(5);
      expect(moved).toEqual([]);
      const row = (await registry.auditLog("price")).at(-1);
      expect(row).toMatchObject({ action: "promote.refused", alias: null, fromVersion: 5, toVersion: 7 });
      expect(row?.reason).toBe("rmse: candidate 1.2 > 1.02 × champion v5's 1 = 1.02: retrained");

      // Within the ratio: released, with the check in the answer.
      const ok = await registry.promote("price", 6, by("close enough"));
      expect(ok).toMatchObject({ status: "released", from: 5, to: 6, gate: { passed: true, championVersion: 5 } });
      // Another alias is not guarded.
      expect((await registry.promote("price", 7, { ...by("try it"), alias: "candidate" })).gate).toBeNull();
    });

    it("force releases a failing version, audited as gate.override in the move's transaction", async () => {
      await registry.promote("price", 5, by("champion"));
      const r = await registry.promote("price", 7, { ...by("known outlier month; accepted by the team"), force: true });
      expect(r).toMatchObject({ status: "released", from: 5, to: 7, gate: { passed: false, forced: true } });
      expect(await actions()).toEqual([
        ["policy.gate", null, null, null],
        ["promote", "production", null, 5],
        ["gate.override", null, 5, 7],
        ["promote", "production", 5, 7],
      ]);
      expect((await registry.auditLog("price")).at(-2)?.reason).toBe(
        "rmse: candidate 1.2 > 1.02 × champion v5's 1 = 1.02: known outlier month; accepted by the team",
      );
      // Refused and overridden promotions do not disturb rollback, which follows production's moves only.
      expect(await registry.rollback("price", by("back"))).toMatchObject({ from: 7, to: 5 });
    });

    it("a forced release whose audit row cannot be written moves nothing", async () => {
      await registry.promote("price", 5, by("champion"));
      await sql`CREATE TRIGGER refuse_override BEFORE INSERT ON audit_log WHEN NEW.action = 'gate.override'
        BEGIN SELECT RAISE(ABORT, 'audit refused'); END`.execute(store.db);
      await expect(registry.promote("price", 7, { ...by("forced"), force: true })).rejects.toThrow();
      expect((await registry.aliasesOf("price")).production).toBe(5);
    });

    it("under manual: checked before staging, and again at approval against the champion of the moment", async () => {
      await registry.promote("price", 5, by("champion"));
      await registry.setPolicy("price", "manual", by("sign-off"));
      expect(await codeOf(registry.promote("price", 7, by("worse")))).toBe("SLP_GATE_FAILED");
      expect((await registry.aliasesOf("price")).staging).toBeUndefined();
      expect(await registry.approvals({ model: "price" })).toEqual([]);

      // Version 6 passes against 5 and waits for approval; meanwhile production moves to 8 (rmse 0.9).
      const staged = await registry.promote("price", 6, by("candidate"));
      expect(staged).toMatchObject({ status: "pending_approval", gate: { passed: true } });
      await registry.updatePolicy("price", { gate: [{ metric: "rmse", maxRatio: 1.02 }] }, by("mape moved"));
      await registry.moveAlias("price", "production", 8, { actor: "ops", reason: "hotfix" });
      const refused = await errorOf(registry.approve("price", 6, by("looks fine")));
      expect(refused).toMatchObject({
        code: "SLP_GATE_FAILED",
        details: [{ field: "rmse", reason: "rmse: candidate 1.01 > 1.02 × champion v8's 0.9 = 0.918" }],
      });
      expect((await registry.approvals({ model: "price", state: "pending" })).map((a) => a.version)).toEqual([6]);
      expect((await registry.auditLog("price")).at(-1)).toMatchObject({
        action: "approve.refused",
        fromVersion: 8,
        toVersion: 6,
      });
      const forced = await registry.approve("price", 6, { ...by("8 was a stopgap"), force: true });
      expect(forced).toMatchObject({ from: 8, to: 6, approval: { state: "approved" }, gate: { forced: true } });
      expect((await registry.auditLog("price")).slice(-2).map((e) => e.action)).toEqual(["gate.override", "approve"]);
    });
  });
});
