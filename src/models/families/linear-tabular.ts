import { type Frame, numericColumn, SlipwayError, takeRows } from "../../core/index.js";
import {
  type EncodedMatrix,
  encodedFeatureNames,
  encodeFrame,
  encodeRecords,
  fitTabularEncoder,
  type TabularEncoderState,
} from "../../features/index.js";
import { LogisticRegression, type LogisticState } from "../../ml/linear/logistic.js";
import { RidgeRegression, type RidgeState } from "../../ml/linear/ridge.js";
import type { FittedModel, ModelState, Prediction, Signature, TrainSpec } from "../estimator.js";
import { encodeLabels } from "../labels.js";
import { notForecast, numberParam } from "./family-helpers.js";

/**
 * Linear models on standardised, one-hot encoded features: least squares (with a small ridge penalty, `alpha`)
 * and its analytic prediction interval for regression; L2-penalised logistic regression (`C`) for classes.
 */
interface LinearTabularJson {
  encoder: TabularEncoderState;
  ridge?: RidgeState;
  logistic?: LogisticState;
}

class LinearTabular implements FittedModel {
  readonly family = "linear" as const;
  private readonly ridge?: RidgeRegression;
  private readonly logistic?: LogisticRegression;

  constructor(
    readonly signature: Signature,
    private readonly json: LinearTabularJson,
  ) {
    if (json.ridge) this.ridge = RidgeRegression.fromJSON(json.ridge);
    if (json.logistic) this.logistic = LogisticRegression.fromJSON(json.logistic);
  }

  predictMatrix(X: EncodedMatrix, level: number): Prediction[] {
    if (this.ridge) {
      const pi = this.ridge.predictInterval(X, level);
      return Array.from(pi.mean, (value, i) => ({ value, lower: pi.lower[i], upper: pi.upper[i] }));
    }
    const model = this.logistic as LogisticRegression;
    const classes = this.signature.classes as string[];
    const k = classes.length;
    const p = model.predictProba(X);
    const out: Prediction[] = new Array(X.rows);
    for (let i = 0; i < X.rows; i++) {
      let best = 0;
      const probabilities: Record<string, number> = {};
      for (let c = 0; c < k; c++) {
        probabilities[classes[c]] = p[i * k + c];
        if (p[i * k + c] > p[i * k + best]) best = c;
      }
      out[i] = { label: classes[best], probabilities };
    }
    return out;
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
    const names = encodedFeatureNames(this.json.encoder);
    if (this.ridge) {
      return {
        intercept: this.ridge.intercept,
        coefficients: Object.fromEntries(names.map((n, i) => [n, this.ridge?.coefficients[i]])),
        residualStd: Math.sqrt(this.ridge.residualVariance),
      };
    }
    return { features: names, classes: this.signature.classes, C: this.logistic?.C };
  }

  state(): ModelState {
    return { json: { ...this.json }, blobs: {} };
  }
}

export const linearTabularFamily = {
  fit(train: Frame, spec: TrainSpec): FittedModel {
    const names = spec.features.map((f) => f.name);
    const signature: Signature = { task: spec.task, target: spec.target, inputs: spec.features };
    if (spec.task === "regression") {
      const y = numericColumn(train, spec.target);
      const rows = labelledRows(y.length, (i) => Number.isFinite(y[i]));
      const frame = takeRows(train, rows);
      const encoder = fitTabularEncoder(frame, names);
      const alpha = numberParam(spec.params, "alpha", { min: 0, default: 1e-6 });
      const ridge = RidgeRegression.fit(encodeFrame(encoder, frame), numericColumn(frame, spec.target), { alpha });
      return new LinearTabular(signature, { encoder, ridge: ridge.toJSON() });
    }
    const labels = encodeLabels(train, spec.target);
    if (labels.classes.length < 2) {
      throw new SlipwayError("SLP_TRAIN_FAILED", `classification needs at least two classes in ${spec.target}`, [
        { field: spec.target, reason: `found ${labels.classes.length} class` },
      ]);
    }
    const rows = labelledRows(labels.y.length, (i) => labels.y[i] >= 0);
    const frame = takeRows(train, rows);
    const encoder = fitTabularEncoder(frame, names);
    const C = numberParam(spec.params, "C", { min: 1e-12, default: 1 });
    const y = Int32Array.from(rows, (i) => labels.y[i]);
    const logistic = LogisticRegression.fit(encodeFrame(encoder, frame), y, { C, classCount: labels.classes.length });
    return new LinearTabular({ ...signature, classes: labels.classes }, { encoder, logistic: logistic.toJSON() });
  },
  load(state: ModelState, signature: Signature): FittedModel {
    return new LinearTabular(signature, state.json as unknown as LinearTabularJson);
  },
};

function labelledRows(n: number, keep: (i: number) => boolean): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (keep(i)) out.push(i);
  return Int32Array.from(out);
}
