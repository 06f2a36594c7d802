import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI } from "../helpers/cli-process.js";

let home: string;

function slipway(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, SLIPWAY_HOME: home, SLIPWAY_LOG_LEVEL: "warn" },
    encoding: "utf8",
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `day,units` from 2026-03-02 (a Monday): a weekly swing around 300, no noise. */
function dailyRows(days: number): string[] {
  return Array.from({ length: days }, (_, i) => {
    const day = new Date(Date.UTC(2026, 2, 2 + i)).toISOString().slice(0, 10);
    return `${day},${[250, 260, 280, 300, 360, 420, 280][i % 7]}`;
  });
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "slipway-cli-lstm-"));
  await writeFile(join(home, "units.csv"), `day,units\n${dailyRows(120).join("\n")}\n`);
  await writeFile(join(home, "recent.csv"), `day,units\n${dailyRows(120).slice(-25).join("\n")}\n`);
  const bad = dailyRows(120).slice(-25);
  bad[3] = `${bad[3]?.split(",")[0]},`;
  await writeFile(join(home, "gap.csv"), `day,units\n${bad.join("\n")}\n`);
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("slipway train / forecast / predict with --family lstm", () => {
  it("trains, forecasts after the data and predicts the day after a history file", () => {
    const t = slipway("train", join(home, "units.csv"), "--target", "units", "--time", "day", "--family", "lstm");
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toContain("(forecast, lstm)");
    const f = slipway("forecast", "units", "--horizon", "3", "--json");
    expect(f.code, f.stderr).toBe(0);
    const forecast = JSON.parse(f.stdout) as { forecast: { time: string }[] };
    expect(forecast.forecast.map((r) => r.time)).toEqual(["2026-06-30", "2026-07-01", "2026-07-02"]);
    const p = slipway("predict", "units", "--input", join(home, "recent.csv"), "--json");
    expect(p.code, p.stderr).toBe(0);
    const answer = JSON.parse(p.stdout) as { predictions: { value: number; lower: number; upper: number }[] };
    expect(answer.predictions).toHaveLength(1);
    expect(answer.predictions[0]?.lower).toBeLessThan(answer.predictions[0]?.upper as number);
  });

  it("names the line of a value the model cannot use", () => {
    const r = slipway("predict", "units", "--input", join(home, "gap.csv"), "--json");
    expect(r.code).toBe(2);
    const err = JSON.parse(r.stderr.trim()) as {
      error: { code: string; details: { field: string; reason: string }[] };
    };
    expect(err.error.code).toBe("SLP_INPUT_INVALID");
    // The header is line 1, so the fourth value is on line 5.
    expect(err.error.details).toEqual([{ field: "line 5", reason: "units: expected a number" }]);
  });
});
