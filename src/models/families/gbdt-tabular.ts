import { type Frame, numericColumn, SlipwayError, takeRows } from "../../core/index.js";
import { type FeatureMatrix, FittedTransformPipeline, TransformPipeline } from "../../features/index.js";
import { ConformalCalibration } from "../../ml/conformal/index.js";
import { type GbdtMatrix, GbdtModel, type GbdtModelJson, type GbdtParams, trainGbdt } from "../../ml/gbdt/index.js";
import { Rng } from "../../ml/random.js";
import type { Explanation, FittedModel, ModelState, Prediction, Signature, TrainSpec } from "../estimator.js";
import { encodeLabels } from "../labels.js";
import { choiceParam, notForecast, numberParam } from "./family-helpers.js";

/**
 * Histogram gradient-boosted trees on the raw feature values: numbers and times as they are, text columns as
 * category codes split natively (sets of categories, not thresholds on arbitrary codes), missing values sent the
 * way each split learnt. A category the training rows never had is treated as missing, so it follows the learnt
 * default direction instead of borrowing some known category's branch.
 *
 * Early stopping watches a seeded 10% of the training rows. For regression those rows also calibrate a
 * split-conformal interval: |y − ŷ| on rows the trees never fitted, so `lower`/`upper` cover at any level with
 * finite-sample validity (up to the one number, the round count, those rows chose).
 */
interface GbdtTabularJson {
  features: ReturnType<FittedTransformPipeline["toJSON"]>;
  /** Indices (in the feature matrix) of the text columns' category codes. */
  categorical: number[];
  gbdt: GbdtModelJson;
  /** Regression: the number of calibration rows behind `blobs["conformal.scores"]`. */
  calibrationRows?: number;
}

/** Rows of the training frame watched for early stopping (and calibrating regression intervals). */
const VALIDATION_SHARE = 0.1;
const REGRESSION_OBJECTIVES = ["squared_error", "absolute_error", "huber", "poisson"] as const;
const GROW_POLICIES = ["depthwise", "lossguide"] as const;

class GbdtTabular implements FittedModel {
  readonly family = "gbdt" as const;
  private readonly pipeline: FittedTransformPipeline;
  private readonly model: GbdtModel;
  private readonly calibration: ConformalCalibration | null;

  constructor(
    readonly signature: Signature,
    private readonly json: GbdtTabularJson,
    private readonly blobs: Record<string, Float64Array>,
  ) {
    this.pipeline = FittedTransformPipeline.fromJSON(json.features);
    this.model = GbdtModel.fromJSON(json.gbdt, blobs);
    const scores = blobs["conformal.scores"];
    this.calibration = scores ? ConformalCalibration.fromScores(scores) : null;
  }

  private matrix(records: Record<string, unknown>[], pointerPrefix: string): FeatureMatrix {
    return treeInputs(this.pipeline.transform(records, { pointerPrefix }), this.json.categorical);
  }

  predict(records: Record<string, unknown>[], level: number, pointerPrefix = "/instances"): Prediction[] {
    const X = this.matrix(records, pointerPrefix);
    const p = this.model.predict(X);
    if (this.signature.task === "regression") {
      const half = this.halfWidth(level);
      return Array.from(p.subarray(0, X.rows), (value) => ({ value, lower: value - half, upper: value + half }));
    }
    const classes = this.signature.classes as string[];
    const k = classes.length;
    const out: Prediction[] = new Array(X.rows);
    for (let i = 0; i < X.rows; i++) {
      const probabilities: Record<string, number> = {};
      let best = 0;
      for (let c = 0; c < k; c++) {
        // Binary models score P(second class) only.
        const pc = k === 2 ? (c === 1 ? p[i] : 1 - p[i]) : p[i * k + c];
        probabilities[classes[c]] = pc;
        if (pc > (probabilities[classes[best]] as number)) best = c;
      }
      out[i] = { label: classes[best], probabilities };
    }
    return out;
  }

  /**
   * The conformal half-width at `level`. With fewer calibration rows than the level needs (⌈(n + 1)·level⌉ > n)
   * the exact answer is an infinite interval; the largest calibration residual is used instead, and the
   * guaranteed coverage is then n / (n + 1).
   */
  private halfWidth(level: number): number {
    const calibration = this.calibration;
    if (!calibration || calibration.size === 0) return 0;
    const q = calibration.quantile(level);
    return Number.isFinite(q) ? q : (calibration.scores[calibration.size - 1] as number);
  }

