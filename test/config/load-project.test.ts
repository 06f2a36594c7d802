import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defineProject, loadProject, type ProjectInput } from "../../src/config/index.js";
import { type ErrorDetail, isSlipwayError } from "../../src/core/index.js";

/** The smallest valid project: everything with a default is left out. */
function minimal(): ProjectInput {
  return {
    name: "calls",
    dataset: {
      name: "calls",
      columns: [
        { name: "month", type: "time" },
        { name: "volume", type: "number", min: 0 },
      ],
    },
    model: { name: "calls", task: "regression", target: "volume" },
  };
}

/** The error `fn` throws, as code and details; fails the test when it does not throw a SlipwayError. */
function failure(fn: () => unknown): { code: string; details: ErrorDetail[] } {
  try {
    fn();
  } catch (error) {
    if (isSlipwayError(error)) return { code: error.code, details: error.details };
    throw error;
  }
  throw new Error("expected a SlipwayError, but nothing was thrown");
}

async function asyncFailure(promise: Promise<unknown>): Promise<{ code: string; details: ErrorDetail[] }> {
  try {
    await promise;
  } catch (error) {
    if (isSlipwayError(error)) return { code: error.code, details: error.details };
    throw error;
  }
  throw new Error("expected a SlipwayError, but the promise resolved");
}

const fields = (f: { details: ErrorDetail[] }) => f.details.map((d) => d.field);

describe("defineProject", () => {
  it("fills every default in one place", () => {
    const config = defineProject(minimal());
    expect(config.dataset.source).toBe("data/raw");
    expect(config.dataset.quarantine).toEqual({ minRows: 20, maxRejectedShare: 0.05 });
    expect(config.model).toEqual({
      name: "calls",
      task: "regression",
      target: "volume",
      family: "auto",
      params: {},
      seed: 42,
    });
    expect(config.evaluation).toEqual({ holdout: 12 });
    expect(config.gate).toEqual({ metric: "rmse", tolerance: 0 });
    expect(config.release).toEqual({ policy: "auto", gate: [] });
    expect(config.serve).toEqual({
      port: 8080,
      host: "127.0.0.1",
      maxHorizon: 1000,
      protect: [],
      timeouts: { predict: 10_000, admin: 30_000, read: 10_000 },
    });
  });

  it("keeps given values and fills the rest of a partly given section", () => {
    const config = defineProject({
      ...minimal(),
      dataset: { ...minimal().dataset, quarantine: { minRows: 5 } },
      release: { policy: "manual" },
      serve: { port: 9000 },
    } as ProjectInput);
    expect(config.dataset.quarantine).toEqual({ minRows: 5, maxRejectedShare: 0.05 });
    expect(config.release.policy).toBe("manual");
    expect(config.serve).toEqual({
      port: 9000,
      host: "127.0.0.1",
      maxHorizon: 1000,
      protect: [],
      timeouts: { predict: 10_000, admin: 30_000, read: 10_000 },
    });
  });

  it("freezes the result deeply and leaves the input untouched", () => {
    const input = minimal();
    const config = defineProject(input);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.serve)).toBe(true);
    expect(Object.isFrozen(config.dataset.columns)).toBe(true);
    expect(Object.isFrozen(config.dataset.columns[0])).toBe(true);
    expect(() => {
      (config.serve as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.dataset.columns as unknown[]).push({ name: "x", type: "number" });
    }).toThrow(TypeError);
    expect(config.serve.port).toBe(8080);
    expect(Object.isFrozen(input)).toBe(false);
    expect("serve" in input).toBe(false);
  });

  it("accepts its own output again unchanged", () => {
    const config = defineProject(minimal());
    expect(defineProject(config)).toEqual(config);
  });

  it("names /model/task when the task is not one of the four", () => {
    const f = failure(() => defineProject({ ...minimal(), model: { ...minimal().model, task: "clustering" } }));
    expect(f.code).toBe("SLP_CONFIG_INVALID");
    expect(fields(f)).toEqual(["/model/task"]);
  });

  it("names /dataset/columns when there are none or they are missing", () => {
    const empty = failure(() => defineProject({ ...minimal(), dataset: { name: "calls", columns: [] } }));
    expect(empty.code).toBe("SLP_CONFIG_INVALID");
    expect(fields(empty)).toEqual(["/dataset/columns"]);
    const missing = failure(() => defineProject({ ...minimal(), dataset: { name: "calls" } }));
    expect(missing.code).toBe("SLP_CONFIG_INVALID");
    expect(new Set(fields(missing))).toEqual(new Set(["/dataset/columns"]));
  });

  it("names the column's path when a column is malformed", () => {
    const f = failure(() =>
      defineProject({
        ...minimal(),
        dataset: {
          name: "calls",
          columns: [
            { name: "volume", type: "number" },
            { name: "x", type: "decimal" },
          ],
        },
      }),
    );
    expect(fields(f)).toContain("/dataset/columns/1/type");
  });

  it("names /model/target when the target is not a dataset column", () => {
    const f = failure(() => defineProject({ ...minimal(), model: { ...minimal().model, target: "calls" } }));
    expect(f).toEqual({
      code: "SLP_CONFIG_INVALID",
      details: [{ field: "/model/target", reason: expect.any(String) }],
    });
  });

  it("rejects a forecast without a time column, naming /dataset/timeColumn", () => {
    const f = failure(() => defineProject({ ...minimal(), model: { ...minimal().model, task: "forecast" } }));
    expect(f.code).toBe("SLP_CONFIG_INVALID");
    expect(fields(f)).toEqual(["/dataset/timeColumn"]);
    const ok = defineProject({
      ...minimal(),
      dataset: { ...minimal().dataset, timeColumn: "month" },
      model: { ...minimal().model, task: "forecast" },
    });
    expect(ok.dataset.timeColumn).toBe("month");
  });

  it("rejects a time column that is not a dataset column", () => {
    const f = failure(() => defineProject({ ...minimal(), dataset: { ...minimal().dataset, timeColumn: "date" } }));
    expect(fields(f)).toEqual(["/dataset/timeColumn"]);
  });

  it("names an unknown key and an out-of-range value by path", () => {
    expect(fields(failure(() => defineProject({ ...minimal(), serve: { prot: 8080 } })))).toEqual(["/serve/prot"]);
    expect(fields(failure(() => defineProject({ ...minimal(), serve: { port: 70_000 } })))).toEqual(["/serve/port"]);
    const share = failure(() =>
      defineProject({ ...minimal(), dataset: { ...minimal().dataset, quarantine: { maxRejectedShare: 1.5 } } }),
    );
    expect(fields(share)).toEqual(["/dataset/quarantine/maxRejectedShare"]);
    expect(fields(failure(() => defineProject({ ...minimal(), name: "has space" })))).toEqual(["/name"]);
  });

  it("takes gate conditions in release.gate, each with at least one bound, naming the bad ones", () => {
    const gate = [
      { metric: "rmse", maxRatio: 1.02 },
      { metric: "mape", max: 0.2 },
    ];
    expect(defineProject({ ...minimal(), release: { gate } } as ProjectInput).release).toEqual({
      policy: "auto",
      gate,
    });
    const bad = (g: unknown[]) => fields(failure(() => defineProject({ ...minimal(), release: { gate: g } })));
    expect(bad([{ metric: "rmse" }])).toEqual(["/release/gate/0"]);
    expect(bad([{ metric: "rmse", maxRatio: 0 }])).toEqual(["/release/gate/0/maxRatio"]);
    expect(bad([{ metric: "rmse", max: 1, below: 2 }])).toContain("/release/gate/0/below");
    expect(bad([{ metric: "bad name", max: 1 }])).toEqual(["/release/gate/0/metric"]);
  });

  it("rejects a value that is not an object at all", () => {
    for (const input of [null, "calls", 42, []]) {
      expect(failure(() => defineProject(input)).code).toBe("SLP_CONFIG_INVALID");
    }
  });
});

