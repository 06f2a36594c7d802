/**
 * Evaluation metrics on typed arrays, with scikit-learn's definitions and edge cases unless noted. Every metric
 * returns NaN on empty input and throws a RangeError when paired arrays differ in length.
 */

function checkPaired(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new RangeError(`arrays differ in length: ${a.length} vs ${b.length}`);
}

/** Root mean squared error √(Σ(y − ŷ)²/n). */
export function rmse(actual: Float64Array, predicted: Float64Array): number {
  checkPaired(actual, predicted);
  if (actual.length === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < actual.length; i++) {
    const r = actual[i] - predicted[i];
    s += r * r;
  }
  return Math.sqrt(s / actual.length);
}

/** Mean absolute error Σ|y − ŷ|/n. */
export function mae(actual: Float64Array, predicted: Float64Array): number {
  checkPaired(actual, predicted);
  if (actual.length === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < actual.length; i++) s += Math.abs(actual[i] - predicted[i]);
  return s / actual.length;
}

/**
 * Coefficient of determination 1 − SS_res/SS_tot. A constant target (SS_tot = 0) gives 1 for a perfect fit and
 * 0 otherwise, as scikit-learn's `force_finite`.
 */
export function r2(actual: Float64Array, predicted: Float64Array): number {
  checkPaired(actual, predicted);
  const n = actual.length;
  if (n === 0) return Number.NaN;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += actual[i];
  mean /= n;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < n; i++) {
    const r = actual[i] - predicted[i];
    const d = actual[i] - mean;
    ssRes += r * r;
    ssTot += d * d;
  }
  if (ssTot === 0) return ssRes === 0 ? 1 : 0;
  return 1 - ssRes / ssTot;
}

/**
 * Mean absolute percentage error as a fraction (0.1 = 10%): Σ|y − ŷ| / max(|y|, ε) / n with ε the machine
 * epsilon, as scikit-learn, so a zero actual gives a huge but finite term rather than Infinity.
 */
export function mape(actual: Float64Array, predicted: Float64Array): number {
  checkPaired(actual, predicted);
  if (actual.length === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < actual.length; i++)
    s += Math.abs(actual[i] - predicted[i]) / Math.max(Math.abs(actual[i]), Number.EPSILON);
  return s / actual.length;
}

/** Share of actuals inside their closed interval [lower, upper]. */
export function coverage(actual: Float64Array, lower: Float64Array, upper: Float64Array): number {
  checkPaired(actual, lower);
  checkPaired(actual, upper);
  if (actual.length === 0) return Number.NaN;
  let inside = 0;
  for (let i = 0; i < actual.length; i++) if (actual[i] >= lower[i] && actual[i] <= upper[i]) inside++;
  return inside / actual.length;
}

/** Mean interval width Σ(upper − lower)/n. */
export function meanWidth(lower: Float64Array, upper: Float64Array): number {
  checkPaired(lower, upper);
  if (lower.length === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < lower.length; i++) s += upper[i] - lower[i];
  return s / lower.length;
}

/** Share of labels predicted exactly. */
export function accuracy(actual: Int32Array, predicted: Int32Array): number {
  checkPaired(actual, predicted);
  if (actual.length === 0) return Number.NaN;
  let hits = 0;
  for (let i = 0; i < actual.length; i++) if (actual[i] === predicted[i]) hits++;
  return hits / actual.length;
}

const LOG_LOSS_EPS = 1e-15;

/**
 * Mean negative log-likelihood −Σ log p(yᵢ)/n, each probability clipped to [1e-15, 1 − 1e-15] so one confident
 * mistake costs about 34.5 rather than Infinity. `probabilities` is either n values of P(y = 1) for binary labels,
 * or an n × K row-major matrix (K = length / n) for labels in [0, K).
 */
export function logLoss(actual: Int32Array, probabilities: Float64Array): number {
  const n = actual.length;
  if (n === 0) return Number.NaN;
  if (probabilities.length % n !== 0)
    throw new RangeError(`${probabilities.length} probabilities do not form rows for ${n} labels`);
  const K = probabilities.length / n;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const label = actual[i];
    let p: number;
    if (K === 1) {
      if (label !== 0 && label !== 1) throw new RangeError(`binary log loss got label ${label}`);
      p = label === 1 ? probabilities[i] : 1 - probabilities[i];
    } else {
      if (label < 0 || label >= K) throw new RangeError(`label ${label} is outside [0, ${K})`);
      p = probabilities[i * K + label];
    }
    s -= Math.log(Math.min(Math.max(p, LOG_LOSS_EPS), 1 - LOG_LOSS_EPS));
  }
  return s / n;
}

/**
 * Area under the ROC curve for binary labels (1 = positive) by the Mann–Whitney statistic:
 * AUC = (R₊ − n₊(n₊ + 1)/2) / (n₊ n₋), R₊ the sum of the positives' ranks, tied scores sharing their average rank
 * (which counts a tied positive–negative pair as ½). NaN when only one class is present or a score is NaN.
 */
export function rocAuc(actual: Int32Array, scores: Float64Array): number {
  checkPaired(actual, scores);
  const n = actual.length;
  let positives = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i])) return Number.NaN;
    if (actual[i] === 1) positives++;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[a] - scores[b]);
  let rankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && scores[order[end]] === scores[order[start]]) end++;
    // Ranks start..end−1 (1-based start+1..end) share their mean.
    const averageRank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) if (actual[order[k]] === 1) rankSum += averageRank;
    start = end;
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Unweighted mean over classes of F1 = 2TP / (2TP + FP + FN), the classes being the labels that occur in either
 * array (scikit-learn's default `labels`), so no class has an empty denominator. Labels are non-negative integers.
 */
export function macroF1(actual: Int32Array, predicted: Int32Array): number {
  checkPaired(actual, predicted);
  const n = actual.length;
  if (n === 0) return Number.NaN;
  let maxLabel = 0;
  for (let i = 0; i < n; i++) {
    if (actual[i] < 0 || predicted[i] < 0) throw new RangeError(`labels must be non-negative, row ${i}`);
    maxLabel = Math.max(maxLabel, actual[i], predicted[i]);
  }
  const truePositives = new Float64Array(maxLabel + 1);
  const actualCounts = new Float64Array(maxLabel + 1);
  const predictedCounts = new Float64Array(maxLabel + 1);
  for (let i = 0; i < n; i++) {
    actualCounts[actual[i]]++;
    predictedCounts[predicted[i]]++;
    if (actual[i] === predicted[i]) truePositives[actual[i]]++;
  }
  let sum = 0;
  let classes = 0;
  for (let k = 0; k <= maxLabel; k++) {
    // 2TP + FP + FN = (TP + FP) + (TP + FN) = predicted count + actual count.
    const denominator = actualCounts[k] + predictedCounts[k];
    if (denominator === 0) continue;
    sum += (2 * truePositives[k]) / denominator;
    classes++;
  }
  return sum / classes;
}
