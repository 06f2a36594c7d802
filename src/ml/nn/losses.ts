/**
 * Regression losses over a block of predictions, each the mean over all n · k elements (PyTorch's
 * `reduction="mean"`), with the gradient with respect to the predictions written into a caller buffer:
 *   mse:   L = mean (p − y)²,                         ∂L/∂p = 2 (p − y) / N
 *   mae:   L = mean |p − y|,                          ∂L/∂p = sign(p − y) / N   (0 at p = y, as torch)
 *   huber: L = mean ½ r² if |r| ≤ δ else δ (|r| − ½ δ), ∂L/∂p = clamp(r, −δ, δ) / N   (torch.nn.HuberLoss)
 */
import { invalidInput } from "../../core/index.js";

/** The loss names `fit` accepts. */
export type LossName = "mse" | "mae" | "huber";

export const LOSS_NAMES: readonly LossName[] = ["mse", "mae", "huber"];

/** A loss with its parameter bound: `value` alone, or `gradient` (writes ∂L/∂p, returns L). */
export interface Loss {
  readonly name: LossName;
  /** L over the first `count` elements. */
  value(predicted: Float64Array, target: Float64Array, count: number): number;
  /** L over the first `count` elements; ∂L/∂p into `dPredicted[0 .. count)`. */
  gradient(predicted: Float64Array, target: Float64Array, count: number, dPredicted: Float64Array): number;
}

/** The loss `name`; `huberDelta` (δ > 0, default 1 as torch) applies to "huber" only. */
export function createLoss(name: LossName, huberDelta = 1): Loss {
  switch (name) {
    case "mse":
      return { name, value: mseValue, gradient: mseGradient };
    case "mae":
      return { name, value: maeValue, gradient: maeGradient };
    case "huber": {
      if (!(huberDelta > 0) || !Number.isFinite(huberDelta)) {
        throw invalidInput("huberDelta must be a positive number", [
          { field: "huberDelta", reason: `got ${huberDelta}` },
        ]);
      }
      const delta = huberDelta;
      return {
        name,
        value: (p, y, count) => huberValue(p, y, count, delta),
        gradient: (p, y, count, d) => huberGradient(p, y, count, delta, d),
      };
    }
    default:
      throw invalidInput("unknown loss", [{ field: "loss", reason: `got ${String(name)}; known: ${LOSS_NAMES}` }]);
  }
}

function mseValue(p: Float64Array, y: Float64Array, count: number): number {
  let s = 0;
  for (let i = 0; i < count; i++) {
    const r = p[i] - y[i];
    s += r * r;
  }
  return s / count;
}

function mseGradient(p: Float64Array, y: Float64Array, count: number, d: Float64Array): number {
  let s = 0;
  const scale = 2 / count;
  for (let i = 0; i < count; i++) {
    const r = p[i] - y[i];
    s += r * r;
    d[i] = scale * r;
  }
  return s / count;
}

function maeValue(p: Float64Array, y: Float64Array, count: number): number {
  let s = 0;
  for (let i = 0; i < count; i++) s += Math.abs(p[i] - y[i]);
  return s / count;
}

function maeGradient(p: Float64Array, y: Float64Array, count: number, d: Float64Array): number {
  let s = 0;
  const scale = 1 / count;
  for (let i = 0; i < count; i++) {
    const r = p[i] - y[i];
    s += Math.abs(r);
    d[i] = r > 0 ? scale : r < 0 ? -scale : 0;
  }
  return s / count;
}

function huberValue(p: Float64Array, y: Float64Array, count: number, delta: number): number {
  let s = 0;
  for (let i = 0; i < count; i++) {
    const a = Math.abs(p[i] - y[i]);
    s += a <= delta ? 0.5 * a * a : delta * (a - 0.5 * delta);
  }
  return s / count;
}

function huberGradient(p: Float64Array, y: Float64Array, count: number, delta: number, d: Float64Array): number {
  let s = 0;
  const scale = 1 / count;
  for (let i = 0; i < count; i++) {
    const r = p[i] - y[i];
    const a = Math.abs(r);
    if (a <= delta) {
      s += 0.5 * a * a;
      d[i] = scale * r;
    } else {
      s += delta * (a - 0.5 * delta);
      d[i] = r > 0 ? scale * delta : -scale * delta;
    }
  }
  return s / count;
}
