import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PredictionLogWriter } from "../../src/monitor/index.js";
import { type LogRow, packLogRow, SqliteLogThread, unpackLogRows } from "../../src/monitor/sqlite-log-thread.js";
import { type MetadataStore, openSqliteStore } from "../../src/store/index.js";

let dir: string;
let store: MetadataStore;
const clock = { now: () => 1_700_000_000_000 };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "slipway-log-"));
  store = await openSqliteStore(join(dir, "slipway.db"));
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const entry = (i: number) => ({
  requestId: `req_${i}`,
  model: "m",
  version: 1 + (i % 2),
  kind: "predict" as const,
  inputs: { x: i, s: "é😀" },
  outputs: { value: i / 2 },
  latencyMs: 0.5,
  ...(i % 3 === 0 ? { route: "shadow" as const } : {}),
});

async function rows() {
  return store.db.selectFrom("prediction_log").selectAll().orderBy("id").execute();
}

describe("PredictionLogWriter", () => {
  it("writes every entry through its SQLite thread, in order, with the JSON and the route", async () => {
    expect(store.sqlite?.file).toBe(join(dir, "slipway.db"));
    const log = new PredictionLogWriter(store.db, clock, { flushMs: 60_000, maxBatch: 700, sqlite: store.sqlite });
    for (let i = 0; i < 2000; i++) log.write(entry(i));
    await log.close();
    const all = await rows();
    expect(all).toHaveLength(2000);
    expect(all.map((r) => r.request_id).slice(0, 3)).toEqual(["req_0", "req_1", "req_2"]);
    expect(JSON.parse(all[7]?.inputs_json as string)).toEqual({ x: 7, s: "é😀" });
    expect(JSON.parse(all[7]?.outputs_json as string)).toEqual({ value: 3.5 });
    expect(all.slice(0, 4).map((r) => [r.version, r.route, Number(r.at)])).toEqual([
      [1, "shadow", clock.now()],
      [2, "production", clock.now()],
      [1, "production", clock.now()],
      [2, "shadow", clock.now()],
    ]);
  });

  it("falls back to the store's own connection when the thread cannot write, losing nothing", async () => {
    const errors: unknown[] = [];
    // A directory is not a database: the thread fails, and the batch is kept for the next flush.
    const log = new PredictionLogWriter(store.db, clock, {
      flushMs: 60_000,
      sqlite: { file: dir, driver: store.sqlite?.driver as string },
      onError: (e) => errors.push(e),
    });
    for (let i = 0; i < 10; i++) log.write(entry(i));
    await log.flush();
    await log.flush();
    await log.close();
    expect(errors.length).toBeGreaterThan(0);
    expect((await rows()).map((r) => r.request_id)).toEqual(Array.from({ length: 10 }, (_, i) => `req_${i}`));
  });
});

describe("PredictionLogWriter's ring to its thread", () => {
  it("wraps around a ring far smaller than the traffic and loses nothing while it is full", async () => {
    // 4 KiB holds ~25 of these rows: most hand-overs find it full or wrap at its end.
    const log = new PredictionLogWriter(store.db, clock, {
      flushMs: 1,
      maxBatch: 7,
      ringBytes: 4096,
      sqlite: store.sqlite,
    });
    for (let i = 0; i < 1500; i++) {
      log.write(entry(i));
      if (i % 100 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await log.close();
    expect((await rows()).map((r) => r.request_id)).toEqual(Array.from({ length: 1500 }, (_, i) => `req_${i}`));
  });

  it("keeps rows whose insert failed in the ring, retries them, and counts them against maxBuffered", async () => {
    const errors: unknown[] = [];
    const log = new PredictionLogWriter(store.db, clock, {
      flushMs: 60_000,
      maxBuffered: 50,
      sqlite: store.sqlite,
      onError: (e) => errors.push(e),
    });
    log.write(entry(0));
    await log.flush(); // the thread is up, its statements prepared
    await sql`alter table prediction_log rename to prediction_log_away`.execute(store.db);
    for (let i = 1; i <= 50; i++) log.write(entry(i));
    await log.flush();
    expect(String(errors[0])).toMatch(/insert failed.*no such table/);
    // The 50 rows the thread holds (failing) leave no room under maxBuffered.
    for (let i = 51; i < 81; i++) log.write(entry(i));
    expect(log.dropped).toBe(30);
    await sql`alter table prediction_log_away rename to prediction_log`.execute(store.db);
    await log.close();
    expect((await rows()).map((r) => r.request_id)).toEqual(Array.from({ length: 51 }, (_, i) => `req_${i}`));
    expect(errors.map(String).some((e) => e.includes("30 entries dropped"))).toBe(true);
  });
});

describe("SqliteLogThread", () => {
  it("gives back every row it did not commit when it dies, across the ring's wrap", async () => {
    const errors: Error[] = [];
    const thread = SqliteLogThread.start(store.sqlite?.file as string, store.sqlite?.driver as string, 1024, (e) =>
      errors.push(e),
    );
    const row = (i: number) => packLogRow([`req_${i}`, "m", 1, "predict", `{"x":${i}}`, "{}", 0.5, 1, "production"]);
    // Committed rows free the ring, so the next ones wrap past its end.
    for (let i = 0; i < 6; i++) expect(thread.offer(row(i), 1)).toBe(true);
    await thread.settled();
    expect(thread.pending).toBe(0);
    await sql`alter table prediction_log rename to prediction_log_away`.execute(store.db);
    let offered = 6;
    while (thread.offer(row(offered), 1)) offered++;
    await thread.settled();
    expect(thread.pending).toBe(offered - 6);
    expect(String(errors[0])).toContain("no such table");
    await (thread as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await new Promise((r) => setTimeout(r, 20));
    expect(thread.usable).toBe(false);
    const back = thread.takeBack();
    expect(back.rows).toBe(offered - 6);
    expect(unpackLogRows(back.packed).map((r) => r[0])).toEqual(
      Array.from({ length: offered - 6 }, (_, i) => `req_${i + 6}`),
    );
    expect(thread.pending).toBe(0);
    await sql`alter table prediction_log_away rename to prediction_log`.execute(store.db);
  });
});

describe("PredictionLogWriter under overload", () => {
  it("keeps at most maxBuffered entries waiting, counts and reports the rest", async () => {
    const errors: unknown[] = [];
    const log = new PredictionLogWriter(store.db, clock, {
      flushMs: 60_000,
      maxBatch: 1e9,
      maxBuffered: 50,
      onError: (e) => errors.push(e),
    });
    for (let i = 0; i < 80; i++) log.write(entry(i));
    expect(log.dropped).toBe(30);
    await log.close();
    expect(await rows()).toHaveLength(50);
    expect(String(errors[0])).toContain("30 entries dropped");
  });
});

describe("packed log rows", () => {
  it("round-trip every field exactly, separators inside inputs included (JSON escapes them)", () => {
    const inputs = JSON.stringify({ s: "a\u001fb\u001ec\n😀", x: -0 });
    const a: LogRow = ["req_1", "m", 3, "predict", inputs, '{"value":0.1}', 0.1 + 0.2, 1_700_000_000_123, "canary"];
    const b: LogRow = ["req_2", "m.v-2", 10, "forecast", "null", "[]", 1e-7, 0, "production"];
    const packed = packLogRow(a) + packLogRow(b);
    expect(unpackLogRows(packed)).toEqual([a, b]);
    expect(JSON.parse(unpackLogRows(packed)[0]?.[4] as string)).toEqual({ s: "a\u001fb\u001ec\n😀", x: 0 });
    expect(unpackLogRows("")).toEqual([]);
  });
});
