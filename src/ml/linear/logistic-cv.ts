import { SlipwayError } from "../../core/errors.js";
import type { Rng } from "../random.js";
import { type LogisticOptions, LogisticRegression } from "./logistic.js";
import { checkDesign, type FeatureMatrix, takeRows } from "./normal-equations.js";

/** Options of {@link fitLogisticCV}: the logistic options less C, which is chosen. */
export interface LogisticCVOptions extends Omit<LogisticOptions, "C"> {
  /** Candidate inverse penalties, each > 0. Default {@link LOGISTIC_CS}. */
  Cs?: Float64Array;
  /** Number of folds, 2 ≤ k. Default 5. */
  folds?: number;
  /** Shuffles each class's rows into folds; the same seed gives the same folds. */
  rng: Rng;
}

export interface LogisticCVResult {
  /** Refitted on all rows at the chosen C. */
  model: LogisticRegression;
  C: number;
  Cs: Float64Array;
  /** Log loss of the out-of-fold probabilities, pooled over all rows, at each C. */
  logLoss: Float64Array;
  /** The fold of each row (0 … k − 1). */
  folds: Int32Array;
}

/** 10⁻³ … 10³, two values a decade: the ridge grid read as C = 1/α. */
export const LOGISTIC_CS = Float64Array.from({ length: 13 }, (_, i) => 10 ** (-3 + i / 2));

/** Probabilities are clipped to [ε, 1 − ε] before the log, as the metrics module scores them. */
const EPS = 1e-15;

/**
 * Chooses C by stratified k-fold cross-validation on the log loss of the held-out rows' probabilities (as
 * scikit-learn's `LogisticRegressionCV` with `scoring="neg_log_loss"`), then refits on every row at that C. Each
 * class's rows, in a seeded shuffle, are dealt round-robin over the folds, so every fold holds every class in
 * about its share. On a tie the earlier C in `Cs` wins (the stronger penalty on the default ascending grid).
 */
export function fitLogisticCV(X: FeatureMatrix, y: Int32Array, options: LogisticCVOptions): LogisticCVResult {
  checkDesign(X, y.length);
  const n = X.rows;
  const k = options.folds ?? 5;
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`folds must be an integer ≥ 2, got ${k}`);
  if (n < k)
    throw new SlipwayError("SLP_TRAIN_FAILED", `${k}-fold cross-validation needs at least ${k} rows, got ${n}`);
  const Cs = options.Cs ?? LOGISTIC_CS;
  if (Cs.length === 0) throw new RangeError("at least one C is needed");
  let classCount = options.classCount ?? 0;
  for (let i = 0; i < n; i++) classCount = Math.max(classCount, y[i] + 1);
  classCount = Math.max(2, classCount);
  const folds = stratifiedFolds(y, k, options.rng);
  const { Cs: _grid, folds: _folds, rng: _rng, ...rest } = options;
  const fitOptions: LogisticOptions = { ...rest, classCount };

  const logLoss = new Float64Array(Cs.length);
  for (let f = 0; f < k; f++) {
    const train = rowsWhere(folds, (g) => g !== f);
    const test = rowsWhere(folds, (g) => g === f);
    if (test.length === 0) continue;
    const trainY = Int32Array.from(train, (i) => y[i]);
    // A fold whose training rows hold one class only cannot fit; it then scores every C alike, at chance.
    const distinct = new Set(trainY).size;
    const testX = takeRows(X, test);
    for (let c = 0; c < Cs.length; c++) {
      if (distinct < 2) {
        logLoss[c] += test.length * Math.log(classCount);
        continue;
      }
      const model = LogisticRegression.fit(takeRows(X, train), trainY, { ...fitOptions, C: Cs[c] });
      const proba = model.predictProba(testX);
      for (let r = 0; r < test.length; r++) {
        const p = proba[r * classCount + y[test[r]]];
        logLoss[c] -= Math.log(Math.min(Math.max(p, EPS), 1 - EPS));
      }
    }
  }
  let best = 0;
  for (let c = 0; c < Cs.length; c++) {
    logLoss[c] /= n;
    if (logLoss[c] < logLoss[best]) best = c;
  }
  const C = Cs[best];
  return { model: LogisticRegression.fit(X, y, { ...fitOptions, C }), C, Cs, logLoss, folds };
}

/**
 * Each class's rows in shuffled order, dealt round-robin over the k folds, one class after another (the sort is
 * stable, so within a class the shuffle's order stands).
 */
function stratifiedFolds(y: Int32Array, k: number, rng: Rng): Int32Array {
  const perm = rng.permutation(y.length);
  const order = Array.from(perm).sort((a, b) => y[a] - y[b]);
  const folds = new Int32Array(y.length);
  order.forEach((row, i) => {
    folds[row] = i % k;
  });
  return folds;
}

function rowsWhere(folds: Int32Array, keep: (fold: number) => boolean): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < folds.length; i++) if (keep(folds[i])) out.push(i);
  return Int32Array.from(out);
}