describe("loadProject", () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "slipway-config-"));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads slipway.config.json, fills defaults and returns the file it read", async () => {
    await writeFile(join(dir, "slipway.config.json"), JSON.stringify(minimal(), null, 2));
    const { config, file } = await loadProject(dir);
    expect(file).toBe(join(dir, "slipway.config.json"));
    expect(config).toEqual(defineProject(minimal()));
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("reads a slipway.config.mjs default export when there is no JSON file", async () => {
    await writeFile(join(dir, "slipway.config.mjs"), `export default ${JSON.stringify(minimal())};\n`);
    const { config, file } = await loadProject(dir);
    expect(file).toBe(join(dir, "slipway.config.mjs"));
    expect(config.serve.port).toBe(8080);
  });

  it("prefers slipway.config.json over slipway.config.mjs", async () => {
    await writeFile(join(dir, "slipway.config.json"), JSON.stringify({ ...minimal(), serve: { port: 1111 } }));
    await writeFile(join(dir, "slipway.config.mjs"), `export default ${JSON.stringify(minimal())};\n`);
    const { config, file } = await loadProject(dir);
    expect(file).toBe(join(dir, "slipway.config.json"));
    expect(config.serve.port).toBe(1111);
  });

  it("reports invalid JSON with SLP_CONFIG_INVALID naming the file", async () => {
    await writeFile(join(dir, "slipway.config.json"), '{ "name": "calls", ');
    const f = await asyncFailure(loadProject(dir));
    expect(f).toEqual({
      code: "SLP_CONFIG_INVALID",
      details: [{ field: "slipway.config.json", reason: expect.any(String) }],
    });
  });

  it("reports a missing project file with SLP_CONFIG_INVALID", async () => {
    const f = await asyncFailure(loadProject(dir));
    expect(f.code).toBe("SLP_CONFIG_INVALID");
    expect(f.details.length).toBeGreaterThan(0);
    expect((await asyncFailure(loadProject(join(dir, "does-not-exist")))).code).toBe("SLP_CONFIG_INVALID");
  });

  it("reports a well-formed file with an invalid project by path", async () => {
    await writeFile(
      join(dir, "slipway.config.json"),
      JSON.stringify({ ...minimal(), model: { ...minimal().model, target: "nope" } }),
    );
    const f = await asyncFailure(loadProject(dir));
    expect(f.code).toBe("SLP_CONFIG_INVALID");
    expect(fields(f)).toEqual(["/model/target"]);
  });
});
