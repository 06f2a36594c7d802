import { spawnSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI } from "../helpers/cli-process.js";
import { csvOfRows, tabularRows } from "../helpers/tabular-data.js";

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

interface ErrorBody {
  error: { code: string; details: { field: string; reason: string }[] };
}

const TARGETS = { regression: "y", binary: "label", multiclass: "kind" } as const;
/** The metrics every trained version reports for its task (docs/models.md, "Evaluation and metrics"). */
const METRICS = {
  regression: ["coverage95", "mae", "n", "r2", "rmse", "width95"],
  binary: ["accuracy", "auc", "logloss", "n"],
  multiclass: ["accuracy", "logloss", "macroF1", "n"],
} as const;

const path = (name: string) => join(home, name);

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "slipway-tabular-"));
  const rows = tabularRows(300, 71);
  for (const [task, target] of Object.entries(TARGETS)) await writeFile(path(`${task}.csv`), csvOfRows(rows, target));
  const fresh = tabularRows(5, 72);
  await writeFile(path("fresh.csv"), csvOfRows(fresh, "y"));
  // x1 became text, a column went missing, a city the model never saw (and one missing, in the second row).
  await writeFile(path("retyped.csv"), "x1,x2,city\nlow,0.5,north\n1.5,0.2,south\nhigh,0.1,east\n");
  await writeFile(path("short.csv"), "x2,city\n0.5,north\n");
  await writeFile(path("unseen.csv"), "x1,x2,city\n0.5,0.5,atlantis\n-1,,\n");
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("slipway train on a tabular file with text and missing values", () => {
  it.each(
    (["regression", "binary", "multiclass"] as const).flatMap((task) =>
      (["gbdt", "linear", "auto"] as const).map((family) => [task, family] as const),
    ),
  )("--task %s --family %s trains and reports the task's metrics", (task, family) => {
    const name = `${task}-${family}`;
    const r = slipway(
      "train",
      path(`${task}.csv`),
      "--target",
      TARGETS[task],
      "--task",
      task,
      "--family",
      family,
      "--name",
      name,
      "--json",
    );
    expect(r.code, r.stderr).toBe(0);
    const out = json<{ name: string; task: string; family: string; metrics: Record<string, number> }>(r.stdout);
    expect(Object.keys(out).sort()).toEqual(["family", "metrics", "name", "task", "trainSeconds", "version"]);
    expect(out).toMatchObject({ name, task });
    expect(family === "auto" ? ["gbdt", "linear"] : [family]).toContain(out.family);
    expect(Object.keys(out.metrics).sort()).toEqual([...METRICS[task]]);
    for (const v of Object.values(out.metrics)) expect(Number.isFinite(v)).toBe(true);
    expect(out.metrics.n).toBe(60);
  });

  it("auto prints the candidates it scored and stars the one it kept", () => {
    const r = slipway("train", path("regression.csv"), "--target", "y", "--name", "shown");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("candidates on the held-out rows (chosen by rmse):");
    // The data are nonlinear in x1 and x2: the trees win.
    expect(r.stdout).toMatch(/\* gbdt/);
    expect(r.stdout).toMatch(/\n {2}linear {2}/);
  });
});

describe("slipway predict on tabular models", () => {
  it("predicts an unseen category and missing cells (they follow the missing-value handling)", () => {
    for (const model of ["regression-gbdt", "regression-linear"]) {
      const r = slipway("predict", model, "--input", path("unseen.csv"), "--json");
      expect(r.code, r.stderr).toBe(0);
      const out = json<{ predictions: { value: number; lower: number; upper: number }[] }>(r.stdout);
      expect(out.predictions).toHaveLength(2);
      for (const p of out.predictions) for (const v of Object.values(p)) expect(Number.isFinite(v)).toBe(true);
    }
  });

  it("a column that changed type is SLP_INPUT_INVALID naming each bad cell", () => {
    for (const model of ["regression-gbdt", "binary-linear"]) {
      const r = slipway("predict", model, "--input", path("retyped.csv"), "--json");
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      const err = json<ErrorBody>(r.stderr.trim());
      expect(err.error.code).toBe("SLP_INPUT_INVALID");
      expect(err.error.details).toEqual([
        { field: "/rows/0/x1", reason: "expected a number" },
        { field: "/rows/2/x1", reason: "expected a number" },
      ]);
    }
  });

  it("a file without a column the model needs is SLP_INPUT_INVALID naming the column", () => {
    const r = slipway("predict", "multiclass-gbdt", "--input", path("short.csv"), "--json");
    expect(r.code).toBe(2);
    const err = json<ErrorBody>(r.stderr.trim());
    expect(err.error.code).toBe("SLP_INPUT_INVALID");
    expect(err.error.details).toEqual([{ field: "x1", reason: "missing from the header" }]);
  });

  it("--explain --json prints the predict route's JSON, each prediction with its explanation", () => {
    const r = slipway("predict", "regression-gbdt", "--input", path("fresh.csv"), "--explain", "--json");
    expect(r.code, r.stderr).toBe(0);
    const out = json<{
      model: string;
      version: number;
      request_id: string;
      predictions: {
        value: number;
        explanation: { scale: string; outputs: { value: { expected: number; contributions: Record<string, number> } } };
      }[];
    }>(r.stdout);
    expect(Object.keys(out).sort()).toEqual(["model", "predictions", "request_id", "version"]);
    expect(out.predictions).toHaveLength(5);
    for (const p of out.predictions) {
      expect(p.explanation.scale).toBe("value");
      const { expected, contributions } = p.explanation.outputs.value;
      expect(Object.keys(contributions).sort()).toEqual(["city", "x1", "x2"]);
      const sum = Object.values(contributions).reduce((a, b) => a + b, expected);
      expect(Math.abs(sum - p.value)).toBeLessThan(1e-9);
    }
  });

  it("--explain without --json prints each row's expected value and largest contributions", () => {
    const r = slipway("predict", "binary-linear", "--input", path("fresh.csv"), "--explain");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("row 1 (contributions on the log-odds scale)");
    expect(r.stdout).toMatch(/ {2}yes: expected -?\d/);
  });

  it("--explain on a model that cannot explain exits 2 naming --explain", async () => {
    const trained = slipway(
      "train",
      path("binary.csv"),
      "--target",
      "label",
      "--family",
      "linear",
      "--name",
      "legacy",
      "--json",
    );
    expect(trained.code, trained.stderr).toBe(0);
    // Rewrite its bundle the way a version from before explanations was stored: no training means.
    const runs = join(home, "artifacts", "runs");
    for (const run of await readdir(runs)) {
      const file = join(runs, run, "model", "manifest.json");
      const manifest = JSON.parse(await readFile(file, "utf8"));
      if (manifest.lineage?.source !== path("binary.csv") || manifest.family !== "linear") continue;
      const { encoder, logistic } = manifest.state;
      manifest.state = { encoder, logistic };
      await writeFile(file, JSON.stringify(manifest));
    }
    const r = slipway("predict", "legacy", "--input", path("fresh.csv"), "--explain", "--json");
    expect(r.code).toBe(2);
    const err = json<ErrorBody>(r.stderr.trim());
    expect(err.error.code).toBe("SLP_INPUT_INVALID");
    expect(err.error.details.map((d) => d.field)).toEqual(["--explain"]);
    expect(slipway("predict", "legacy", "--input", path("fresh.csv"), "--json").code).toBe(0);
  });
});
