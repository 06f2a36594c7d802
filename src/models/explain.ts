import { invalidInput } from "../core/index.js";
import type { Explanation, FittedModel, Prediction } from "./estimator.js";

/** A prediction with the explanation of how the model reached it. */
export type ExplainedPrediction = Prediction & { explanation: Explanation };

/**
 * The model's `explain`, bound to it, or `SLP_INPUT_INVALID` naming `field` (`/explain` over HTTP, `--explain`
 * from the CLI) for a model that cannot explain: asking is then the caller's mistake, not a server failure.
 */
export function explainerOf(model: FittedModel, field: string): NonNullable<FittedModel["explain"]> {
  const explain = model.explain;
  if (!explain) {
    throw invalidInput(`this ${model.family} model cannot explain its predictions`, [
      { field, reason: `not available for this ${model.family} model` },
    ]);
  }
  return explain.bind(model);
}

/** Each prediction with its explanation attached as `explanation`. */
export function withExplanations(predictions: Prediction[], explanations: Explanation[]): ExplainedPrediction[] {
  return predictions.map((p, i) => ({ ...p, explanation: explanations[i] as Explanation }));
}
