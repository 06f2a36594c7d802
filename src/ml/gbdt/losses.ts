/**
 * Boosting objectives: per-row loss of raw scores f, its first and second derivatives in f, the constant model
 * the boosting starts from, and the map from raw scores to predictions. Derivatives follow scikit-learn's
 * `_loss` module (half squared error, half Poisson deviance, binomial and multinomial cross-entropy, pinball).
 *
 * Layouts: `raw` and predictions are row-major n × K (K = `outputs`); gradients and hessians are class-major
 * (`grad[k * n + i]`) so the trees of class k read one contiguous block.
 */
import { invalidInput } from "../../core/index.js";

/** The objectives `trainGbdt` accepts. */
export type GbdtObjective =
  | "squared_error"
  | "absolute_error"
  | "huber"
  | "poisson"
  | "logistic"
  | "softmax"
  | "quantile";

/** One objective. */
export interface Loss {
  readonly objective: GbdtObjective;
  /** Raw scores per row. */
  readonly outputs: number;
  /** The hessian when it is the same for every row (then histograms skip summing it), else 0. */
  readonly constantHessian: number;
  /**
   * When set, leaves are refitted after growing to this quantile of the residuals y − f of their rows (the
   * gradient only picks the splits): the Newton step of a piecewise-linear loss is meaningless (scikit-learn's
   * `_update_leaves_values`).
   */
  readonly leafQuantile: number | null;
  /** Throws when y is not a valid target for the objective. */
  checkTarget(y: Float64Array): void;
  /** The best constant raw score per output. */
  baseline(y: Float64Array): Float64Array;
  /** Writes ∂ℓ/∂f and ∂²ℓ/∂f² (class-major) for every row. */
  gradients(y: Float64Array, raw: Float64Array, grad: Float64Array, hess: Float64Array): void;
  /** Mean loss over the rows. */
  meanLoss(y: Float64Array, raw: Float64Array): number;
  /** Raw scores to predictions (same layout); `out` may be `raw`. */
  transform(raw: Float64Array, out: Float64Array): void;
}

/** Parameters some objectives need. */
export interface LossOptions {
  /** Huber: |residual| beyond which the loss is linear (default 1). */
  huberDelta?: number;
  /** Quantile: the level α in (0, 1) (default 0.5). */
  quantileAlpha?: number;
  /** Softmax: number of classes K ≥ 2. */
  numClass?: number;
}

/** The loss object for an objective. */
export function createLoss(objective: GbdtObjective, options: LossOptions = {}): Loss {
  switch (objective) {
    case "squared_error":
      return squaredError;
    case "absolute_error":
      return absoluteError;
    case "huber":
      return huber(options.huberDelta ?? 1);
    case "poisson":
      return poisson;
    case "logistic":
      return logistic;
    case "softmax":
      return softmax(options.numClass ?? 0);
    case "quantile":
      return quantile(options.quantileAlpha ?? 0.5);
    default:
      throw invalidInput("unknown objective", [{ field: "objective", reason: `got ${String(objective)}` }]);
  }
}

function checkFinite(y: Float64Array): void {
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(y[i]))
      throw invalidInput("the target must be finite", [{ field: `/${i}`, reason: `${y[i]}` }]);
  }
}

/** The α-quantile of `values` with linear interpolation between order statistics; sorts `values`. */
export function quantileOf(values: Float64Array, alpha: number): number {
  const n = values.length;
  if (n === 0) return 0;
  values.sort();
  const pos = alpha * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  return values[lo] + (pos - lo) * (values[hi] - values[lo]);
}

function identity(raw: Float64Array, out: Float64Array): void {
  if (out !== raw) out.set(raw);
}

/** ℓ = ½(y − f)², g = f − y, h = 1; baseline the mean. */
const squaredError: Loss = {
  objective: "squared_error",
  outputs: 1,
  constantHessian: 1,
  leafQuantile: null,
  checkTarget: checkFinite,
  baseline(y) {
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i];
    return Float64Array.of(y.length > 0 ? s / y.length : 0);
  },
  gradients(y, raw, grad, hess) {
    for (let i = 0; i < y.length; i++) {
      grad[i] = raw[i] - y[i];
      hess[i] = 1;
    }
  },
  meanLoss(y, raw) {
    let s = 0;
    for (let i = 0; i < y.length; i++) {
      const r = raw[i] - y[i];
      s += 0.5 * r * r;
    }
    return s / y.length;
  },
  transform: identity,
};

