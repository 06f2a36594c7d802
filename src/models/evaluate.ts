import { type Frame, numericColumn, type Task } from "../core/index.js";
import { accuracy, coverage, logLoss, macroF1, mae, meanWidth, r2, rmse, rocAuc } from "../ml/metrics.js";
import type { ClassPrediction, FittedModel, RegressionPrediction, TrainSpec } from "./estimator.js";
import { encodeLabels } from "./labels.js";

/** Rows of a frame as records (what a prediction request carries), times as ISO strings. */
export function frameRecords(frame: Frame): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = Array.from({ length: frame.rowCount }, () => ({}));
  for (const [name, col] of frame.columns) {
    for (let i = 0; i < frame.rowCount; i++) {
      const v = col.values[i];
      const row = out[i] as Record<string, unknown>;
      if (col.kind === "string") row[name] = v ?? null;
      else if (!Number.isFinite(v as number)) row[name] = null;
      else row[name] = col.kind === "time" ? new Date(v as number).toISOString() : v;
    }
  }
  return out;
}

/**
 * Scores a fitted model on held-out rows. Regression and forecast: rmse, mae, r2, coverage95 (share of actuals
 * inside the 95% interval), width95; binary: accuracy, logloss, auc; multiclass: accuracy, logloss, macroF1.
 */
export function evaluateModel(model: FittedModel, test: Frame, spec: TrainSpec): Record<string, number> {
  const task: Task = spec.task;
  if (task === "forecast" || task === "regression") {
    const actualAll = numericColumn(test, spec.target);
    const keep = Array.from({ length: test.rowCount }, (_, i) => i).filter((i) => Number.isFinite(actualAll[i]));
    const actual = Float64Array.from(keep, (i) => actualAll[i]);
    let mean: Float64Array;
    let lower: Float64Array;
    let upper: Float64Array;
    if (task === "forecast") {
      const times = numericColumn(test, spec.timeColumn as string);
      const rows = model.forecastAt(
        Float64Array.from(keep, (i) => times[i]),
        0.95,
      );
      mean = Float64Array.from(rows, (r) => r.mean);
      lower = Float64Array.from(rows, (r) => r.lower);
      upper = Float64Array.from(rows, (r) => r.upper);
    } else {
      const records = frameRecords(test);
      const preds = model.predict(
        keep.map((i) => records[i] as Record<string, unknown>),
        0.95,
      ) as RegressionPrediction[];
      mean = Float64Array.from(preds, (p) => p.value);
      lower = Float64Array.from(preds, (p) => p.lower);
      upper = Float64Array.from(preds, (p) => p.upper);
    }
    return {
      rmse: rmse(actual, mean),
      mae: mae(actual, mean),
      r2: r2(actual, mean),
      coverage95: coverage(actual, lower, upper),
      width95: meanWidth(lower, upper),
      n: actual.length,
    };
  }
  const classes = model.signature.classes as string[];
  const labels = encodeLabels(test, spec.target, classes);
  const keep = Array.from({ length: test.rowCount }, (_, i) => i).filter((i) => labels.y[i] >= 0);
  const records = frameRecords(test);
  const preds = model.predict(
    keep.map((i) => records[i] as Record<string, unknown>),
    0.95,
  ) as ClassPrediction[];
  const k = classes.length;
  const y = Int32Array.from(keep, (i) => labels.y[i]);
  const proba = new Float64Array(keep.length * k);
  const predicted = new Int32Array(keep.length);
  preds.forEach((p, i) => {
    classes.forEach((c, j) => {
      proba[i * k + j] = p.probabilities[c] ?? 0;
    });
    predicted[i] = classes.indexOf(p.label);
  });
  const metrics: Record<string, number> = {
    accuracy: accuracy(y, predicted),
    logloss: logLoss(y, proba),
    n: keep.length,
  };
  if (task === "binary")
    metrics.auc = rocAuc(
      y,
      Float64Array.from(keep, (_, i) => proba[i * k + 1]),
    );
  else metrics.macroF1 = macroF1(y, predicted);
  return metrics;
}

/** The metric that ranks candidates (lower is better) and gates releases. */
export function primaryMetric(task: Task): "rmse" | "logloss" {
  return task === "forecast" || task === "regression" ? "rmse" : "logloss";
}
