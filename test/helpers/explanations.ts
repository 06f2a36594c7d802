import { expect } from "vitest";
import type { ClassPrediction, FittedModel } from "../../src/models/index.js";

/**
 * Checks a binary model's explanations of `records`: one output, the second class ("yes"), on the log-odds scale,
 * whose expected value + contributions is logit(P(yes)) to 1e-9 (logit recovers the raw score to ~1e-16 / (p(1 − p)),
 * far below that for these probabilities).
 */
export function expectLogOddsExplanations(model: FittedModel, records: Record<string, unknown>[]): void {
  const preds = model.predict(records, 0.9) as ClassPrediction[];
  const explanations = model.explain?.(records) ?? [];
  expect(explanations).toHaveLength(records.length);
  explanations.forEach((e, i) => {
    expect(e.scale).toBe("log-odds");
    expect(Object.keys(e.outputs)).toEqual(["yes"]);
    const out = e.outputs.yes!;
    const p = preds[i]!.probabilities.yes!;
    const sum = Object.values(out.contributions).reduce((a, b) => a + b, out.expected);
    expect(Math.abs(sum - Math.log(p / (1 - p)))).toBeLessThan(1e-9);
  });
}