/** ℓ = |y − f|, g = sign(f − y), h = 1 (leaves refitted to residual medians); baseline the median. */
const absoluteError: Loss = {
  objective: "absolute_error",
  outputs: 1,
  constantHessian: 1,
  leafQuantile: 0.5,
  checkTarget: checkFinite,
  baseline: (y) => Float64Array.of(quantileOf(y.slice(), 0.5)),
  gradients(y, raw, grad, hess) {
    for (let i = 0; i < y.length; i++) {
      const r = raw[i] - y[i];
      grad[i] = r > 0 ? 1 : r < 0 ? -1 : 0;
      hess[i] = 1;
    }
  },
  meanLoss(y, raw) {
    let s = 0;
    for (let i = 0; i < y.length; i++) s += Math.abs(raw[i] - y[i]);
    return s / y.length;
  },
  transform: identity,
};

/**
 * Huber: ℓ = ½r² for |r| ≤ δ, δ(|r| − ½δ) beyond (r = f − y); g = clip(r, −δ, δ). The true curvature is 1 inside
 * and 0 outside; h = 1 everywhere keeps the Newton leaf −ΣG/(n + λ) a bounded, clipped-mean step instead of
 * dividing by the few inliers of a leaf (the curvature bound of majorise–minimise). Baseline: the median, robust
 * as the loss.
 */
function huber(delta: number): Loss {
  if (!(delta > 0)) throw invalidInput("huberDelta must be positive", [{ field: "huberDelta", reason: `${delta}` }]);
  return {
    objective: "huber",
    outputs: 1,
    constantHessian: 1,
    leafQuantile: null,
    checkTarget: checkFinite,
    baseline: (y) => Float64Array.of(quantileOf(y.slice(), 0.5)),
    gradients(y, raw, grad, hess) {
      for (let i = 0; i < y.length; i++) {
        const r = raw[i] - y[i];
        grad[i] = r > delta ? delta : r < -delta ? -delta : r;
        hess[i] = 1;
      }
    },
    meanLoss(y, raw) {
      let s = 0;
      for (let i = 0; i < y.length; i++) {
        const a = Math.abs(raw[i] - y[i]);
        s += a <= delta ? 0.5 * a * a : delta * (a - 0.5 * delta);
      }
      return s / y.length;
    },
    transform: identity,
  };
}

/**
 * Poisson with log link: μ = e^f, ℓ = μ − y·f + y·log y − y (half deviance, 0 at μ = y), g = μ − y, h = μ;
 * baseline log ȳ; predictions μ.
 */
const poisson: Loss = {
  objective: "poisson",
  outputs: 1,
  constantHessian: 0,
  leafQuantile: null,
  checkTarget(y) {
    checkFinite(y);
    let s = 0;
    for (let i = 0; i < y.length; i++) {
      if (y[i] < 0)
        throw invalidInput("a Poisson target must be non-negative", [{ field: `/${i}`, reason: `${y[i]}` }]);
      s += y[i];
    }
    if (!(s > 0)) throw invalidInput("a Poisson target must not be all zero", [{ field: "y", reason: "sum is 0" }]);
  },
  baseline(y) {
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i];
    return Float64Array.of(Math.log(s / y.length));
  },
  gradients(y, raw, grad, hess) {
    for (let i = 0; i < y.length; i++) {
      const mu = Math.exp(raw[i]);
      grad[i] = mu - y[i];
      hess[i] = mu;
    }
  },
  meanLoss(y, raw) {
    let s = 0;
    for (let i = 0; i < y.length; i++) {
      const yi = y[i];
      s += Math.exp(raw[i]) - yi * raw[i] + (yi > 0 ? yi * Math.log(yi) - yi : 0);
    }
    return s / y.length;
  },
  transform(raw, out) {
    for (let i = 0; i < raw.length; i++) out[i] = Math.exp(raw[i]);
  },
};

/** σ(z) without overflow. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** Hessians below this are raised to it, so a leaf of confidently classified rows keeps a finite weight. */
const MIN_HESSIAN = 1e-16;

/**
 * Binary cross-entropy on the log-odds f: ℓ = log(1 + e^f) − y·f, g = σ(f) − y, h = σ(f)(1 − σ(f)); baseline the
 * prior's log-odds; predictions σ(f).
 */
const logistic: Loss = {
  objective: "logistic",
  outputs: 1,
  constantHessian: 0,
  leafQuantile: null,
  checkTarget(y) {
    for (let i = 0; i < y.length; i++) {
      if (y[i] !== 0 && y[i] !== 1)
        throw invalidInput("a binary target must be 0 or 1", [{ field: `/${i}`, reason: `${y[i]}` }]);
    }
  },
  baseline(y) {
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i];
    // Clipped so a single-class training set still starts finite.
    const p = Math.min(Math.max(s / y.length, 1e-12), 1 - 1e-12);
    return Float64Array.of(Math.log(p / (1 - p)));
  },
  gradients(y, raw, grad, hess) {
    for (let i = 0; i < y.length; i++) {
      const p = sigmoid(raw[i]);
      grad[i] = p - y[i];
      hess[i] = Math.max(p * (1 - p), MIN_HESSIAN);
    }
  },
  meanLoss(y, raw) {
    let s = 0;
    for (let i = 0; i < y.length; i++) {
      const z = raw[i];
      s += Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - y[i] * z;
    }
    return s / y.length;
  },
  transform(raw, out) {
    for (let i = 0; i < raw.length; i++) out[i] = sigmoid(raw[i]);
  },
};

