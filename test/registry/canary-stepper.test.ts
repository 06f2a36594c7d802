import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Clock, EventBus, isSlipwayError, type SlipwayEvents } from "../../src/core/index.js";
import { latencyP95 } from "../../src/registry/canary-health.js";
import { Registry } from "../../src/registry/index.js";
import { type MetadataStore, openSqliteStore } from "../../src/store/index.js";

const T0 = Date.UTC(2024, 0, 1);
const MINUTE = 60_000;
const EVERY = 10 * MINUTE;

describe("canary stepping by policy", () => {
  let dir: string;
  let store: MetadataStore;
  let t: number;
  let clock: Clock;
  let bus: EventBus;
  let registry: Registry;
  let moved: SlipwayEvents["model.alias.moved"][];
  let logged = 0;
  const by = (reason: string) => ({ actor: "carol", reason });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "slipway-canary-"));
    store = await openSqliteStore(join(dir, "slipway.db"));
    t = T0;
    clock = { now: () => t };
    bus = new EventBus((event, error) => {
      throw new Error(`handler of ${event} failed: ${String(error)}`);
    });
    moved = [];
    bus.on("model.alias.moved", (e) => moved.push(e));
    registry = new Registry(store.db, bus, clock);
    for (const [i, rmse] of [1, 1.01].entries()) {
      await registry.registerVersion({
        model: "price",
        task: "regression",
        family: "linear",
        runId: `run_${i + 1}`,
        artifactKey: `runs/run_${i + 1}/model`,
        metrics: { rmse },
        lineage: {},
      });
    }
    await registry.promote("price", 1, by("champion"));
  });

  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Logs `count` requests answered by `route` with `latencyMs` each, at the current time minus `agoMs`. */
  const log = async (route: "production" | "canary", version: number, latencyMs: number, count: number, agoMs = 0) => {
    const rows = Array.from({ length: count }, () => ({
      request_id: `req_${logged++}`,
      model: "price",
      version,
      kind: "predict" as const,
      inputs_json: "{}",
      outputs_json: "{}",
      latency_ms: latencyMs,
      at: t - agoMs,
      route,
    }));
    await store.db.insertInto("prediction_log").values(rows).execute();
  };
  const canary = async () => (await registry.trafficSplits("price")).find((s) => s.kind === "canary");
  const audits = async (prefix = "canary.") =>
    (await registry.auditLog("price"))
      .filter((e) => e.action.startsWith(prefix))
      .map((e) => [e.action, e.actor, e.reason]);

  it("raises the share by its step every interval, then promotes the version and ends the canary", async () => {
    const set = await registry.setCanary("price", 2, 0.05, by("try v2"), { step: 0.25, everyMs: EVERY });
    expect(set.schedule).toEqual({
      step: 0.25,
      everyMs: EVERY,
      maxLatencyRatio: null,
      nextStepAt: new Date(T0 + EVERY).toISOString(),
    });
    expect(await registry.stepCanaries()).toEqual([]);
    t = T0 + EVERY - 1;
    expect(await registry.stepCanaries()).toEqual([]);

    const shares: number[] = [];
    for (let k = 1; k <= 3; k++) {
      t = T0 + k * EVERY;
      const [o] = await registry.stepCanaries();
      expect(o).toMatchObject({ model: "price", version: 2, action: "step" });
      shares.push((await canary())?.share ?? Number.NaN);
      // A second call in the same interval finds nothing due.
      expect(await registry.stepCanaries()).toEqual([]);
    }
    expect(shares).toEqual([0.3, 0.55, 0.8]);
    expect((await canary())?.schedule?.nextStepAt).toBe(new Date(T0 + 4 * EVERY).toISOString());

    t = T0 + 4 * EVERY;
    const [done] = await registry.stepCanaries();
    expect(done).toMatchObject({ action: "promote", fromShare: 0.8, toShare: 1 });
    expect(await canary()).toBeUndefined();
    expect((await registry.aliasesOf("price")).production).toBe(2);
    expect(await audits()).toEqual([
      ["canary.set", "carol", "share 0.05, step 0.25 every 10m: try v2"],
      ["canary.step", "slipway", "share 0.05 -> 0.3: latency not checked"],
      ["canary.step", "slipway", "share 0.3 -> 0.55: latency not checked"],
      ["canary.step", "slipway", "share 0.55 -> 0.8: latency not checked"],
      ["canary.end", "slipway", "version 2 promoted to production by its schedule"],
    ]);
    const promotion = (await registry.auditLog("price")).find((e) => e.action === "promote" && e.toVersion === 2);
    expect(promotion).toMatchObject({ actor: "slipway", alias: "production", fromVersion: 1 });
    expect(promotion?.reason).toBe("canary schedule complete: latency not checked");
    // Servers follow each step like an alias move.
    expect(moved.filter((m) => m.alias === "canary").map((m) => m.to)).toEqual([2, 2, 2, 2, null]);
    expect(await registry.stepCanaries()).toEqual([]);
  });

  it("steps while the canary's p95 latency stays within the ratio, and aborts the canary when it does not", async () => {
    await registry.setCanary("price", 2, 0.1, by("try v2"), { step: 0.2, everyMs: EVERY, maxLatencyRatio: 2 });
    t = T0 + EVERY;
    // Production answers in 10 ms; the canary in 15 ms, but one slow request in 20 is not its p95.
    await log("production", 1, 10, 40, MINUTE);
    await log("canary", 2, 15, 19, MINUTE);
    await log("canary", 2, 500, 1, MINUTE);
    // Requests older than the interval do not count.
    await log("canary", 2, 900, 50, EVERY + MINUTE);
    expect(await registry.stepCanaries()).toMatchObject([
      {
        action: "step",
        toShare: 0.3,
        reason: "share 0.1 -> 0.3: p95 latency 15 ms ≤ 2 × production's 10 ms over the last 10m",
      },
    ]);

    t = T0 + 2 * EVERY;
    await log("production", 1, 10, 40, MINUTE);
    await log("canary", 2, 25, 30, MINUTE);
    const [aborted] = await registry.stepCanaries();
    expect(aborted).toMatchObject({
      action: "abort",
      fromShare: 0.3,
      toShare: null,
      reason: "p95 latency 25 ms > 2 × production's 10 ms over the last 10m",
    });
    expect(await canary()).toBeUndefined();
    expect((await registry.aliasesOf("price")).production).toBe(1);
    expect((await audits()).at(-1)).toEqual([
      "canary.abort",
      "slipway",
      "p95 latency 25 ms > 2 × production's 10 ms over the last 10m",
    ]);
  });

  it("holds the share while either side has too few requests to compare, without an audit row", async () => {
    await registry.setCanary("price", 2, 0.1, by("try v2"), { step: 0.2, everyMs: EVERY, maxLatencyRatio: 1.5 });
    t = T0 + EVERY;
    await log("production", 1, 10, 100, MINUTE);
    await log("canary", 2, 10, 19, MINUTE);
    expect(await registry.stepCanaries()).toMatchObject([
      {
        action: "hold",
        toShare: 0.1,
        reason:
          "latency not compared: 19 canary and 100 production requests over the last 10m (needs 20 each); share held",
      },
    ]);
    expect((await canary())?.share).toBe(0.1);
    expect((await canary())?.schedule?.nextStepAt).toBe(new Date(T0 + 2 * EVERY).toISOString());
    expect((await audits()).map((a) => a[0])).toEqual(["canary.set"]);
    t = T0 + 2 * EVERY;
    await log("production", 1, 10, 20, MINUTE);
    await log("canary", 2, 10, 20, MINUTE);
    expect((await registry.stepCanaries())[0]?.action).toBe("step");
  });

  it("ends the canary when the release gate refuses the version at the last step", async () => {
    await registry.updatePolicy("price", { gate: [{ metric: "rmse", maxRatio: 1 }] }, by("no regressions"));
    await registry.setCanary("price", 2, 0.5, by("try v2"), { step: 0.5, everyMs: EVERY });
    t = T0 + EVERY;
    const [o] = await registry.stepCanaries();
    expect(o?.action).toBe("abort");
    expect(o?.reason).toBe(
      "the release gate refused version 2: version 2 of price fails the release gate: " +
        "rmse: candidate 1.01 > 1 × champion v1's 1 = 1",
    );
    expect(await canary()).toBeUndefined();
    expect((await registry.aliasesOf("price")).production).toBe(1);
    const actions = (await registry.auditLog("price")).slice(-2).map((e) => [e.action, e.actor]);
    expect(actions).toEqual([
      ["promote.refused", "slipway"],
      ["canary.abort", "slipway"],
    ]);
  });

  it("under the manual policy, the last step stages the version for approval and ends the canary", async () => {
    await registry.setPolicy("price", "manual", by("sign-off"));
    await registry.setCanary("price", 2, 0.6, by("try v2"), { step: 0.4, everyMs: EVERY });
    t = T0 + EVERY;
    const [o] = await registry.stepCanaries();
    expect(o?.action).toBe("promote");
    expect(o?.reason).toMatch(/^version 2 staged for approval by its schedule \(request \d+\)$/);
    expect(await registry.aliasesOf("price")).toEqual({ production: 1, staging: 2 });
    expect((await registry.approvals({ state: "pending" })).map((a) => [a.version, a.requestedBy])).toEqual([
      [2, "slipway"],
    ]);
    expect(await canary()).toBeUndefined();
  });

  it("takes each step once when several processes poll the same store", async () => {
    await registry.setCanary("price", 2, 0.1, by("try v2"), { step: 0.1, everyMs: EVERY });
    const other = new Registry(store.db, new EventBus(), clock);
    t = T0 + EVERY;
    const [a, b] = await Promise.all([registry.stepCanaries(), other.stepCanaries()]);
    expect([...a, ...b].map((o) => o.action)).toEqual(["step"]);
    expect((await canary())?.share).toBe(0.2);
  });

  it("a change by hand replaces the schedule; a canary that is production already is ended", async () => {
    await registry.setCanary("price", 2, 0.1, by("try v2"), { step: 0.1, everyMs: EVERY });
    const byHand = await registry.setCanary("price", 2, 0.5, by("faster"));
    expect(byHand.schedule).toBeNull();
    t = T0 + EVERY;
    expect(await registry.stepCanaries()).toEqual([]);
    expect((await canary())?.share).toBe(0.5);

    await registry.setCanary("price", 2, 0.5, by("again"), { step: 0.1, everyMs: EVERY });
    await registry.promote("price", 2, by("by hand"));
    t = T0 + 2 * EVERY;
    expect(await registry.stepCanaries()).toMatchObject([{ action: "end", reason: "version 2 is production already" }]);
    expect(await canary()).toBeUndefined();
  });

  it("validates the schedule, naming each field", async () => {
    const details = (p: Promise<unknown>) => p.catch((e: unknown) => (isSlipwayError(e) ? e.details : e));
    expect(
      await details(registry.setCanary("price", 2, 0.1, by("r"), { step: 0, everyMs: 999, maxLatencyRatio: 0.5 })),
    ).toEqual([
      { field: "/step", reason: "a number in (0, 1]" },
      { field: "/every_ms", reason: "from 1 second to 7 days" },
      { field: "/max_latency_ratio", reason: "a number ≥ 1" },
    ]);
    expect(await canary()).toBeUndefined();
  });
});