  explain(records: Record<string, unknown>[], pointerPrefix = "/instances"): Explanation[] {
    const X = this.matrix(records, pointerPrefix);
    const shap = this.model.shap(X);
    const names = this.pipeline.featureNames;
    const outputs = shap.outputs;
    const labels = this.signature.task === "regression" ? ["value"] : outputLabels(this.signature, outputs);
    const out: Explanation[] = [];
    for (let r = 0; r < X.rows; r++) {
      const perOutput: Explanation["outputs"] = {};
      for (let k = 0; k < outputs; k++) {
        const contributions: Record<string, number> = {};
        const base = (r * outputs + k) * shap.cols;
        for (let f = 0; f < shap.cols; f++) contributions[names[f] as string] = shap.values[base + f] as number;
        perOutput[labels[k] as string] = { expected: shap.expectedValue[k] as number, contributions };
      }
      out.push({ scale: this.rawScale(), outputs: perOutput });
    }
    return out;
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
      ...(this.json.calibrationRows !== undefined ? { calibrationRows: this.json.calibrationRows } : {}),
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

/** The GBDT's parameters from the spec (names as XGBoost's; defaults in ml/gbdt/params.ts). */
function gbdtParams(spec: TrainSpec): GbdtParams {
  const p = spec.params;
  const optional = (name: string, o: { min?: number; max?: number; integer?: boolean }) =>
    numberParam(p, name, { ...o, optional: true });
  const params: GbdtParams = {
    learningRate: optional("learningRate", { min: 1e-6, max: 1 }),
    maxDepth: optional("maxDepth", { min: 1, max: 32, integer: true }),
    maxLeaves: optional("maxLeaves", { min: 2, integer: true }),
    maxRounds: optional("maxRounds", { min: 1, max: 100_000, integer: true }),
    earlyStoppingRounds: optional("earlyStoppingRounds", { min: 0, integer: true }),
    lambda: optional("lambda", { min: 0 }),
    alpha: optional("alpha", { min: 0 }),
    minChildWeight: optional("minChildWeight", { min: 0 }),
    gamma: optional("gamma", { min: 0 }),
    subsample: optional("subsample", { min: 1e-3, max: 1 }),
    colsampleByTree: optional("colsampleByTree", { min: 1e-3, max: 1 }),
    maxBins: optional("maxBins", { min: 2, max: 255, integer: true }),
    huberDelta: optional("huberDelta", { min: 1e-12 }),
    seed: spec.seed,
  };
  if (p.growPolicy !== undefined) params.growPolicy = choiceParam(p, "growPolicy", GROW_POLICIES, "depthwise");
  for (const key of Object.keys(params) as (keyof GbdtParams)[]) if (params[key] === undefined) delete params[key];
  return params;
}

/** A seeded split of `rows` into fitting and validation rows (the validation share at the end of the order). */
function validationSplit(rows: Int32Array, seed: number): { fit: Int32Array; valid: Int32Array } {
  const held = rows.length >= 20 ? Math.max(1, Math.round(rows.length * VALIDATION_SHARE)) : 0;
  const order = new Rng(seed ^ 0x5bd1e995).permutation(rows.length);
  const shuffled = Int32Array.from(order, (i) => rows[i] as number);
  return { fit: shuffled.subarray(0, rows.length - held), valid: shuffled.subarray(rows.length - held) };
}

function labelledRows(n: number, keep: (i: number) => boolean): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (keep(i)) out.push(i);
  return Int32Array.from(out);
}

function rowsOf(X: FeatureMatrix, rows: Int32Array): GbdtMatrix {
  const data = new Float64Array(rows.length * X.cols);
  for (let r = 0; r < rows.length; r++) {
    const from = (rows[r] as number) * X.cols;
    data.set(X.data.subarray(from, from + X.cols), r * X.cols);
  }
  return { rows: rows.length, cols: X.cols, data };
}

export const gbdtTabularFamily = {
  fit(train: Frame, spec: TrainSpec): FittedModel {
    const signature: Signature = { task: spec.task, target: spec.target, inputs: spec.features };
    if (spec.features.length === 0) {
      throw new SlipwayError("SLP_TRAIN_FAILED", "gbdt needs at least one feature column", [
        { field: "features", reason: "empty" },
      ]);
    }
    let y: Float64Array;
    let rows: Int32Array;
    let classes: string[] | undefined;
    const params = gbdtParams(spec);
    if (spec.task === "regression") {
      const target = numericColumn(train, spec.target);
      rows = labelledRows(target.length, (i) => Number.isFinite(target[i]));
      y = target;
      params.objective = choiceParam(spec.params, "objective", REGRESSION_OBJECTIVES, "squared_error");
    } else {
      const labels = encodeLabels(train, spec.target);
      if (labels.classes.length < 2) {
        throw new SlipwayError("SLP_TRAIN_FAILED", `classification needs at least two classes in ${spec.target}`, [
          { field: spec.target, reason: `found ${labels.classes.length} class` },
        ]);
      }
      classes = labels.classes;
      rows = labelledRows(labels.y.length, (i) => (labels.y[i] as number) >= 0);
      y = Float64Array.from(labels.y);
      params.objective = classes.length === 2 ? "logistic" : "softmax";
      if (classes.length > 2) params.numClass = classes.length;
    }
    const frame = takeRows(train, rows);
    const { pipeline, categorical } = featurePipeline(spec, frame);
    const X = treeInputs(pipeline.transform(frame), categorical);
    const target = Float64Array.from(rows, (i) => y[i] as number);
    params.categoricalFeatures = categorical;
    const split = validationSplit(
      Int32Array.from({ length: rows.length }, (_, i) => i),
      spec.seed,
    );
    const pick = (idx: Int32Array) => Float64Array.from(idx, (i) => target[i] as number);
    const early = split.valid.length > 0 && params.earlyStoppingRounds !== 0;
    const model = early
      ? trainGbdt(rowsOf(X, split.fit), pick(split.fit), params, {
          validation: { X: rowsOf(X, split.valid), y: pick(split.valid) },
        })
      : trainGbdt(X, target, { ...params, earlyStoppingRounds: 0 });
    const state = model.toJSON();
    const json: GbdtTabularJson = { features: pipeline.toJSON(), categorical, gbdt: state.json };
    const blobs: Record<string, Float64Array> = { ...state.blobs };
    if (spec.task === "regression" && split.valid.length > 0) {
      const valid = rowsOf(X, split.valid);
      const calibration = ConformalCalibration.fromResiduals(pick(split.valid), model.predict(valid));
      blobs["conformal.scores"] = calibration.scores;
      json.calibrationRows = calibration.size;
    }
    return new GbdtTabular(classes ? { ...signature, classes } : signature, json, blobs);
  },
  load(state: ModelState, signature: Signature): FittedModel {
    return new GbdtTabular(signature, state.json as unknown as GbdtTabularJson, state.blobs);
  },
};
