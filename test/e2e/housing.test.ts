import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: the example's generator is plain JavaScript, run as users run it.
import { districts, HEADER } from "../../examples/housing/scripts/generate-data.mjs";
import { type CliProcess, waitFor } from "../helpers/cli-process.js";
import { upExample } from "../helpers/example-up.js";

const EXAMPLE = fileURLToPath(new URL("../../examples/housing", import.meta.url));

const DISTRICT = {
  median_income: 8.3,
  house_age: 41,
  avg_rooms: 6.9,
  avg_bedrooms: 1.02,
  population: 322,
  avg_occupancy: 2.55,
  latitude: 37.88,
  longitude: -122.23,
  ocean_proximity: "NEAR BAY",
};

interface Prediction {
  value: number;
  lower: number;
  upper: number;
  explanation?: { scale: string; outputs: { value: { expected: number; contributions: Record<string, number> } } };
}

describe("slipway up examples/housing, end to end", () => {
  let dir: string;
  let base: string;
  let up: CliProcess;

  const predict = async (body: unknown) =>
    fetch(`${base}/v1/models/housing/predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    ({ dir, base, up } = await upExample(EXAMPLE));
  }, 90_000);

  afterAll(async () => {
    expect(await up.stop()).toBe(0);
    await rm(dir, { recursive: true, force: true });
  });

  it("chooses a family by held-out RMSE and records every candidate", async () => {
    const model = (await (await fetch(`${base}/v1/models/housing`)).json()) as {
      versions: { metrics: Record<string, number>; lineage: { candidates: { family: string; chosen?: boolean }[] } }[];
    };
    const v1 = model.versions[0];
    const families = v1?.lineage.candidates.map((c) => c.family);
    expect(families).toEqual(expect.arrayContaining(["gbdt", "linear"]));
    expect(v1?.lineage.candidates.filter((c) => c.chosen)).toHaveLength(1);
    // The generated value depends on income non-linearly and on location: the held-out R² is well above a line's.
    expect(v1?.metrics.r2).toBeGreaterThan(0.8);
    expect(v1?.metrics.coverage95).toBeGreaterThan(0.9);
  });

  it("prices a district with an interval and explains it: contributions add up to the value", async () => {
    const r = await predict({ instances: [DISTRICT], explain: true });
    expect(r.status).toBe(200);
    const p = ((await r.json()) as { predictions: Prediction[] }).predictions[0] as Prediction;
    expect(p.lower).toBeLessThan(p.value);
    expect(p.value).toBeLessThan(p.upper);
    const out = p.explanation?.outputs.value;
    expect(out).toBeDefined();
    const sum = Object.values(out?.contributions ?? {}).reduce((a, b) => a + b, out?.expected ?? 0);
    expect(Math.abs(sum - p.value)).toBeLessThan(1e-9);
    // Income is the strongest driver of a high-income district's value.
    const top = Object.entries(out?.contributions ?? {}).sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))[0];
    expect(top?.[0]).toBe("median_income");
  });

  it("answers a client's mistake with 400 naming the field", async () => {
    const r = await predict({ instances: [{ ...DISTRICT, median_income: "high" }] });
    expect(r.status).toBe(400);
    const body = (await r.json()) as { error: { code: string; details: { field: string }[] } };
    expect(body.error.code).toBe("SLP_INPUT_INVALID");
    expect(body.error.details.map((d) => d.field)).toContain("/instances/0/median_income");
  });

  it("retrains, gates and serves a new version when a new batch of districts lands", async () => {
    const before = ((await (await predict({ instances: [DISTRICT] })).json()) as { version: number }).version;
    const rows = (districts({ rows: 500, seed: 2025 }) as unknown[][]).map((r) => r.join(","));
    await writeFile(join(dir, "data", "raw", "districts-2024-02.csv"), `${[HEADER, ...rows].join("\n")}\n`);
    const after = await waitFor(
      async () => {
        const v = ((await (await predict({ instances: [DISTRICT] })).json()) as { version: number }).version;
        return v > before ? v : undefined;
      },
      60_000,
      "a new production version",
    );
    const model = (await (await fetch(`${base}/v1/models/housing`)).json()) as { aliases: Record<string, number> };
    expect(model.aliases.production).toBe(after);
  }, 90_000);
});
