import { type Frame, invalidInput, numericColumn, SlipwayError, takeRows } from "../../core/index.js";
import {
  type EncodedMatrix,
  encodeFrame,
  encodeRecords,
  fitTabularEncoder,
  type TabularEncoderState,
} from "../../features/index.js";
import type { ConformalCalibration } from "../../ml/conformal/index.js";
import {
  ElasticNet,
  type ElasticNetState,
  fitFeatureScaling,
  fitLogisticCV,
  LogisticRegression,
  type LogisticState,
} from "../../ml/linear/index.js";
import { RidgeRegression, type RidgeState } from "../../ml/linear/ridge.js";
import { Rng } from "../../ml/random.js";
import type {
  Explanation,
  FitOptions,
  FittedModel,
  ModelState,
  Prediction,
  Signature,
  TrainSpec,
} from "../estimator.js";
import { encodeLabels } from "../labels.js";
import { conformalPredictions, storedCalibration } from "./conformal-interval.js";
import { classPredictions, notForecast, numberParam } from "./family-helpers.js";
import { fitPenalisedRegression, type Penalty, penaltyParam, type RegressionIntervals } from "./linear-regression.js";
import { coefficientsOnBothScales, type LinearOutput, linearExplanations } from "./linear-terms.js";

/**
 * Linear models on standardised, one-hot encoded features. Regression: least squares with a ridge (default), lasso
 * or elastic-net penalty, and a conformal interval from residuals of rows each fit had not seen (leave-one-out for
 * ridge, out-of-fold for the others; see linear-regression.ts). Classes: L2-penalised logistic regression, `C`
 * chosen by cross-validation on small data (see {@link CHOOSE_C_BELOW_ROWS}). Both penalties act on the encoded
 * columns standardised once more, as scikit-learn's after a `StandardScaler`.
 *
 * Bundles written before the penalty, the conformal intervals and the explanations existed hold only `encoder` and
 * `ridge` or `logistic`: they load and predict as they did (OLS intervals), and such a logistic model cannot explain
 * (the means its explanations start from were not kept).
 */
interface LinearTabularJson {
  encoder: TabularEncoderState;
  ridge?: RidgeState;
  elasticNet?: ElasticNetState;
  logistic?: LogisticState;
  /** Absent in bundles written before the parameter: ridge. */
  penalty?: Penalty;
  /** Means of the encoded training columns, where explanations start from; absent in older bundles. */
  encodedMeans?: number[];
  /** How the conformity scores (the conformal scores blob) were made; absent in older bundles (OLS intervals). */
  intervals?: RegressionIntervals;
  /** Classification: how C was set; absent in bundles written before C was chosen (given or 1). */
  C?: "cross-validation" | "given" | "default" | "replayed";
}

class LinearTabular implements FittedModel {
  readonly family = "linear" as const;
  /** Present when the model can explain itself (every model fitted by this build; not an old logistic bundle). */
  readonly explain?: (records: Record<string, unknown>[], pointerPrefix?: string) => Explanation[];
  readonly explanationScale?: Explanation["scale"];
  private readonly ridge?: RidgeRegression;
  private readonly elasticNet?: ElasticNet;
  private readonly logistic?: LogisticRegression;
  private readonly calibration: ConformalCalibration | null;

  constructor(
    readonly signature: Signature,
    private readonly json: LinearTabularJson,
    private readonly blobs: Record<string, Float64Array>,
    readonly heldOutPredictions?: Float64Array,
  ) {
    if (json.ridge) this.ridge = RidgeRegression.fromJSON(json.ridge);
    if (json.elasticNet) this.elasticNet = ElasticNet.fromJSON(json.elasticNet);
    if (json.logistic) this.logistic = LogisticRegression.fromJSON(json.logistic);
    this.calibration = storedCalibration(blobs);
    if (this.elasticNet && !this.calibration)
      throw new SlipwayError("SLP_INTERNAL", "a linear elastic-net bundle has no conformal scores");
    const means = json.encodedMeans ?? json.ridge?.featureMeans ?? json.elasticNet?.featureMeans;
    if (means) {
      this.explanationScale = this.logistic ? "log-odds" : "value";
      this.explain = (records, pointerPrefix = "/instances") =>
        linearExplanations(
          json.encoder,
          encodeRecords(json.encoder, records, pointerPrefix),
          means,
          this.outputs(),
          this.logistic ? "log-odds" : "value",
        );
    }
  }

