import { type Frame, SlipwayError, takeRows } from "../../core/index.js";
import { type FeatureMatrix, FittedTransformPipeline, TransformPipeline } from "../../features/index.js";
import type { ConformalCalibration } from "../../ml/conformal/index.js";
import { GbdtModel, type GbdtModelJson, type GbdtParams } from "../../ml/gbdt/index.js";
import type {
  Explanation,
  FitOptions,
  FittedModel,
  ModelState,
  Prediction,
  Signature,
  TrainSpec,
} from "../estimator.js";
import {
  CONFORMAL_SCORES_BLOB,
  calibrationScores,
  conformalPredictions,
  storedCalibration,
} from "./conformal-interval.js";
import { classPredictions, notForecast } from "./family-helpers.js";
import { growTrees, outOfFoldPredictions, rowsOf } from "./gbdt-calibration.js";
import { defaultMinSamplesLeaf, gbdtParams, replayParams, SMALL_DATA_ROWS, sizeDefaults } from "./gbdt-params.js";
import {
  fitQuantileBand,
  QuantileBand,
  type QuantileBandJson,
  quantileBandParams,
  requireCalibrationRows,
} from "./gbdt-quantile.js";
import { assignRows, checkCounts, targetOf } from "./gbdt-rows.js";

/**
 * Histogram gradient-boosted trees on the raw feature values: numbers and times as they are, text columns as
 * category codes split natively (sets of categories, not thresholds on arbitrary codes), missing values sent the
 * way each split learnt. A category the training rows never had is treated as missing, so it follows the learnt
 * default direction instead of borrowing some known category's branch.
 *
 * The labelled rows are dealt, by a seeded shuffle, into three disjoint groups: calibration rows (regression from
 * {@link SMALL_DATA_ROWS} rows), early-stopping rows (when early stopping is on), and the rows the trees are grown
 * on. Calibration rows take no part in fitting, not even in choosing the round count, so |y − ŷ| on them are
 * exchangeable with a new row's and the split-conformal interval covers with probability at least `level` in
 * finite samples (Lei et al., JASA 2018, Theorem 2.2). A smaller regression cannot spare the rows: a tenth of a
 * few hundred rows is a large share of what the trees learn from, and on a few dozen a text column's categories
 * fall below the support a categorical split needs. It grows its trees on every row and calibrates on out-of-fold
 * predictions instead (see gbdt-calibration.ts), trading the finite-sample guarantee for the fit.
 */
interface GbdtTabularJson {
  features: ReturnType<FittedTransformPipeline["toJSON"]>;
  /** Indices (in the feature matrix) of the text columns' category codes. */
  categorical: number[];
  gbdt: GbdtModelJson;
  /** Regression: the number of calibration rows behind the conformal scores blob. */
  calibrationRows?: number;
  /** Regression calibrated out of fold: the folds; absent for split-conformal calibration rows. */
  calibrationFolds?: number;
  /** Rows that chose the round count (0 without early stopping, as in a replay with a fixed round count). */
  earlyStoppingRows?: number;
  /** `intervals: "quantile"`: the conformalised quantile band (see gbdt-quantile.ts). */
  quantile?: QuantileBandJson;
}

class GbdtTabular implements FittedModel {
  readonly family = "gbdt" as const;
  private readonly pipeline: FittedTransformPipeline;
  private readonly model: GbdtModel;
  private readonly calibration: ConformalCalibration | null;
  private readonly band: QuantileBand | null;

  constructor(
    readonly signature: Signature,
    private readonly json: GbdtTabularJson,
    private readonly blobs: Record<string, Float64Array>,
    readonly heldOutPredictions?: Float64Array,
  ) {
    this.pipeline = FittedTransformPipeline.fromJSON(json.features);
    this.model = GbdtModel.fromJSON(json.gbdt, blobs);
    this.calibration = storedCalibration(blobs);
    this.band = json.quantile ? new QuantileBand(json.quantile, blobs) : null;
    if (signature.task === "regression" && !this.calibration)
      throw new SlipwayError("SLP_INTERNAL", "a gbdt regression bundle has no conformal scores");
  }

  private matrix(records: Record<string, unknown>[], pointerPrefix: string): FeatureMatrix {
    return treeInputs(this.pipeline.transform(records, { pointerPrefix }), this.json.categorical);
  }

