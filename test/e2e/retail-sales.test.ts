import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: the example's generator is plain JavaScript, run as users run it.
import { dailySales, HEADER } from "../../examples/retail-sales/scripts/generate-data.mjs";
import { type CliProcess, waitFor } from "../helpers/cli-process.js";
import { upExample } from "../helpers/example-up.js";

const EXAMPLE = fileURLToPath(new URL("../../examples/retail-sales", import.meta.url));

/** The committed file: 180 days from 2026-01-01 (seed 7), the last on 2026-06-29. */
const COMMITTED = dailySales({ start: "2026-01-01", days: 180 }) as [string, number][];

interface PredictAnswer {
  model: string;
  version: number;
  request_id: string;
  predictions: { value: number; lower: number; upper: number }[];
}

describe("slipway up examples/retail-sales, end to end", () => {
  let dir: string;
  let base: string;
  let up: CliProcess;

  const predict = (body: unknown) =>
    fetch(`${base}/v1/models/sales/predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const lastDays = (rows: [string, number][], n: number) => ({
    sales: rows.slice(-n).map((r) => r[1]),
    date: rows[rows.length - 1]?.[0],
  });

  beforeAll(async () => {
    ({ dir, base, up } = await upExample(EXAMPLE));
  }, 90_000);

  afterAll(async () => {
    expect(await up.stop()).toBe(0);
    await rm(dir, { recursive: true, force: true });
  });

  it("predicts the next day from a 20-day history, as the seed's POST /predict did", async () => {
    const r = await predict({ instances: [lastDays(COMMITTED, 20)] });
    expect(r.status).toBe(200);
    expect(Number(r.headers.get("x-process-time"))).toBeGreaterThanOrEqual(0);
    const body = (await r.json()) as PredictAnswer;
    expect(body.request_id).toMatch(/\S/);
    expect(body.version).toBe(1);
    const p = body.predictions[0];
    // 2026-06-30 is a Tuesday: about 260 units in the generator (level 300, −40 on Tuesdays, noise sd 20).
    expect(p?.value).toBeGreaterThan(150);
    expect(p?.value).toBeLessThan(400);
    expect(p?.lower).toBeLessThan(p?.value as number);
    expect(p?.upper).toBeGreaterThan(p?.value as number);
  });

  it("lists the version with its holdout metrics, as the seed's GET /model did", async () => {
    const model = (await (await fetch(`${base}/v1/models/sales`)).json()) as {
      family: string;
      aliases: Record<string, number>;
      versions: { version: number; metrics: Record<string, number> }[];
    };
    expect(model.family).toBe("lstm");
    expect(model.aliases.production).toBe(1);
    const metrics = model.versions[0]?.metrics ?? {};
    for (const key of ["rmse", "mae", "r2", "coverage95", "width95"]) expect(metrics[key]).toBeTypeOf("number");
    // The weekly pattern explains most of the variance; the noise (sd 20) is what is left.
    expect(metrics.rmse).toBeLessThan(40);
  });

  it("forecasts with intervals after the last day", async () => {
    const r = await fetch(`${base}/v1/models/sales/forecast`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ horizon: 7 }),
    });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { forecast: { time: string; mean: number; lower: number; upper: number }[] };
    expect(body.forecast.map((f) => f.time)[0]).toBe("2026-06-30");
    for (const f of body.forecast) expect(f.lower).toBeLessThan(f.upper);
  });

  it("answers a negative sales value with 400 naming the field", async () => {
    const instance = lastDays(COMMITTED, 20);
    instance.sales[3] = -5;
    const r = await predict({ instances: [instance] });
    expect(r.status).toBe(400);
    const body = (await r.json()) as { error: { code: string; details: { field: string }[] } };
    expect(body.error.code).toBe("SLP_INPUT_INVALID");
    expect(body.error.details.map((d) => d.field)).toEqual(["/instances/0/sales/3"]);
  });

  it("trains and serves a new version when the next 30 days land in data/raw", async () => {
    const next = dailySales({ start: "2026-06-30", days: 30 }) as [string, number][];
    const csv = [HEADER, ...next.map((r) => r.join(","))].join("\n");
    await writeFile(join(dir, "data", "raw", "sales-2026-06-30.csv"), `${csv}\n`);
    const history = lastDays([...COMMITTED, ...next], 20);
    const answer = await waitFor(
      async () => {
        const a = (await (await predict({ instances: [history] })).json()) as PredictAnswer;
        return a.version === 2 ? a : undefined;
      },
      45_000,
      "version 2 serving",
    );
    expect(answer.predictions[0]?.value).toBeGreaterThan(100);
    const model = (await (await fetch(`${base}/v1/models/sales`)).json()) as { aliases: Record<string, number> };
    expect(model.aliases.production).toBe(2);
    const forecast = (await (
      await fetch(`${base}/v1/models/sales/forecast`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ horizon: 1 }),
      })
    ).json()) as { version: number; forecast: { time: string }[] };
    expect(forecast.version).toBe(2);
    expect(forecast.forecast[0]?.time).toBe("2026-07-30");
  }, 60_000);
});
