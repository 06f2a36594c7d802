import { invalidInput } from "../../core/index.js";
import type { FeatureMatrix } from "../../features/index.js";
import { QuantileCalibration } from "../../ml/conformal/index.js";
import { type GbdtModel, type GbdtModelJson, type GbdtParams, GbdtModel as Model } from "../../ml/gbdt/index.js";
import type { RegressionPrediction, TrainSpec } from "../estimator.js";
import { choiceParam, numberParam } from "./family-helpers.js";
import { growTrees, rowsOf } from "./gbdt-calibration.js";
import { replayParams } from "./gbdt-params.js";
import type { RowRoles } from "./gbdt-rows.js";

/*
 * Conformalised quantile regression for the gbdt family (`intervals: "quantile"`): two more tree models, fitted
 * with the pinball loss at (1 − L)/2 and (1 + L)/2 on the same rows as the point model, give a band whose width
 * follows the data (wide where the noise is, narrow where it is not), and the calibration rows correct it by the
 * CQR score so it covers with probability ≥ L in finite samples (Romano, Patterson & Candès, NeurIPS 2019). Other
 * levels are answered from the point model's split-conformal calibration, as without this option.
 */

/** The blob of the sorted CQR scores, and the prefixes of the quantile models' blobs. */
const CQR_SCORES_BLOB = "cqr.scores";
const LOWER = "quantile.lower.";
const UPPER = "quantile.upper.";

/** The stored part: the band's level and the two quantile models. */
export interface QuantileBandJson {
  level: number;
  lower: GbdtModelJson;
  upper: GbdtModelJson;
}

/** `intervals` and `intervalLevel` from the project's params: null for the default split-conformal intervals. */
export function quantileBandParams(spec: TrainSpec): { level: number } | null {
  const method = choiceParam(spec.params, "intervals", ["conformal", "quantile"] as const, "conformal");
  const level = numberParam(spec.params, "intervalLevel", { min: 0.5, max: 0.999, default: 0.95 });
  if (method === "conformal") return null;
  if (spec.task !== "regression") {
    throw invalidInput("quantile intervals are for regression", [
      { field: "/params/intervals", reason: `a ${spec.task} model answers probabilities, not intervals` },
    ]);
  }
  return { level };
}

/** A regression too small for held-out calibration rows cannot calibrate the band: say so, naming the option. */
export function requireCalibrationRows(rows: number, needed: number): void {
  if (rows < needed) {
    throw invalidInput("quantile intervals need calibration rows held out of the fit", [
      { field: "/params/intervals", reason: `needs at least ${needed} labelled rows, got ${rows}` },
    ]);
  }
}

/**
 * Fits the band's two quantile models on the point model's rows (or replays `previous`'s), calibrates them on the
 * calibration rows (`pointPredictions`: the point model's, for those rows), and returns what the bundle keeps.
 */
export function fitQuantileBand(
  X: FeatureMatrix,
  target: Float64Array,
  roles: RowRoles,
  params: GbdtParams,
  level: number,
  pointPredictions: Float64Array,
  previous: QuantileBandJson | undefined,
): { json: QuantileBandJson; blobs: Record<string, Float64Array> } {
  const quantileModel = (alpha: number, replay: GbdtModelJson | undefined) =>
    growTrees(X, target, roles, {
      ...(replay ? replayParams(replay) : params),
      objective: "quantile",
      quantileAlpha: alpha,
    });
  const lower = quantileModel((1 - level) / 2, previous?.lower);
  const upper = quantileModel((1 + level) / 2, previous?.upper);
  const calibration = rowsOf(X, roles.calibrate);
  const band = QuantileCalibration.fromQuantiles(
    Float64Array.from(roles.calibrate, (i) => target[i] as number),
    { lower: lower.predict(calibration), upper: upper.predict(calibration), median: pointPredictions },
    level,
  );
  const blobs: Record<string, Float64Array> = { [CQR_SCORES_BLOB]: band.scores };
  const l = lower.toJSON();
  const u = upper.toJSON();
  for (const [name, blob] of Object.entries(l.blobs)) blobs[LOWER + name] = blob;
  for (const [name, blob] of Object.entries(u.blobs)) blobs[UPPER + name] = blob;
  return { json: { level, lower: l.json, upper: u.json }, blobs };
}

/** A stored band, ready to answer at its level. */
export class QuantileBand {
  readonly level: number;
  private readonly lower: GbdtModel;
  private readonly upper: GbdtModel;
  private readonly calibration: QuantileCalibration;

  constructor(json: QuantileBandJson, blobs: Record<string, Float64Array>) {
    const prefixed = (prefix: string) =>
      Object.fromEntries(
        Object.entries(blobs)
          .filter(([name]) => name.startsWith(prefix))
          .map(([name, blob]) => [name.slice(prefix.length), blob]),
      );
    this.level = json.level;
    this.lower = Model.fromJSON(json.lower, prefixed(LOWER));
    this.upper = Model.fromJSON(json.upper, prefixed(UPPER));
    this.calibration = QuantileCalibration.fromJSON({
      kind: "conformalized-quantile",
      version: 1,
      level: json.level,
      scores: blobs[CQR_SCORES_BLOB] ?? new Float64Array(0),
      median: null,
    });
  }

  /** Whether `level` is the band's own (the others are answered by the point model's calibration). */
  serves(level: number): boolean {
    return this.calibration.isBandLevel(level);
  }

  /** The calibrated band around each point prediction, for rows `X`. */
  predict(X: FeatureMatrix, values: Float64Array): RegressionPrediction[] {
    const bounds = this.calibration.predictInterval(
      { lower: this.lower.predict(X), upper: this.upper.predict(X) },
      this.level,
    );
    return Array.from(values, (value, i) => ({
      value,
      lower: bounds.lower[i] as number,
      upper: bounds.upper[i] as number,
    }));
  }

  /** Calibration rows behind the band. */
  get calibrationRows(): number {
    return this.calibration.size;
  }
}