  predict(records: Record<string, unknown>[], level: number, pointerPrefix = "/instances"): Prediction[] {
    const X = this.matrix(records, pointerPrefix);
    const p = this.model.predict(X);
    if (this.signature.task === "regression") {
      const values = p.subarray(0, X.rows);
      if (this.band?.serves(level)) return this.band.predict(X, values);
      return conformalPredictions(values, this.calibration as ConformalCalibration, level);
    }
    const classes = this.signature.classes as string[];
    const k = classes.length;
    // Binary models score P(second class) only.
    return classPredictions(classes, X.rows, (i, c) =>
      k === 2 ? (c === 1 ? (p[i] as number) : 1 - (p[i] as number)) : (p[i * k + c] as number),
    );
  }

  explain(records: Record<string, unknown>[], pointerPrefix = "/instances"): Explanation[] {
    const X = this.matrix(records, pointerPrefix);
    const shap = this.model.shap(X);
    const names = this.pipeline.featureNames;
    const outputs = shap.outputs;
    const labels = this.signature.task === "regression" ? ["value"] : outputLabels(this.signature, outputs);
    const scale = this.rawScale();
    const out: Explanation[] = [];
    for (let r = 0; r < X.rows; r++) {
      const perOutput: Explanation["outputs"] = {};
      for (let k = 0; k < outputs; k++) {
        const contributions: Record<string, number> = {};
        const base = (r * outputs + k) * shap.cols;
        for (let f = 0; f < shap.cols; f++) contributions[names[f] as string] = shap.values[base + f] as number;
        perOutput[labels[k] as string] = { expected: shap.expectedValue[k] as number, contributions };
      }
      out.push({ scale, outputs: perOutput });
    }
    return out;
  }

  get explanationScale(): Explanation["scale"] {
    return this.rawScale();
  }

  /** What the contributions add up to: the raw score, before the objective's link. */
  private rawScale(): Explanation["scale"] {
    const objective = this.json.gbdt.params.objective;
    if (objective === "logistic" || objective === "softmax") return "log-odds";
    if (objective === "poisson") return "log";
    return "value";
  }

  forecast(): never {
    return notForecast(this.signature);
  }

  forecastAt(): never {
    return notForecast(this.signature);
  }

  describe(): Record<string, unknown> {
    const names = this.pipeline.featureNames;
    const gain = this.model.featureImportance("gain");
    const split = this.model.featureImportance("split");
    const totalGain = gain.reduce((a, b) => a + b, 0) || 1;
    return {
      objective: this.json.gbdt.params.objective,
      rounds: this.model.rounds,
      roundsTrained: this.model.roundsTrained,
      params: this.json.gbdt.params,
      importance: Object.fromEntries(
        names.map((n, f) => [n, { gain: (gain[f] as number) / totalGain, splits: split[f] as number }]),
      ),
      ...(this.json.earlyStoppingRows !== undefined ? { earlyStoppingRows: this.json.earlyStoppingRows } : {}),
      ...(this.band
        ? {
            intervals: {
              method: "conformalized-quantile",
              level: this.band.level,
              calibrationRows: this.band.calibrationRows,
              otherLevels: "split-conformal",
            },
          }
        : this.json.calibrationRows !== undefined
          ? {
              intervals:
                this.json.calibrationFolds !== undefined
                  ? {
                      method: "out-of-fold",
                      calibrationRows: this.json.calibrationRows,
                      folds: this.json.calibrationFolds,
                    }
                  : { method: "split-conformal", calibrationRows: this.json.calibrationRows },
            }
          : {}),
    };
  }

  state(): ModelState {
    return { json: { ...this.json } as unknown as Record<string, unknown>, blobs: this.blobs };
  }
}

/** Output names of a classifier's raw scores: the second class for a binary model, every class otherwise. */
function outputLabels(signature: Signature, outputs: number): string[] {
  const classes = signature.classes as string[];
  return outputs === 1 ? [classes[1] as string] : classes;
}

/** Category codes as the trees take them: unseen (−1) and missing (−2) codes become missing values. */
function treeInputs(X: FeatureMatrix, categorical: readonly number[]): FeatureMatrix {
  for (const f of categorical) {
    for (let i = f; i < X.data.length; i += X.cols) if ((X.data[i] as number) < 0) X.data[i] = Number.NaN;
  }
  return X;
}