  /** Each raw output with its name: `value`; the second class's log-odds (binary); every class (softmax). */
  private outputs(): { label: string; output: LinearOutput }[] {
    const point = this.ridge ?? this.elasticNet;
    if (point) return [{ label: "value", output: { intercept: point.intercept, weights: point.coefficients } }];
    const model = this.logistic as LogisticRegression;
    const classes = this.signature.classes as string[];
    const p = model.featureCount;
    const blocks = model.intercepts.length;
    return Array.from({ length: blocks }, (_, k) => ({
      label: (blocks === 1 ? classes[1] : classes[k]) as string,
      output: { intercept: model.intercepts[k] as number, weights: model.coefficients.subarray(k * p, (k + 1) * p) },
    }));
  }

  predictMatrix(X: EncodedMatrix, level: number): Prediction[] {
    if (this.elasticNet || this.calibration) {
      const values = (this.ridge ?? (this.elasticNet as ElasticNet)).predict(X);
      return conformalPredictions(values, this.calibration as ConformalCalibration, level);
    }
    if (this.ridge) {
      const pi = this.ridge.predictInterval(X, level);
      return Array.from(pi.mean, (value, i) => ({ value, lower: pi.lower[i] as number, upper: pi.upper[i] as number }));
    }
    const classes = this.signature.classes as string[];
    const k = classes.length;
    const p = (this.logistic as LogisticRegression).predictProba(X);
    return classPredictions(classes, X.rows, (i, c) => p[i * k + c] as number);
  }

  predict(records: Record<string, unknown>[], level: number, pointerPrefix = "/instances"): Prediction[] {
    return this.predictMatrix(encodeRecords(this.json.encoder, records, pointerPrefix), level);
  }

  forecast(): never {
    return notForecast(this.signature);
  }

  forecastAt(): never {
    return notForecast(this.signature);
  }

  describe(): Record<string, unknown> {
    const encoder = this.json.encoder;
    const penalty = this.json.penalty ?? "ridge";
    if (this.ridge || this.elasticNet) {
      const model = (this.ridge ?? this.elasticNet) as RidgeRegression | ElasticNet;
      const scales = this.ridge ? this.ridge.featureScales : (this.elasticNet as ElasticNet).featureScales;
      const output: LinearOutput = { intercept: model.intercept, weights: model.coefficients };
      const terms = coefficientsOnBothScales(encoder, output, scales);
      return {
        penalty,
        alpha: model.alpha,
        ...(this.elasticNet
          ? {
              l1Ratio: this.elasticNet.l1Ratio,
              nonZero: this.elasticNet.coefficients.filter((w) => w !== 0).length,
            }
          : {}),
        ...terms,
        ...(this.ridge ? { residualStd: Math.sqrt(this.ridge.residualVariance) } : {}),
        intervals: this.json.intervals ?? { method: "ols" },
      };
    }
    const model = this.logistic as LogisticRegression;
    const perClass = this.outputs().map(({ label, output }) => [
      label,
      coefficientsOnBothScales(encoder, output, model.featureScales),
    ]);
    return {
      penalty,
      C: model.C,
      ...(this.json.C ? { CSetBy: this.json.C } : {}),
      classes: this.signature.classes,
      outputs: Object.fromEntries(perClass),
    };
  }

  state(): ModelState {
    return { json: { ...this.json } as unknown as Record<string, unknown>, blobs: this.blobs };
  }
}

function labelledRows(n: number, keep: (i: number) => boolean): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (keep(i)) out.push(i);
  return Int32Array.from(out);
}

function encodedMeansOf(X: EncodedMatrix): number[] {
  return Array.from(fitFeatureScaling(X).means);
}

/**
 * Below this many labelled rows a classifier's `C`, when not given, is chosen by cross-validation. The penalty's
 * weight against the likelihood is 1/(C·n), so the choice matters most on few rows — where C = 1 may be far too
 * strong (well-separated classes) or too weak — and the 13 × 5 extra fits are cheap there; past it the default
 * C = 1 is kept.
 */
