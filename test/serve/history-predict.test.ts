import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../src/ml/random.js";
import { trainFromFile } from "../../src/pipeline/index.js";
import { actor, openHarness, type ServeHarness } from "./serve-fixture.js";

/** 150 days of sales from 2026-01-01: 300 + a weekly swing of 80 + N(0, 15²). */
function dailyCsv(): { csv: string; sales: number[] } {
  const rng = new Rng(21);
  const sales: number[] = [];
  const lines = ["day,sales"];
  for (let i = 0; i < 150; i++) {
    const day = new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10);
    const v = Math.round(300 + 80 * Math.sin((2 * Math.PI * i) / 7) + 15 * rng.normal());
    sales.push(v);
    lines.push(`${day},${v}`);
  }
  return { csv: `${lines.join("\n")}\n`, sales };
}

let h: ServeHarness;
let app: FastifyInstance;
let sales: number[];

beforeAll(async () => {
  h = await openHarness();
  const data = dailyCsv();
  sales = data.sales;
  const path = join(h.dir, "store.csv");
  await writeFile(path, data.csv);
  const store = await trainFromFile(h.rt, {
    data: path,
    target: "sales",
    time: "day",
    family: "lstm",
    name: "store",
    seed: 1,
    horizon: 20,
    params: { learningRate: 0.01, epochs: 20, features: ["lag_1", "rolling_mean_7", "day_of_week"] },
  });
  await h.rt.registry.moveAlias("store", "production", store.version, actor);
  app = await h.extraServer();
}, 60_000);
afterAll(async () => {
  await h?.close();
});

const predict = (model: string, body: unknown) =>
  app.inject({ method: "POST", url: `/v1/models/${model}/predict`, payload: body as object });

describe("POST /predict on a forecaster that predicts from a sent history", () => {
  it("answers the next step with an interval, a request id and the process time", async () => {
    const res = await predict("store", { instances: [{ sales: sales.slice(-20), day: "2026-05-30" }], level: 0.9 });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers["x-process-time"]).toBeDefined();
    const body = res.json<{ request_id: string; predictions: { value: number; lower: number; upper: number }[] }>();
    expect(body.request_id).toBe(res.headers["x-request-id"]);
    const p = body.predictions[0];
    expect(p?.value).toBeGreaterThan(150);
    expect(p?.value).toBeLessThan(450);
    expect(p?.lower).toBeLessThan(p?.value as number);
  });

  it("names the field of a bad value, a short history and a missing date", async () => {
    const bad = sales.slice(-20) as unknown[];
    bad[2] = "lots";
    const res = await predict("store", {
      instances: [{ sales: bad, day: "2026-05-30" }, { sales: [300, 310], day: "2026-05-30" }, { sales: sales }],
    });
    expect(res.statusCode).toBe(400);
    const body = res.json<{ error: { code: string; details: { field: string }[] } }>();
    expect(body.error.code).toBe("SLP_INPUT_INVALID");
    expect(body.error.details.map((d) => d.field)).toEqual([
      "/instances/0/sales/2",
      "/instances/1/sales",
      "/instances/2/day",
    ]);
  });

  it("still refuses /predict for a forecaster that does not predict from a history", async () => {
    const res = await predict("demand", { instances: [{ volume: [1, 2, 3] }] });
    expect(res.statusCode).toBe(409);
    expect(res.json<{ error: { code: string } }>().error.code).toBe("SLP_MODEL_TASK_MISMATCH");
  });

  it("forecasts after the training series like the other forecasters", async () => {
    const res = await app.inject({ method: "POST", url: "/v1/models/store/forecast", payload: { horizon: 3 } });
    expect(res.statusCode, res.body).toBe(200);
    const rows = res.json<{ forecast: { time: string }[] }>().forecast;
    expect(rows.map((r) => r.time)).toEqual(["2026-05-31", "2026-06-01", "2026-06-02"]);
  });
});