/** The transform that turns a frame's feature columns into the trees' inputs (fitted on the training rows). */
function featurePipeline(spec: TrainSpec, train: Frame) {
  const text = spec.features.filter((f) => f.type === "string").map((f) => f.name);
  const other = spec.features.filter((f) => f.type !== "string").map((f) => f.name);
  const pipeline = TransformPipeline.fromConfig({
    transforms: [
      ...(text.length > 0 ? [{ type: "ordinal", columns: text }] : []),
      ...(other.length > 0 ? [{ type: "passthrough", columns: other }] : []),
    ],
    allowMissing: true,
  }).fit(train);
  const categorical = text.map((name) => pipeline.featureNames.indexOf(name));
  return { pipeline, categorical };
}

export const gbdtTabularFamily = {
  fit(train: Frame, spec: TrainSpec, options: FitOptions = {}): FittedModel {
    const signature: Signature = { task: spec.task, target: spec.target, inputs: spec.features };
    if (spec.features.length === 0) {
      throw new SlipwayError("SLP_TRAIN_FAILED", "gbdt needs at least one feature column", [
        { field: "features", reason: "empty" },
      ]);
    }
    const { y, rows, classes } = targetOf(train, spec);
    const regression = spec.task === "regression";
    if (regression && rows.length < 4) {
      throw new SlipwayError("SLP_TRAIN_FAILED", "gbdt regression needs at least 4 rows with a target value", [
        { field: spec.target, reason: `${rows.length} labelled rows` },
      ]);
    }
    const previousJson = options.hyperparametersFrom?.json as GbdtTabularJson | undefined;
    const previous = previousJson?.gbdt;
    const bandLevel = quantileBandParams(spec)?.level;
    const params: GbdtParams = previous
      ? replayParams(previous)
      : sizeDefaults(gbdtParams(spec), spec.task, rows.length);
    if (classes) {
      params.objective = classes.length === 2 ? "logistic" : "softmax";
      if (classes.length > 2) params.numClass = classes.length;
      else delete params.numClass;
    }
    if (params.objective === "poisson") checkCounts(rows, y, spec.target);
    const frame = takeRows(train, rows);
    const { pipeline, categorical } = featurePipeline(spec, frame);
    const X = treeInputs(pipeline.transform(frame), categorical);
    const target = Float64Array.from(rows, (i) => y[i] as number);
    params.categoricalFeatures = categorical;
    // Small regressions calibrate out of fold, so every row also grows the trees (see outOfFoldPredictions).
    const outOfFold = regression && rows.length < SMALL_DATA_ROWS;
    if (bandLevel !== undefined) requireCalibrationRows(rows.length, SMALL_DATA_ROWS);
    const roles = assignRows(rows.length, spec.seed, {
      calibrate: regression && !outOfFold,
      earlyStopping: params.earlyStoppingRounds !== 0,
    });
    params.minSamplesLeaf ??= defaultMinSamplesLeaf(roles.fit.length);
    const model = growTrees(X, target, roles, params);
    const state = model.toJSON();
    const json: GbdtTabularJson = {
      features: pipeline.toJSON(),
      categorical,
      gbdt: state.json,
      earlyStoppingRows: roles.stop.length,
    };
    const blobs: Record<string, Float64Array> = { ...state.blobs };
    const labelled = classes ? { ...signature, classes } : signature;
    if (!regression) return new GbdtTabular(labelled, json, blobs);
    const calibrated = outOfFold
      ? outOfFoldPredictions(X, target, params, spec.seed)
      : { rows: roles.calibrate, predicted: model.predict(rowsOf(X, roles.calibrate)), folds: undefined };
    // Each calibrating row's prediction by trees that never saw it, placed at its row of `train`.
    const heldOut = new Float64Array(train.rowCount).fill(Number.NaN);
    const residuals = Float64Array.from(calibrated.rows, (i, r) => {
      const row = rows[i] as number;
      heldOut[row] = calibrated.predicted[r] as number;
      return (y[row] as number) - (heldOut[row] as number);
    });
    blobs[CONFORMAL_SCORES_BLOB] = calibrationScores(residuals);
    json.calibrationRows = calibrated.rows.length;
    if (calibrated.folds !== undefined) json.calibrationFolds = calibrated.folds;
    if (bandLevel !== undefined) {
      const band = fitQuantileBand(X, target, roles, params, bandLevel, calibrated.predicted, previousJson?.quantile);
      json.quantile = band.json;
      Object.assign(blobs, band.blobs);
    }
    return new GbdtTabular(labelled, json, blobs, heldOut);
  },
  load(state: ModelState, signature: Signature): FittedModel {
    return new GbdtTabular(signature, state.json as unknown as GbdtTabularJson, state.blobs);
  },
};
