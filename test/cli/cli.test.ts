import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI } from "../helpers/cli-process.js";
import { monthlyCsv } from "../helpers/pipeline-context.js";

let home: string;

function slipway(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, SLIPWAY_HOME: home, SLIPWAY_LOG_LEVEL: "warn" },
    encoding: "utf8",
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function json<T = Record<string, unknown>>(text: string): T {
  return JSON.parse(text) as T;
}

/** Seeded tabular rows: y = 3·a − 2·b + noise, a text column c, and a class label. */
function tabularCsv(n: number, seed = 3): string {
  let s = seed;
  const u = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  const lines = ["a,b,c,y,label,kind"];
  for (let i = 0; i < n; i++) {
    const a = u() * 10;
    const b = u() * 5;
    const c = ["red", "green", "blue"][i % 3];
    const y = 3 * a - 2 * b + (u() - 0.5);
    const label = a > 5 ? "yes" : "no";
    const kind = ["x", "y", "z"][Math.min(2, Math.floor(a / 3.4))];
    lines.push(`${a.toFixed(4)},${b.toFixed(4)},${c},${y.toFixed(4)},${label},${kind}`);
  }
  return `${lines.join("\n")}\n`;
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "slipway-cli-"));
  await writeFile(join(home, "tab.csv"), tabularCsv(120));
  const [header, ...rows] = monthlyCsv([2012, 1], 78).trim().split("\n");
  await writeFile(join(home, "series.csv"), `${[header, ...rows.slice(0, 72)].join("\n")}\n`);
  await writeFile(join(home, "series-next.csv"), `${[header, ...rows.slice(72)].join("\n")}\n`);
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("slipway --help", () => {
  it.each(["train", "predict", "forecast", "models", "promote", "serve", "up"])(
    "%s --help exits 0 with usage",
    (cmd) => {
      const r = slipway(cmd, "--help");
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: slipway ${cmd}`);
    },
  );
});

describe("slipway train / predict / promote", () => {
  it("trains a regression model and prints exactly one JSON object", () => {
    const r = slipway("train", join(home, "tab.csv"), "--target", "y", "--name", "houses", "--json");
    expect(r.code, r.stderr).toBe(0);
    const out = json<{
      name: string;
      version: number;
      task: string;
      family: string;
      metrics: Record<string, number>;
      trainSeconds: number;
    }>(r.stdout);
    expect(Object.keys(out).sort()).toEqual(["family", "metrics", "name", "task", "trainSeconds", "version"]);
    expect(out).toMatchObject({ name: "houses", version: 1, task: "regression", family: "linear" });
    for (const k of ["rmse", "mae", "r2", "coverage95", "width95"]) expect(typeof out.metrics[k]).toBe("number");
    expect(out.metrics.r2).toBeGreaterThan(0.95);
  });

  it("predicts one row per input row, ignoring columns the model does not use", () => {
    const r = slipway("predict", "houses:1", "--input", join(home, "tab.csv"), "--json");
    expect(r.code, r.stderr).toBe(0);
    const out = json<{
      model: string;
      version: number;
      predictions: { value: number; lower: number; upper: number }[];
    }>(r.stdout);
    expect(out).toMatchObject({ model: "houses", version: 1 });
    expect(out.predictions).toHaveLength(120);
    for (const p of out.predictions) expect(p.lower < p.value && p.value < p.upper).toBe(true);
  });

  it("exits 2 with the HTTP error body on stderr for a bad input row", async () => {
    await writeFile(join(home, "bad.csv"), "a,b,c,label,kind\n1,2,red,no,x\nabc,2,blue,no,x\n");
    const r = slipway("predict", "houses", "--input", join(home, "bad.csv"), "--json");
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const err = json<{ error: { code: string; details: { field: string }[] } }>(r.stderr.trim());
    expect(err.error.code).toBe("SLP_INPUT_INVALID");
    expect(err.error.details.map((d) => d.field)).toContain("/rows/1/a");
  });

  it("promotes a version, which a bare name then resolves to", () => {
    expect(slipway("train", join(home, "tab.csv"), "--target", "y", "--name", "houses", "--json").code).toBe(0);
    const p = slipway("promote", "houses", "1", "--json");
    expect(p.code, p.stderr).toBe(0);
    expect(json(p.stdout)).toEqual({
      model: "houses",
      alias: "production",
      status: "released",
      approval: null,
      from: null,
      to: 1,
    });
    const bare = json<{ version: number }>(
      slipway("predict", "houses", "--input", join(home, "tab.csv"), "--json").stdout,
    );
    expect(bare.version).toBe(1);
    const latest = json<{ version: number }>(
      slipway("predict", "houses:2", "--input", join(home, "tab.csv"), "--json").stdout,
    );
    expect(latest.version).toBe(2);
    const models = json<{ models: { name: string; aliases: Record<string, number>; versions: unknown[] }[] }>(
      slipway("models", "--json").stdout,
    );
    expect(models.models.find((m) => m.name === "houses")).toMatchObject({ aliases: { production: 1 } });
  });

  it("trains binary and multiclass models with their metrics", () => {
    const bin = json<{ task: string; metrics: Record<string, number> }>(
      slipway("train", join(home, "tab.csv"), "--target", "label", "--name", "yesno", "--json").stdout,
    );
    expect(bin.task).toBe("binary");
    expect(Object.keys(bin.metrics)).toEqual(expect.arrayContaining(["accuracy", "logloss", "auc"]));
    expect(bin.metrics.accuracy).toBeGreaterThan(0.85);
    const multi = json<{ task: string; metrics: Record<string, number> }>(
      slipway("train", join(home, "tab.csv"), "--target", "kind", "--name", "kinds", "--json").stdout,
    );
    expect(multi.task).toBe("multiclass");
    expect(Object.keys(multi.metrics)).toEqual(expect.arrayContaining(["accuracy", "logloss", "macroF1"]));
    const pred = json<{ predictions: { label: string; probabilities: Record<string, number> }[] }>(
      slipway("predict", "kinds", "--input", join(home, "tab.csv"), "--json").stdout,
    );
    const p = pred.predictions[0];
    expect(Object.keys(p?.probabilities ?? {}).sort()).toEqual(["x", "y", "z"]);
    expect(Object.values(p?.probabilities ?? {}).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it("refuses a family this build lacks with exit 2, and a missing --target with exit 2", () => {
    const r = slipway("train", join(home, "tab.csv"), "--target", "y", "--family", "lstm", "--json");
    expect(r.code).toBe(2);
    expect(json<{ error: { code: string } }>(r.stderr.trim()).error.code).toBe("SLP_FAMILY_UNAVAILABLE");
    expect(slipway("train", join(home, "tab.csv")).code).toBe(2);
    expect(slipway("forecast", "nope", "--horizon", "3").code).toBe(2);
  });
});

describe("slipway train / forecast for time series", () => {
  it("evaluates on --horizon rows, then forecasts after the last observation", () => {
    const r = slipway(
      "train",
      join(home, "series.csv"),
      "--target",
      "contacts",
      "--time",
      "month",
      "--horizon",
      "12",
      "--name",
      "calls",
      "--json",
    );
    expect(r.code, r.stderr).toBe(0);
    const out = json<{ task: string; metrics: Record<string, number> }>(r.stdout);
    expect(out.task).toBe("forecast");
    for (const k of ["rmse", "mae", "r2", "coverage95", "width95"]) expect(typeof out.metrics[k]).toBe("number");
    const f = json<{ level: number; forecast: { time: string; mean: number; lower: number; upper: number }[] }>(
      slipway("forecast", "calls", "--horizon", "3", "--level", "0.8", "--json").stdout,
    );
    expect(f.level).toBe(0.8);
    expect(f.forecast.map((x) => x.time)).toEqual(["2018-01-01", "2018-02-01", "2018-03-01"]);
  });

  it("with --test, fits on DATA and forecasts exactly the test rows", () => {
    const r = slipway(
      "train",
      join(home, "series.csv"),
      "--target",
      "contacts",
      "--time",
      "month",
      "--test",
      join(home, "series-next.csv"),
      "--name",
      "calls-t",
      "--json",
    );
    expect(r.code, r.stderr).toBe(0);
    const out = json<{ metrics: Record<string, number> }>(r.stdout);
    expect(out.metrics.n).toBe(6);
    expect(out.metrics.r2).toBeGreaterThan(0.5);
  });
});

describe("slipway train --id (several series in one file)", () => {
  it("fits one forecaster per series and forecasts each by id", async () => {
    const rows = ["week,store,sales"];
    for (let t = 0; t < 60; t++) {
      const week = new Date(Date.UTC(2020, 0, 6 + 7 * t)).toISOString().slice(0, 10);
      rows.push(`${week},north,${(100 + t + 10 * Math.sin(t / 3)).toFixed(2)}`);
      rows.push(`${week},south,${(400 - t + 25 * Math.cos(t / 4)).toFixed(2)}`);
    }
    await writeFile(join(home, "stores.csv"), `${rows.join("\n")}\n`);
    const r = slipway(
      "train",
      join(home, "stores.csv"),
      "--target",
      "sales",
      "--time",
      "week",
      "--id",
      "store",
      "--horizon",
      "8",
      "--json",
    );
    expect(r.code, r.stderr).toBe(0);
    const out = json<{ name: string; task: string; metrics: Record<string, number> }>(r.stdout);
    expect(out).toMatchObject({ name: "stores", task: "forecast" });
    expect(out.metrics).toMatchObject({ n: 16, series: 2 });
    const north = json<{ id: string; forecast: { time: string; mean: number }[] }>(
      slipway("forecast", "stores", "--horizon", "2", "--id", "north", "--json").stdout,
    );
    expect(north.id).toBe("north");
    expect(north.forecast.map((f) => f.time)).toEqual(["2021-03-01", "2021-03-08"]);
    const missing = slipway("forecast", "stores", "--horizon", "2", "--json");
    expect(missing.code).toBe(2);
    expect(json<{ error: { details: { field: string }[] } }>(missing.stderr.trim()).error.details[0]?.field).toBe(
      "/id",
    );
  });

  it("refuses --id for a tabular task", () => {
    const r = slipway("train", join(home, "tab.csv"), "--target", "y", "--id", "c", "--json");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--id");
  });
});

describe("slipway serve flags", () => {
  it.each([["nope=5"], ["predict=0"], ["predict"], ["admin=abc"]])("refuses --timeout %s with exit code 2", (value) => {
    const r = slipway("serve", "--port", "0", "--timeout", value);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--timeout takes GROUP=MS");
  });
});