/**
 * Multinomial cross-entropy over K raw scores: p = softmax(f), ℓ = log Σ e^{f_k} − f_y, g_k = p_k − [y = k],
 * h_k = p_k(1 − p_k) (the diagonal of the Hessian, as XGBoost and scikit-learn use); baseline the log priors.
 */
function softmax(numClass: number): Loss {
  if (!Number.isInteger(numClass) || numClass < 2) {
    throw invalidInput("softmax needs numClass ≥ 2", [{ field: "numClass", reason: `${numClass}` }]);
  }
  const K = numClass;
  return {
    objective: "softmax",
    outputs: K,
    constantHessian: 0,
    leafQuantile: null,
    checkTarget(y) {
      for (let i = 0; i < y.length; i++) {
        if (!Number.isInteger(y[i]) || y[i] < 0 || y[i] >= K) {
          throw invalidInput("class labels must be integers in [0, numClass)", [
            { field: `/${i}`, reason: `${y[i]} with numClass ${K}` },
          ]);
        }
      }
    },
    baseline(y) {
      const counts = new Float64Array(K);
      for (let i = 0; i < y.length; i++) counts[y[i]]++;
      const out = new Float64Array(K);
      for (let k = 0; k < K; k++) out[k] = Math.log(Math.max(counts[k] / y.length, 1e-12));
      return out;
    },
    gradients(y, raw, grad, hess) {
      const n = y.length;
      for (let i = 0; i < n; i++) {
        const base = i * K;
        let max = raw[base];
        for (let k = 1; k < K; k++) if (raw[base + k] > max) max = raw[base + k];
        let sum = 0;
        for (let k = 0; k < K; k++) sum += Math.exp(raw[base + k] - max);
        const label = y[i];
        for (let k = 0; k < K; k++) {
          const p = Math.exp(raw[base + k] - max) / sum;
          grad[k * n + i] = p - (k === label ? 1 : 0);
          hess[k * n + i] = Math.max(p * (1 - p), MIN_HESSIAN);
        }
      }
    },
    meanLoss(y, raw) {
      const n = y.length;
      let s = 0;
      for (let i = 0; i < n; i++) {
        const base = i * K;
        let max = raw[base];
        for (let k = 1; k < K; k++) if (raw[base + k] > max) max = raw[base + k];
        let sum = 0;
        for (let k = 0; k < K; k++) sum += Math.exp(raw[base + k] - max);
        s += Math.log(sum) + max - raw[base + y[i]];
      }
      return s / n;
    },
    transform(raw, out) {
      for (let base = 0; base < raw.length; base += K) {
        let max = raw[base];
        for (let k = 1; k < K; k++) if (raw[base + k] > max) max = raw[base + k];
        let sum = 0;
        for (let k = 0; k < K; k++) {
          const e = Math.exp(raw[base + k] - max);
          out[base + k] = e;
          sum += e;
        }
        for (let k = 0; k < K; k++) out[base + k] /= sum;
      }
    },
  };
}

/**
 * Pinball loss at level α: ℓ = α(y − f) when y ≥ f, (1 − α)(f − y) otherwise; g = 1 − α or −α, h = 1 (leaves
 * refitted to the residuals' α-quantile); baseline the α-quantile of y.
 */
function quantile(alpha: number): Loss {
  if (!(alpha > 0 && alpha < 1)) {
    throw invalidInput("quantileAlpha must lie in (0, 1)", [{ field: "quantileAlpha", reason: `${alpha}` }]);
  }
  return {
    objective: "quantile",
    outputs: 1,
    constantHessian: 1,
    leafQuantile: alpha,
    checkTarget: checkFinite,
    baseline: (y) => Float64Array.of(quantileOf(y.slice(), alpha)),
    gradients(y, raw, grad, hess) {
      for (let i = 0; i < y.length; i++) {
        grad[i] = y[i] > raw[i] ? -alpha : y[i] < raw[i] ? 1 - alpha : 0;
        hess[i] = 1;
      }
    },
    meanLoss(y, raw) {
      let s = 0;
      for (let i = 0; i < y.length; i++) {
        const r = y[i] - raw[i];
        s += r >= 0 ? alpha * r : (alpha - 1) * r;
      }
      return s / y.length;
    },
    transform: identity,
  };
}