describe("latencyP95", () => {
  let dir: string;
  let store: MetadataStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "slipway-p95-"));
    store = await openSqliteStore(join(dir, "slipway.db"));
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("ranks requests, not rows: a batch's rows count once", async () => {
    const row = (request_id: string, latency_ms: number, at: number, route = "canary") => ({
      request_id,
      model: "m",
      version: 2,
      kind: "predict" as const,
      inputs_json: "{}",
      outputs_json: "{}",
      latency_ms,
      at,
      route,
    });
    // 1 … 100 ms, one request each; then a 100-row batch at 1000 ms, which is one request.
    const rows = Array.from({ length: 100 }, (_, i) => row(`r${i}`, i + 1, 10));
    for (let i = 0; i < 100; i++) rows.push(row("batch", 1000, 10));
    rows.push(row("shadow", 5000, 10, "shadow"), row("late", 5000, 99));
    await store.db.insertInto("prediction_log").values(rows).execute();
    const sample = await latencyP95(store.db, { model: "m", route: "canary", version: 2, fromMs: 0, toMs: 50 });
    // 101 requests: rank ⌈0.95 · 101⌉ = 96.
    expect(sample).toEqual({ requests: 101, p95Ms: 96 });
    expect(await latencyP95(store.db, { model: "m", route: "production", fromMs: 0, toMs: 50 })).toEqual({
      requests: 0,
      p95Ms: null,
    });
  });
});
