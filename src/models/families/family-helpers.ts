import { invalidInput, SlipwayError } from "../../core/index.js";
import type { ClassPrediction, Signature } from "../estimator.js";

/** Reads a numeric hyperparameter, rejecting wrong types and ranges with the parameter's name. */
export function numberParam(
  params: Record<string, unknown>,
  name: string,
  opts: { min?: number; max?: number; integer?: boolean; optional: true },
): number | undefined;
export function numberParam(
  params: Record<string, unknown>,
  name: string,
  opts: { min?: number; max?: number; integer?: boolean; default: number },
): number;
export function numberParam(
  params: Record<string, unknown>,
  name: string,
  opts: { min?: number; max?: number; integer?: boolean; default?: number; optional?: boolean },
): number | undefined {
  const v = params[name];
  if (v === undefined || v === null) return opts.default;
  const field = `/params/${name}`;
  if (typeof v !== "number" || !Number.isFinite(v))
    throw invalidInput(`${name} must be a number`, [{ field, reason: "expected a number" }]);
  if (opts.integer && !Number.isInteger(v))
    throw invalidInput(`${name} must be an integer`, [{ field, reason: "expected an integer" }]);
  if (opts.min !== undefined && v < opts.min)
    throw invalidInput(`${name} must be ≥ ${opts.min}`, [{ field, reason: `must be ≥ ${opts.min}` }]);
  if (opts.max !== undefined && v > opts.max)
    throw invalidInput(`${name} must be ≤ ${opts.max}`, [{ field, reason: `must be ≤ ${opts.max}` }]);
  return v;
}

export function choiceParam<T extends string>(
  params: Record<string, unknown>,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const v = params[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "string" || !choices.includes(v as T)) {
    throw invalidInput(`${name} must be one of ${choices.join(", ")}`, [
      { field: `/params/${name}`, reason: `one of ${choices.join(", ")}` },
    ]);
  }
  return v as T;
}

export function notTabular(signature: Signature): never {
  throw new SlipwayError(
    "SLP_MODEL_TASK_MISMATCH",
    `a ${signature.task} model answers forecast requests, not predict`,
    [{ field: "path", reason: "not a predict model" }],
  );
}

export function notForecast(signature: Signature): never {
  throw new SlipwayError(
    "SLP_MODEL_TASK_MISMATCH",
    `a ${signature.task} model answers predict requests, not forecast`,
    [{ field: "path", reason: "not a forecast model" }],
  );
}

/**
 * A classifier's answers for `rows` rows: each class's probability from `probabilityOf(row, classIndex)`, and the
 * most probable class as the label (the first of equals, in class order).
 */
export function classPredictions(
  classes: readonly string[],
  rows: number,
  probabilityOf: (row: number, classIndex: number) => number,
): ClassPrediction[] {
  const out: ClassPrediction[] = new Array(rows);
  for (let i = 0; i < rows; i++) {
    const probabilities: Record<string, number> = {};
    let best = 0;
    let bestP = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < classes.length; c++) {
      const p = probabilityOf(i, c);
      probabilities[classes[c] as string] = p;
      if (p > bestP) {
        best = c;
        bestP = p;
      }
    }
    out[i] = { label: classes[best] as string, probabilities };
  }
  return out;
}