const CHOOSE_C_BELOW_ROWS = 1_000;
/** Folds of that cross-validation. */
const C_FOLDS = 5;

function fitClassifier(
  train: Frame,
  spec: TrainSpec,
  names: string[],
  signature: Signature,
  previous?: LogisticState,
): LinearTabular {
  const penalty = penaltyParam(spec.params);
  if (penalty !== "ridge") {
    throw invalidInput(`penalty ${penalty} is for regression; classification uses an L2 penalty`, [
      { field: "/params/penalty", reason: "ridge only, for binary and multiclass" },
    ]);
  }
  const labels = encodeLabels(train, spec.target);
  if (labels.classes.length < 2) {
    throw new SlipwayError("SLP_TRAIN_FAILED", `classification needs at least two classes in ${spec.target}`, [
      { field: spec.target, reason: `found ${labels.classes.length} class` },
    ]);
  }
  const rows = labelledRows(labels.y.length, (i) => (labels.y[i] as number) >= 0);
  const frame = takeRows(train, rows);
  const encoder = fitTabularEncoder(frame, names);
  const given = numberParam(spec.params, "C", { min: 1e-12, optional: true });
  const y = Int32Array.from(rows, (i) => labels.y[i] as number);
  const X = encodeFrame(encoder, frame);
  const classCount = labels.classes.length;
  let logistic: LogisticRegression;
  let how: LinearTabularJson["C"];
  if (previous || given !== undefined || rows.length >= CHOOSE_C_BELOW_ROWS || rows.length < C_FOLDS) {
    logistic = LogisticRegression.fit(X, y, {
      C: previous?.C ?? given ?? 1,
      classCount,
      standardise: previous ? (previous.standardise ?? false) : true,
    });
    how = previous ? "replayed" : given !== undefined ? "given" : "default";
  } else {
    logistic = fitLogisticCV(X, y, { classCount, standardise: true, folds: C_FOLDS, rng: new Rng(spec.seed) }).model;
    how = "cross-validation";
  }
  return new LinearTabular(
    { ...signature, classes: labels.classes },
    { encoder, penalty, logistic: logistic.toJSON(), encodedMeans: encodedMeansOf(X), C: how },
    {},
  );
}

export const linearTabularFamily = {
  fit(train: Frame, spec: TrainSpec, options: FitOptions = {}): FittedModel {
    const names = spec.features.map((f) => f.name);
    const signature: Signature = { task: spec.task, target: spec.target, inputs: spec.features };
    const previous = options.hyperparametersFrom?.json as LinearTabularJson | undefined;
    if (spec.task !== "regression") return fitClassifier(train, spec, names, signature, previous?.logistic);
    const target = numericColumn(train, spec.target);
    const rows = labelledRows(target.length, (i) => Number.isFinite(target[i]));
    const frame = takeRows(train, rows);
    const encoder = fitTabularEncoder(frame, names);
    const X = encodeFrame(encoder, frame);
    const fitted = fitPenalisedRegression(X, numericColumn(frame, spec.target), spec, {
      ...(previous?.ridge ? { ridge: previous.ridge } : {}),
      ...(previous?.elasticNet ? { elasticNet: previous.elasticNet } : {}),
    });
    const json: LinearTabularJson = {
      encoder,
      penalty: fitted.penalty,
      ...(fitted.ridge ? { ridge: fitted.ridge.toJSON() } : {}),
      ...(fitted.elasticNet ? { elasticNet: fitted.elasticNet.toJSON() } : {}),
      encodedMeans: encodedMeansOf(X),
      intervals: fitted.intervals,
    };
    // Each labelled row's leave-one-out (or out-of-fold) prediction, placed at its row of `train`.
    const heldOut = new Float64Array(train.rowCount).fill(Number.NaN);
    rows.forEach((row, i) => {
      heldOut[row] = fitted.heldOut[i] as number;
    });
    return new LinearTabular(signature, json, fitted.blobs, heldOut);
  },
  load(state: ModelState, signature: Signature): FittedModel {
    return new LinearTabular(signature, state.json as unknown as LinearTabularJson, state.blobs);
  },
};
