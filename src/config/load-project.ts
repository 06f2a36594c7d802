import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Value } from "@sinclair/typebox/value";
import { type ErrorDetail, SlipwayError } from "../core/index.js";
import { type ProjectConfig, type ProjectInput, ProjectSchema } from "./project-schema.js";

export const PROJECT_FILES = ["slipway.config.json", "slipway.config.mjs", "slipway.config.js"] as const;

/** Validates a project definition, fills defaults and freezes it; errors name each path (`/model/target`). */
export function defineProject(input: ProjectInput | unknown): ProjectConfig {
  const withDefaults = Value.Default(ProjectSchema, structuredClone(input));
  const details: ErrorDetail[] = [...Value.Errors(ProjectSchema, withDefaults)].map((e) => ({
    field: e.path || "/",
    reason: e.message,
  }));
  if (details.length > 0) {
    throw new SlipwayError(
      "SLP_CONFIG_INVALID",
      `invalid project: ${details[0]?.field} ${details[0]?.reason}`,
      details,
    );
  }
  const config = withDefaults as ProjectConfig;
  const names = new Set(config.dataset.columns.map((c) => c.name));
  const semantic: ErrorDetail[] = [];
  if (!names.has(config.model.target)) semantic.push({ field: "/model/target", reason: "not a dataset column" });
  if (config.dataset.timeColumn !== undefined && !names.has(config.dataset.timeColumn)) {
    semantic.push({ field: "/dataset/timeColumn", reason: "not a dataset column" });
  }
  if (config.model.task === "forecast" && config.dataset.timeColumn === undefined) {
    semantic.push({ field: "/dataset/timeColumn", reason: "a forecast model needs the dataset's time column" });
  }
  config.release.gate.forEach((c, i) => {
    if (c.max === undefined && c.maxRatio === undefined && c.min === undefined && c.minRatio === undefined) {
      semantic.push({ field: `/release/gate/${i}`, reason: "needs a bound: max, maxRatio, min or minRatio" });
    }
  });
  if (semantic.length > 0) {
    throw new SlipwayError(
      "SLP_CONFIG_INVALID",
      `invalid project: ${semantic[0]?.field} ${semantic[0]?.reason}`,
      semantic,
    );
  }
  return deepFreeze(config);
}

/** Finds and loads the project file in `dir`. */
export async function loadProject(dir: string): Promise<{ config: ProjectConfig; file: string }> {
  for (const name of PROJECT_FILES) {
    const file = resolve(join(dir, name));
    if (!existsSync(file)) continue;
    let raw: unknown;
    if (name.endsWith(".json")) {
      try {
        raw = JSON.parse(await readFile(file, "utf8"));
      } catch (error) {
        throw new SlipwayError("SLP_CONFIG_INVALID", `${file} is not valid JSON: ${(error as Error).message}`, [
          { field: name, reason: "not valid JSON" },
        ]);
      }
    } else {
      const mod: { default?: unknown } = await import(pathToFileURL(file).href);
      raw = mod.default;
    }
    return { config: defineProject(raw), file };
  }
  throw new SlipwayError(
    "SLP_CONFIG_INVALID",
    `no project file in ${resolve(dir)} (looked for ${PROJECT_FILES.join(", ")})`,
    [{ field: "DIR", reason: "no project file" }],
  );
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
