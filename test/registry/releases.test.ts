import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Clock, EventBus, type SlipwayEvents } from "../../src/core/index.js";
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
});
