import { type Frame, numericColumn } from "../../core/index.js";
import type { ConformalCalibration } from "../../ml/conformal/index.js";
import type {
  ClassPrediction,
  Explanation,
  FittedModel,
  ModelState,
  Prediction,
  RegressionPrediction,
  Signature,
  TrainSpec,
} from "../estimator.js";
import { combinationState, type DroppedMember, type FittedMember } from "./combination-members.js";
import { calibrationScores, conformalPredictions, storedCalibration } from "./conformal-interval.js";
import { classPredictions, notForecast } from "./family-helpers.js";

/**
 * A weighted combination of tabular models fitted on the same rows (a blend; weights wᵢ ≥ 0 summing to 1):
 *
 * - regression: the value is Σ wᵢ·valueᵢ and the interval ŷ ± q, q the conformal quantile (as every tabular
 *   regression's) of the combination's own residuals |y_j − Σ wᵢ·ŷᵢ₍₋ⱼ₎| on the training rows, where ŷᵢ₍₋ⱼ₎ is
 *   member i's prediction of row j by a fit that had not seen row j (its `heldOutPredictions`). Averaging the
 *   members' bounds instead would keep their widths, while two models with partly independent errors average to
 *   residuals smaller than either's, so the interval should narrow too. Each residual is held out from every
 *   member, so the interval is as honest as the weakest of the members' own calibrations (split-conformal rows,
 *   leave-one-out or out-of-fold residuals), over the rows they all hold out. Members without held-out predictions
 *   fall back to the weighted mean of their bounds;
 * - classification: the probabilities are Σ wᵢ·pᵢ (a linear opinion pool). Row by row its log loss is at most
 *   log(1/wᵢ) above any member's — never more than log 2 worse than the better of two equal members — where a
 *   geometric pool would inherit a member's confident mistake in full.
 *
 * Explanations: contributions are additive, so for regression Σ wᵢ·(expectedᵢ + Σ contributionsᵢ) is the
 * combination's value and the weighted averages of the members' expected values and contributions explain it
 * exactly, when every member explains on the value scale. An average of probabilities is not the link of any
 * average of log-odds, so a classifying combination does not explain.
 */
export class TabularCombination implements FittedModel {
  readonly family = "combination" as const;
  readonly explain?: (records: Record<string, unknown>[], pointerPrefix?: string) => Explanation[];
  readonly explanationScale?: Explanation["scale"];
  private readonly calibration: ConformalCalibration | null;

  constructor(
    readonly signature: Signature,
    private readonly members: FittedMember[],
    private readonly dropped: DroppedMember[],
    /** The combination's own blobs: its conformity scores (regression). */
    private readonly blobs: Record<string, Float64Array>,
  ) {
    this.calibration = storedCalibration(blobs);
    const explainable =
      signature.task === "regression" &&
      members.every((m) => m.model.explain !== undefined && m.model.explanationScale === "value");
    if (explainable) {
      this.explanationScale = "value";
      this.explain = (records, pointerPrefix = "/instances") => this.averageExplanations(records, pointerPrefix);
    }
  }

  /** How the regression interval was made, for the description. */
  private intervals(): Record<string, unknown> | undefined {
    if (this.signature.task !== "regression") return undefined;
    return this.calibration
      ? { method: "held-out residuals of the combination", calibrationRows: this.calibration.size }
      : { method: "weighted mean of the members' bounds" };
  }

  predict(records: Record<string, unknown>[], level: number, pointerPrefix = "/instances"): Prediction[] {
    const answers = this.members.map((m) => m.model.predict(records, level, pointerPrefix));
    const weights = this.members.map((m) => m.spec.weight);
    if (this.signature.task === "regression") {
      const rows = answers as RegressionPrediction[][];
      const mean = (r: number, bound: keyof RegressionPrediction) =>
        rows.reduce((sum, member, k) => sum + (weights[k] as number) * (member[r] as RegressionPrediction)[bound], 0);
      const values = Float64Array.from(records, (_, r) => mean(r, "value"));
      if (this.calibration) return conformalPredictions(values, this.calibration, level);
      return Array.from(values, (value, r) => ({ value, lower: mean(r, "lower"), upper: mean(r, "upper") }));
    }
    const classes = this.signature.classes as string[];
    const rows = answers as ClassPrediction[][];
    return classPredictions(classes, records.length, (r, c) =>
      rows.reduce(
        (sum, member, k) =>
          sum + (weights[k] as number) * ((member[r] as ClassPrediction).probabilities[classes[c] as string] ?? 0),
        0,
      ),
    );
  }

  private averageExplanations(records: Record<string, unknown>[], pointerPrefix: string): Explanation[] {
    const answers = this.members.map((m) =>
      (m.model.explain as NonNullable<FittedModel["explain"]>)(records, pointerPrefix),
    );
    return records.map((_, r) => {
      const outputs: Explanation["outputs"] = {};
      answers.forEach((explanations, k) => {
        const w = (this.members[k] as FittedMember).spec.weight;
        for (const [name, output] of Object.entries((explanations[r] as Explanation).outputs)) {
          const into = outputs[name] ?? { expected: 0, contributions: {} };
          outputs[name] = into;
          into.expected += w * output.expected;
          for (const [feature, value] of Object.entries(output.contributions))
            into.contributions[feature] = (into.contributions[feature] ?? 0) + w * value;
        }
      });
      return { scale: "value", outputs };
    });
  }

  forecast(): never {
    return notForecast(this.signature);
  }

  forecastAt(): never {
    return notForecast(this.signature);
  }

  describe(): Record<string, unknown> {
    const intervals = this.intervals();
    return {
      members: this.members.map(({ spec, model }) => ({ ...spec, description: model.describe() })),
      ...(intervals ? { intervals } : {}),
      ...(this.dropped.length > 0 ? { dropped: this.dropped } : {}),
    };
  }

  state(): ModelState {
    return combinationState(this.members, this.dropped, this.blobs);
  }
}

/**
 * The conformity scores of a regression combination: |y − Σ wᵢ·ŷᵢ| over the training rows every member has a
 * held-out prediction for; null when some member has none, or no row has them all.
 */
export function combinationScores(members: FittedMember[], train: Frame, spec: TrainSpec): Float64Array | null {
  if (spec.task !== "regression") return null;
  const heldOut = members.map((m) => m.model.heldOutPredictions);
  if (heldOut.some((h) => h === undefined || h.length !== train.rowCount)) return null;
  const y = numericColumn(train, spec.target);
  const residuals: number[] = [];
  for (let row = 0; row < train.rowCount; row++) {
    if (!Number.isFinite(y[row])) continue;
    let value = 0;
    let complete = true;
    for (let k = 0; k < members.length; k++) {
      const v = (heldOut[k] as Float64Array)[row] as number;
      if (!Number.isFinite(v)) complete = false;
      value += (members[k] as FittedMember).spec.weight * v;
    }
    if (complete) residuals.push((y[row] as number) - value);
  }
  return residuals.length > 0 ? calibrationScores(Float64Array.from(residuals)) : null;
}
