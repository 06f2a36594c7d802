/**
 * First-order optimisers over one flat parameter vector, with PyTorch's update rules (torch.optim, 1.13) so a
 * step can be checked by hand and compared with torch:
 *   SGD:  v ← μ v + g (v = g on the first step), θ ← θ − η v        (μ = 0: θ ← θ − η g)
 *   Adam: m ← β₁ m + (1 − β₁) g,  v ← β₂ v + (1 − β₂) g²,
 *         θ ← θ − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)       (Kingma & Ba 2015, Algorithm 1)
 * State is allocated once, at construction, for a vector of the given length.
 */
import { invalidInput } from "../../core/index.js";

/** Updates `params` in place from `grads` (same length as at construction). */
export interface Optimizer {
  step(params: Float64Array, grads: Float64Array): void;
}

export interface AdamOptions {
  learningRate: number;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-8. */
  epsilon?: number;
}

export interface SgdOptions {
  learningRate: number;
  /** Heavy-ball momentum μ in [0, 1); default 0. */
  momentum?: number;
}

function checkRate(learningRate: number): void {
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) {
    throw invalidInput("learningRate must be a positive number", [
      { field: "learningRate", reason: `got ${learningRate}` },
    ]);
  }
}

export class Adam implements Optimizer {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Steps taken (t in the bias corrections). */
  steps = 0;
  private readonly m: Float64Array;
  private readonly v: Float64Array;

  constructor(size: number, options: AdamOptions) {
    checkRate(options.learningRate);
    this.learningRate = options.learningRate;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    if (!(this.beta1 >= 0 && this.beta1 < 1) || !(this.beta2 >= 0 && this.beta2 < 1) || !(this.epsilon > 0)) {
      throw invalidInput("Adam needs 0 ≤ β₁, β₂ < 1 and ε > 0", [
        { field: "adam", reason: `β₁ ${this.beta1}, β₂ ${this.beta2}, ε ${this.epsilon}` },
      ]);
    }
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  step(params: Float64Array, grads: Float64Array): void {
    this.steps++;
    const { beta1, beta2, epsilon, m, v } = this;
    const stepSize = this.learningRate / (1 - beta1 ** this.steps);
    const correction2 = Math.sqrt(1 - beta2 ** this.steps);
    for (let i = 0; i < params.length; i++) {
      const g = grads[i];
      const mi = beta1 * m[i] + (1 - beta1) * g;
      const vi = beta2 * v[i] + (1 - beta2) * g * g;
      m[i] = mi;
      v[i] = vi;
      params[i] -= (stepSize * mi) / (Math.sqrt(vi) / correction2 + epsilon);
    }
  }
}

export class Sgd implements Optimizer {
  readonly learningRate: number;
  readonly momentum: number;
  private readonly velocity: Float64Array;
  private started = false;

  constructor(size: number, options: SgdOptions) {
    checkRate(options.learningRate);
    this.learningRate = options.learningRate;
    this.momentum = options.momentum ?? 0;
    if (!(this.momentum >= 0 && this.momentum < 1)) {
      throw invalidInput("momentum must be in [0, 1)", [{ field: "momentum", reason: `got ${this.momentum}` }]);
    }
    this.velocity = new Float64Array(this.momentum > 0 ? size : 0);
  }

  step(params: Float64Array, grads: Float64Array): void {
    const lr = this.learningRate;
    if (this.momentum === 0) {
      for (let i = 0; i < params.length; i++) params[i] -= lr * grads[i];
      return;
    }
    const mu = this.momentum;
    const v = this.velocity;
    for (let i = 0; i < params.length; i++) {
      const vi = this.started ? mu * v[i] + grads[i] : grads[i];
      v[i] = vi;
      params[i] -= lr * vi;
    }
    this.started = true;
  }
}

/**
 * Scales `grads` in place so that their L2 norm is at most `maxNorm` (torch.nn.utils.clip_grad_norm_: factor
 * maxNorm / (‖g‖ + 1e-6) when below 1). Returns the norm before clipping.
 */
export function clipGlobalNorm(grads: Float64Array, maxNorm: number): number {
  let s = 0;
  for (let i = 0; i < grads.length; i++) s += grads[i] * grads[i];
  const norm = Math.sqrt(s);
  const factor = maxNorm / (norm + 1e-6);
  if (factor < 1) for (let i = 0; i < grads.length; i++) grads[i] *= factor;
  return norm;
}
