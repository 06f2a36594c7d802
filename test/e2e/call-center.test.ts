import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliProcess, waitFor } from "../helpers/cli-process.js";
import { upExample } from "../helpers/example-up.js";

const EXAMPLE = fileURLToPath(new URL("../../examples/call-center", import.meta.url));

interface ForecastAnswer {
  model: string;
  version: number;
  forecast: { time: string; mean: number; lower: number; upper: number }[];
}

describe("slipway up examples/call-center, end to end", () => {
  let dir: string;
  let base: string;
  let up: CliProcess;

  const forecast = async (horizon: number): Promise<ForecastAnswer> => {
    const r = await fetch(`${base}/v1/models/call-center/forecast`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ horizon }),
    });
    expect(r.status).toBe(200);
    return (await r.json()) as ForecastAnswer;
  };

  beforeAll(async () => {
    ({ dir, base, up } = await upExample(EXAMPLE));
  }, 90_000);

  afterAll(async () => {
    expect(await up.stop()).toBe(0);
    await rm(dir, { recursive: true, force: true });
  });

  it("prints the URL and a curl example", () => {
    expect(up.stdout()).toContain(base);
    expect(up.stdout()).toContain("curl");
  });

  it("forecasts 12 months after the last observation, with intervals around the mean", async () => {
    const answer = await forecast(12);
    expect(answer.forecast).toHaveLength(12);
    expect(answer.forecast[0]?.time).toBe("2021-01-01");
    expect(answer.forecast[11]?.time).toBe("2021-12-01");
    for (const row of answer.forecast) {
      expect(row.lower).toBeLessThan(row.mean);
      expect(row.mean).toBeLessThan(row.upper);
    }
  });

  it("trains, gates and serves a new version when a new month lands", async () => {
    const before = await forecast(1);
    await writeFile(join(dir, "data", "raw", "contacts-2021-01.csv"), "month,contacts\n2021-01-01,7320\n");
    const after = await waitFor(
      async () => {
        const a = await forecast(12);
        return a.version > before.version ? a : undefined;
      },
      30_000,
      "a new production version",
    );
    expect(after.forecast[0]?.time).toBe("2021-02-01");
    const models = (await (await fetch(`${base}/v1/models/call-center`)).json()) as { aliases: Record<string, number> };
    expect(models.aliases.production).toBe(after.version);
  }, 60_000);

  it("quarantines a bad row and keeps answering", async () => {
    await writeFile(join(dir, "data", "raw", "contacts-bad.csv"), "month,contacts\n2021-02-01,many\n");
    const quarantine = join(dir, ".slipway", "quarantine", "contacts", "contacts-bad.csv.rejected.csv");
    const text = await waitFor(
      async () => {
        const t = await readFile(quarantine, "utf8").catch(() => "");
        return t.includes("many") ? t : undefined;
      },
      30_000,
      "the quarantine file",
    );
    const [header, row] = text.trim().split("\n");
    expect(header).toBe("month,contacts,_line,_error");
    expect(row).toMatch(/^2021-02-01,many,2,".*contacts.*"$/);
    const answer = await forecast(3);
    expect(answer.forecast).toHaveLength(3);
  }, 60_000);
});
