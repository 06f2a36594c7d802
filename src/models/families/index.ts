import { type Family, SlipwayError, type Task } from "../../core/index.js";
import type { ModelFamily } from "../estimator.js";
import { gpForecastFamily } from "./gp-forecast.js";
import { linearForecastFamily } from "./linear-forecast.js";
import { linearTabularFamily } from "./linear-tabular.js";

type Implementation = Pick<ModelFamily, "fit" | "load">;

/** Which implementation answers each (family, task); a missing entry is a combination this build lacks. */
const IMPLEMENTATIONS: Record<Exclude<Family, "auto">, Partial<Record<Task, Implementation>>> = {
  gp: { forecast: gpForecastFamily },
  linear: {
    forecast: linearForecastFamily,
    regression: linearTabularFamily,
    binary: linearTabularFamily,
    multiclass: linearTabularFamily,
  },
  ets: {},
  gbdt: {},
  lstm: {},
};

/** The families `auto` tries for a task, best first when scores tie. */
const AUTO_CANDIDATES: Record<Task, Exclude<Family, "auto">[]> = {
  forecast: ["gp", "linear"],
  regression: ["linear"],
  binary: ["linear"],
  multiclass: ["linear"],
};

export function familyFor(family: Exclude<Family, "auto">, task: Task): ModelFamily {
  const impl = IMPLEMENTATIONS[family]?.[task];
  if (!impl) {
    const available = Object.entries(IMPLEMENTATIONS)
      .filter(([, tasks]) => tasks[task])
      .map(([name]) => name);
    throw new SlipwayError(
      "SLP_FAMILY_UNAVAILABLE",
      `family ${family} is unavailable for ${task} in this build; available: auto, ${available.join(", ")}`,
      [{ field: "--family", reason: `unavailable for ${task}` }],
    );
  }
  return { name: family, tasks: [task], ...impl };
}

export function candidateFamilies(family: Family, task: Task): Exclude<Family, "auto">[] {
  return family === "auto" ? AUTO_CANDIDATES[task] : [family];
}
