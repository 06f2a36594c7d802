import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Clock, EventBus, isSlipwayError, SlipwayError, type SlipwayEvents } from "../../src/core/index.js";
import { type JobHandler, JobRunner, type RunnerOptions } from "../../src/pipeline/runner.js";
import { type MetadataStore, openSqliteStore } from "../../src/store/index.js";

const T0 = Date.UTC(2024, 0, 1);
/** Long enough that a heartbeat (every leaseMs / 3 of real time) never fires during a test and moves a lease. */
const LEASE_MS = 60_000;

/** A promise with its resolve in hand: lets a test hold a handler mid-job. */
function gate<T>(): { promise: Promise<T>; open(value: T): void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe("JobRunner", () => {
  let dir: string;
  let stores: MetadataStore[];
  let store: MetadataStore;
  let t: number;
  let clock: Clock;
  let bus: EventBus;
  let finished: SlipwayEvents["job.finished"][];
  let runners: JobRunner[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "slipway-runner-"));
    stores = [];
    runners = [];
    store = await openStore();
    t = T0;
    clock = { now: () => t };
    bus = new EventBus((event, error) => {
      throw new Error(`handler of ${event} failed: ${String(error)}`);
    });
    finished = [];
    bus.on("job.finished", (e) => finished.push(e));
  });

  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.stop();
    for (const s of stores.splice(0)) await s.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function openStore(): Promise<MetadataStore> {
    const s = await openSqliteStore(join(dir, "slipway.db"));
    stores.push(s);
    return s;
  }

  function newRunner(owner: string, options: RunnerOptions = {}, db = store.db): JobRunner {
    const runner = new JobRunner(db, bus, clock, { owner, leaseMs: LEASE_MS, ...options });
    runners.push(runner);
    return runner;
  }

  const row = async (id: string) =>
    store.db.selectFrom("jobs").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

  it("runs an enqueued job: handler gets the payload, the job succeeds with the handler's result", async () => {
    const runner = newRunner("A");
    const calls: { payload: unknown; jobId: string; attempt: number }[] = [];
    runner.register("train", async (payload, ctx) => {
      calls.push({ payload, ...ctx });
      return { version: 3 };
    });
    const id = await runner.enqueue("train", { model: "calls", rows: [1, 2] });
    expect((await runner.getJob(id))?.state).toBe("queued");
    expect(await runner.runOnce()).toBe(true);
    expect(calls).toEqual([{ payload: { model: "calls", rows: [1, 2] }, jobId: id, attempt: 1 }]);
    expect(await runner.getJob(id)).toEqual({
      id,
      kind: "train",
      state: "succeeded",
      attempts: 1,
      error: null,
      result: { version: 3 },
    });
    const done = await row(id);
    expect([done.lease_owner, done.lease_expires_at]).toEqual([null, null]);
    expect(finished).toEqual([{ jobId: id, kind: "train", state: "succeeded" }]);
    expect(await runner.runOnce()).toBe(false);
  });

  it("a handler returning nothing succeeds with a null result", async () => {
    const runner = newRunner("A");
    runner.register("noop", async () => undefined);
    const id = await runner.enqueue("noop", null);
    await runner.drain();
    expect(await runner.getJob(id)).toMatchObject({ state: "succeeded", result: null });
  });

  it("returns false and claims nothing when no handler is registered for the job's kind", async () => {
    const runner = newRunner("A");
    expect(await runner.runOnce()).toBe(false);
    runner.register("a", async () => "a");
    const id = await runner.enqueue("b", {});
    expect(await runner.runOnce()).toBe(false);
    expect(await row(id)).toMatchObject({ state: "queued", attempts: 0, lease_owner: null });
  });

  it("runs due jobs oldest first and waits for a delayed one", async () => {
    const runner = newRunner("A");
    const order: string[] = [];
    runner.register("k", async (payload) => {
      order.push(String(payload));
    });
    await runner.enqueue("k", "later", { delayMs: 1000 });
    t += 1;
    await runner.enqueue("k", "first");
    t += 1;
    await runner.enqueue("k", "second");
    await runner.drain();
    expect(order).toEqual(["first", "second"]);
    t = T0 + 999;
    expect(await runner.runOnce()).toBe(false);
    t = T0 + 1000;
    expect(await runner.runOnce()).toBe(true);
    expect(order).toEqual(["first", "second", "later"]);
  });

  it("retries a throwing handler with exponential backoff until max attempts, then fails", async () => {
    const errors: unknown[] = [];
    const runner = newRunner("A", { onError: (_kind, _id, error) => errors.push(error) });
    const attempts: number[] = [];
    runner.register("flaky", async (_payload, ctx) => {
      attempts.push(ctx.attempt);
      throw new Error(`down (attempt ${ctx.attempt})`);
    });
    const id = await runner.enqueue("flaky", {}, { maxAttempts: 3 });

    expect(await runner.runOnce()).toBe(true);
    expect(await row(id)).toMatchObject({
      state: "queued",
      attempts: 1,
      run_after: T0 + 500,
      error: "down (attempt 1)",
      lease_owner: null,
    });
    // Backoff after attempt n is 500 ms · 2^(n−1): not due a millisecond early.
    t = T0 + 499;
    expect(await runner.runOnce()).toBe(false);
    t = T0 + 500;
    expect(await runner.runOnce()).toBe(true);
    expect(await row(id)).toMatchObject({ state: "queued", attempts: 2, run_after: T0 + 1500 });
    t = T0 + 1499;
    expect(await runner.runOnce()).toBe(false);
    expect(finished).toEqual([]);
    t = T0 + 1500;
    expect(await runner.runOnce()).toBe(true);

    expect(attempts).toEqual([1, 2, 3]);
    expect(await runner.getJob(id)).toMatchObject({ state: "failed", attempts: 3, error: "down (attempt 3)" });
    expect(finished).toEqual([{ jobId: id, kind: "flaky", state: "failed" }]);
    expect(errors.map((e) => (e as Error).message)).toEqual([
      "down (attempt 1)",
      "down (attempt 2)",
      "down (attempt 3)",
    ]);
    t = T0 + 1_000_000;
    expect(await runner.runOnce()).toBe(false);
  });

  it("caps the backoff at 30 s", async () => {
    const runner = newRunner("A");
    runner.register("flaky", async () => {
      throw new Error("down");
    });
    const id = await runner.enqueue("flaky", {}, { maxAttempts: 20 });
    for (let attempt = 1; attempt <= 10; attempt++) {
      t = (await row(id)).run_after;
      expect(await runner.runOnce()).toBe(true);
    }
    const after = await row(id);
    expect(after.attempts).toBe(10);
    expect(after.run_after - t).toBe(30_000);
  });

  it("does not retry a SlipwayError with a 4xx status", async () => {
    const runner = newRunner("A", { onError: () => {} });
    let calls = 0;
    runner.register("bad-input", async () => {
      calls++;
      throw new SlipwayError("SLP_INPUT_INVALID", "column y missing", [{ field: "/y", reason: "missing" }]);
    });
    const id = await runner.enqueue("bad-input", {}, { maxAttempts: 5 });
    expect(await runner.runOnce()).toBe(true);
    expect(calls).toBe(1);
    expect(await runner.getJob(id)).toMatchObject({ state: "failed", attempts: 1, error: "column y missing" });
    expect(finished).toEqual([{ jobId: id, kind: "bad-input", state: "failed" }]);
    t += 1_000_000;
    expect(await runner.runOnce()).toBe(false);
    expect(calls).toBe(1);
  });

  it("retries a SlipwayError with a 5xx status", async () => {
    const runner = newRunner("A", { onError: () => {} });
    runner.register("internal", async () => {
      throw new SlipwayError("SLP_INTERNAL", "disk hiccup");
    });
    const id = await runner.enqueue("internal", {}, { maxAttempts: 2 });
    await runner.runOnce();
    expect(await row(id)).toMatchObject({ state: "queued", attempts: 1 });
    t += 500;
    await runner.runOnce();
    expect(await row(id)).toMatchObject({ state: "failed", attempts: 2 });
  });

  it("a crashed runner's job is taken over once its lease has expired, not before", async () => {
    const dead = newRunner("dead");
    dead.register("train", async () => "never");
    const id = await dead.enqueue("train", { model: "calls" });
    // The dead runner claimed the job and then its process died: state running, lease held, no heartbeat.
    await store.db
      .updateTable("jobs")
      .set({ state: "running", lease_owner: "dead", lease_expires_at: T0 + LEASE_MS, attempts: 1 })
      .where("id", "=", id)
      .execute();

    const other = await openStore();
    const b = newRunner("B", {}, other.db);
    const attempts: number[] = [];
    b.register("train", async (_payload, ctx) => {
      attempts.push(ctx.attempt);
      return "by B";
    });
    t = T0 + LEASE_MS - 1;
    expect(await b.runOnce()).toBe(false);
    t = T0 + LEASE_MS;
    expect(await b.runOnce()).toBe(false);
    expect(attempts).toEqual([]);
    expect(await row(id)).toMatchObject({ state: "running", lease_owner: "dead" });

    t = T0 + LEASE_MS + 1;
    expect(await b.runOnce()).toBe(true);
    expect(attempts).toEqual([2]);
    expect(await b.getJob(id)).toMatchObject({ state: "succeeded", attempts: 2, result: "by B" });
    expect(finished).toEqual([{ jobId: id, kind: "train", state: "succeeded" }]);
  });

  it("a job whose lease keeps expiring fails once it has used up its attempts, without running again", async () => {
    const b = newRunner("B");
    let calls = 0;
    b.register("train", async () => {
      calls++;
    });
    const id = await b.enqueue("train", {}, { maxAttempts: 3 });
    await store.db
      .updateTable("jobs")
      .set({ state: "running", lease_owner: "dead", lease_expires_at: T0, attempts: 3 })
      .where("id", "=", id)
      .execute();
    t = T0 + 1;
    expect(await b.runOnce()).toBe(true);
    expect(calls).toBe(0);
    expect(await b.getJob(id)).toMatchObject({ state: "failed", error: "gave up after 3 attempts (lease expired)" });
    expect(finished).toEqual([{ jobId: id, kind: "train", state: "failed" }]);
  });

  it("a live runner's job is not taken over while its lease holds", async () => {
    const hold = gate<string>();
    const a = newRunner("A");
    a.register("train", () => hold.promise);
    const b = newRunner("B", {}, (await openStore()).db);
    let bCalls = 0;
    b.register("train", async () => {
      bCalls++;
    });
    const id = await a.enqueue("train", {});
    const aRun = a.runOnce();
    await waitForState(id, "running");
    t = T0 + LEASE_MS;
    expect(await b.runOnce()).toBe(false);
    hold.open("by A");
    expect(await aRun).toBe(true);
    expect(bCalls).toBe(0);
    expect(await a.getJob(id)).toMatchObject({ state: "succeeded", attempts: 1, result: "by A" });
  });

  it("a slow runner that lost its lease does not overwrite the new owner's outcome", async () => {
    const hold = gate<string>();
    const lost: unknown[] = [];
    const a = newRunner("A", { onError: (_kind, _id, error) => lost.push(error) });
    a.register("train", () => hold.promise);
    const b = newRunner("B", {}, (await openStore()).db);
    b.register("train", async () => "by B");
    const id = await a.enqueue("train", {});
    const aRun = a.runOnce();
    await waitForState(id, "running");

    t = T0 + LEASE_MS + 1;
    expect(await b.runOnce()).toBe(true);
    expect(await b.getJob(id)).toMatchObject({ state: "succeeded", result: "by B" });

    hold.open("by A");
    await aRun;
    expect(await b.getJob(id)).toMatchObject({ state: "succeeded", attempts: 2, result: "by B" });
    expect(finished).toEqual([{ jobId: id, kind: "train", state: "succeeded" }]);
    expect(lost.map((e) => isSlipwayError(e) && e.code)).toEqual(["SLP_JOB_LEASE_LOST"]);
  });

  it("a slow runner that lost its lease and then fails does not requeue the new owner's job", async () => {
    const hold = gate<void>();
    const errors: unknown[] = [];
    const a = newRunner("A", { onError: (_kind, _id, error) => errors.push(error) });
    a.register("train", async () => {
      await hold.promise;
      throw new Error("A's late failure");
    });
    const b = newRunner("B", {}, (await openStore()).db);
    b.register("train", async () => "by B");
    const id = await a.enqueue("train", {}, { maxAttempts: 5 });
    const aRun = a.runOnce();
    await waitForState(id, "running");

    t = T0 + LEASE_MS + 1;
    expect(await b.runOnce()).toBe(true);
    hold.open();
    await aRun;
    expect(await row(id)).toMatchObject({ state: "succeeded", attempts: 2, result_json: '"by B"', error: null });
    expect(errors.map((e) => (isSlipwayError(e) ? e.code : (e as Error).message))).toEqual([
      "A's late failure",
      "SLP_JOB_LEASE_LOST",
    ]);
    expect(finished).toEqual([{ jobId: id, kind: "train", state: "succeeded" }]);
  });

  it("two runners on one database never run the same job", async () => {
    const holds = [gate<void>(), gate<void>()];
    const ran: string[] = [];
    const make = (owner: string, db: MetadataStore["db"]) => {
      const runner = newRunner(owner, {}, db);
      const handler: JobHandler = async (payload) => {
        ran.push(`${owner}:${String(payload)}`);
        await holds[ran.length - 1]?.promise;
      };
      runner.register("k", handler);
      return runner;
    };
    const a = make("A", store.db);
    const b = make("B", (await openStore()).db);
    await a.enqueue("k", "j1");
    await a.enqueue("k", "j2");
    const aRun = a.runOnce();
    const bRun = b.runOnce();
    const cRun = b.runOnce();
    for (const h of holds) h.open();
    const claimed = await Promise.all([aRun, bRun, cRun]);
    expect(claimed.filter((c) => c).length).toBe(2);
    expect(ran.map((r) => r.split(":")[1]).sort()).toEqual(["j1", "j2"]);
    expect(finished.map((e) => e.state)).toEqual(["succeeded", "succeeded"]);
  });

  it("start() runs jobs in the background and stop() waits for the job in hand", async () => {
    const runner = newRunner("A", { pollMs: 5 });
    const started = gate<void>();
    const hold = gate<string>();
    runner.register("bg", async () => {
      started.open();
      return hold.promise;
    });
    runner.start();
    const id = await runner.enqueue("bg", {});
    await started.promise;
    const stopping = runner.stop();
    hold.open("done");
    await stopping;
    expect(await runner.getJob(id)).toMatchObject({ state: "succeeded", result: "done" });
  });

  it("getJob of an unknown id is null", async () => {
    expect(await newRunner("A").getJob("job_missing")).toBeNull();
  });

  /** Yields to the event loop until the job's row reaches `state` (the claim is one UPDATE, awaited by runOnce). */
  async function waitForState(id: string, state: string): Promise<void> {
    for (let i = 0; i < 1000; i++) {
      if ((await row(id)).state === state) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error(`job ${id} never reached ${state}`);
  }
});
