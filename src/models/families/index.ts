import { type Family, SlipwayError, type Task } from "../../core/index.js";
import type { ModelFamily, ModelFamilyName } from "../estimator.js";
import { combinationFamily } from "./combination.js";
import { etsForecastFamily } from "./ets-forecast.js";
import { gbdtTabularFamily } from "./gbdt-tabular.js";
import { gpForecastFamily } from "./gp-forecast.js";
import { linearForecastFamily } from "./linear-forecast.js";
import { linearTabularFamily } from "./linear-tabular.js";
import { lstmForecastFamily } from "./lstm-forecast.js";
import { seasonalNaiveFamily } from "./seasonal-naive.js";

type Implementation = Pick<ModelFamily, "fit" | "load">;

/** Which implementation answers each (family, task); a missing entry is a combination this build lacks. */
const IMPLEMENTATIONS: Record<ModelFamilyName, Partial<Record<Task, Implementation>>> = {
  gp: { forecast: gpForecastFamily },
  ets: { forecast: etsForecastFamily },
  linear: {
    forecast: linearForecastFamily,
    regression: linearTabularFamily,
    binary: linearTabularFamily,
    multiclass: linearTabularFamily,
  },
  gbdt: { regression: gbdtTabularFamily, binary: gbdtTabularFamily, multiclass: gbdtTabularFamily },
  lstm: { forecast: lstmForecastFamily },
  "seasonal-naive": { forecast: seasonalNaiveFamily },
  // Its members are other families of the same task, resolved through this table (a function, so no import cycle).
  combination: {
    forecast: combinationOf("forecast"),
    regression: combinationOf("regression"),
    binary: combinationOf("binary"),
    multiclass: combinationOf("multiclass"),
  },
};

function combinationOf(task: Task): Implementation {
  return combinationFamily(task, (member) => familyFor(member, task));
}

/** Families no flag names: candidates of `auto` (and loadable from bundles), left out of "available" lists. */
const INTERNAL: ReadonlySet<ModelFamilyName> = new Set(["seasonal-naive", "combination"]);

/**
 * The families `auto` tries for a task, best first when scores tie. Forecasts compare the GP with the classical
 * forecasters users would otherwise reach for (ETS, and the seasonal naive benchmark) by a rolling-origin backtest;
 * `linear` stays selectable by name. Tabular tasks compare gradient-boosted trees with a linear model on the
 * evaluation rows (trees first: on a tie the more flexible model has cost nothing), and with their equal-weight
 * combination, which models/train.ts forms from the two fitted candidates.
 */
const AUTO_CANDIDATES: Record<Task, ModelFamilyName[]> = {
  forecast: ["gp", "ets", "seasonal-naive"],
  regression: ["gbdt", "linear"],
  binary: ["gbdt", "linear"],
  multiclass: ["gbdt", "linear"],
};

export function familyFor(family: ModelFamilyName, task: Task): ModelFamily {
  const impl = IMPLEMENTATIONS[family]?.[task];
  if (!impl) {
    const available = Object.entries(IMPLEMENTATIONS)
      .filter(([name, tasks]) => tasks[task] && !INTERNAL.has(name as ModelFamilyName))
      .map(([name]) => name);
    throw new SlipwayError(
      "SLP_FAMILY_UNAVAILABLE",
      `family ${family} is unavailable for ${task} in this build; available: auto, ${available.join(", ")}`,
      [{ field: "--family", reason: `unavailable for ${task}` }],
    );
  }
  return { name: family, tasks: [task], ...impl };
}

export function candidateFamilies(family: Family, task: Task): ModelFamilyName[] {
  return family === "auto" ? AUTO_CANDIDATES[task] : [family];
}
