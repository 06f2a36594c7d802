import type { Matrix } from "../../linalg/matrix.js";
import { squaredDistanceRow } from "./distance.js";
import {
  BaseKernel,
  type Bounds,
  checkHyperparameter,
  copyBounds,
  DEFAULT_BOUNDS,
  type ExpSineSquaredKernelJSON,
  type Hyperparameter,
  valuesFromTheta,
} from "./kernel.js";

interface PreparedPhases {
  inputs: Matrix;
  sin: Float64Array;
  cos: Float64Array;
}

export interface ExpSineSquaredKernelOptions {
  lengthScale?: number;
  periodicity?: number;
  lengthScaleBounds?: Bounds;
  periodicityBounds?: Bounds;
}

/**
 * Periodic kernel k = exp(−2 sin²(π d / p) / ℓ²) (MacKay 1998; Rasmussen & Williams eq. 4.31) with d the Euclidean
 * distance. θ order is [length_scale, periodicity], as scikit-learn.
 */
export class ExpSineSquaredKernel extends BaseKernel {
  readonly hyperparameters: readonly Hyperparameter[];
  readonly lengthScale: number;
  readonly periodicity: number;
  /** Set only on a kernel returned by `prepare`: the inputs and their phase sines and cosines. */
  private phases: PreparedPhases | undefined;

  constructor(options: ExpSineSquaredKernelOptions = {}) {
    super();
    const l = checkHyperparameter(
      "length_scale",
      "lengthScale",
      options.lengthScale ?? 1,
      options.lengthScaleBounds ?? DEFAULT_BOUNDS,
    );
    const p = checkHyperparameter(
      "periodicity",
      "periodicity",
      options.periodicity ?? 1,
      options.periodicityBounds ?? DEFAULT_BOUNDS,
    );
    this.hyperparameters = [l, p];
    this.lengthScale = l.value;
    this.periodicity = p.value;
  }

  withTheta(theta: Float64Array): ExpSineSquaredKernel {
    const [lengthScale, periodicity] = valuesFromTheta(this.hyperparameters, theta);
    return new ExpSineSquaredKernel({
      lengthScale,
      periodicity,
      lengthScaleBounds: this.hyperparameters[0].bounds,
      periodicityBounds: this.hyperparameters[1].bounds,
    });
  }

  /**
   * For one input column, precomputes s_j = sin(π x_j / p) and c_j = cos(π x_j / p): then
   * sin(π (x_i − x_j) / p) = s_i c_j − c_i s_j and cos(…) = c_i c_j + s_i s_j by the angle-difference identities, so a
   * pair needs no sine. The formulas below only use sin² and a·sin a·cos a, which are even, so the sign of
   * x_i − x_j does not matter. The difference of products has absolute error ~ε where the direct sine has relative
   * error ~ε; since only sin²/ℓ² enters K, entries differ by O(ε²) from the unprepared kernel's.
   */
  override prepare(X: Matrix): ExpSineSquaredKernel {
    if (X.cols !== 1) return this;
    const prepared = new ExpSineSquaredKernel({
      lengthScale: this.lengthScale,
      periodicity: this.periodicity,
      lengthScaleBounds: this.hyperparameters[0].bounds,
      periodicityBounds: this.hyperparameters[1].bounds,
    });
    const w = Math.PI / this.periodicity;
    const n = X.rows;
    const sin = new Float64Array(n);
    const cos = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      sin[j] = Math.sin(w * X.data[j]);
      cos[j] = Math.cos(w * X.data[j]);
    }
    prepared.phases = { inputs: X, sin, cos };
    return prepared;
  }

  kRow(
    X: Matrix,
    i: number,
    Y: Matrix | undefined,
    count: number,
    out: Float64Array,
    outOffset: number,
    grad?: Float64Array,
    gradOffset = 0,
    stride = 0,
  ): void {
    const phases = this.phases;
    if (Y === undefined && phases !== undefined && phases.inputs === X) {
      this.kRowFromPhases(phases, X, i, count, out, outOffset, grad, gradOffset, stride);
      return;
    }
    squaredDistanceRow(X, i, Y, count, out, outOffset);
    const w = Math.PI / this.periodicity;
    const l = this.lengthScale;
    const lengthFree = grad !== undefined && this.hyperparameters[0].bounds !== "fixed";
    const periodFree = grad !== undefined && this.hyperparameters[1].bounds !== "fixed";
    if (!lengthFree && !periodFree) {
      for (let j = outOffset; j < outOffset + count; j++) {
        const s = Math.sin(w * Math.sqrt(out[j])) / l;
        out[j] = Math.exp(-2 * s * s);
      }
      return;
    }
    const c = 4 / (l * l);
    const lengthRow = gradOffset;
    const periodRow = gradOffset + (lengthFree ? stride : 0);
    // With a = π d / p: log K = −2 sin²a / ℓ², so
    //   dK/d log ℓ = (4/ℓ²) sin²a K,   dK/d log p = (4/ℓ²) a sin a cos a K   (da/d log p = −a).
    for (let j = 0; j < count; j++) {
      const arg = w * Math.sqrt(out[outOffset + j]);
      const sin = Math.sin(arg);
      const s = sin / l;
      const kv = Math.exp(-2 * s * s);
      out[outOffset + j] = kv;
      if (lengthFree) grad[lengthRow + j] = c * sin * sin * kv;
      if (periodFree) grad[periodRow + j] = c * arg * Math.cos(arg) * sin * kv;
    }
  }

  /** `kRow` over prepared inputs: the same formulas with sin a and cos a from the angle-difference identities. */
  private kRowFromPhases(
    phases: PreparedPhases,
    X: Matrix,
    i: number,
    count: number,
    out: Float64Array,
    outOffset: number,
    grad: Float64Array | undefined,
    gradOffset: number,
    stride: number,
  ): void {
    const { sin, cos } = phases;
    const si = sin[i];
    const ci = cos[i];
    const l = this.lengthScale;
    const lengthFree = grad !== undefined && this.hyperparameters[0].bounds !== "fixed";
    const periodFree = grad !== undefined && this.hyperparameters[1].bounds !== "fixed";
    if (!lengthFree && !periodFree) {
      for (let j = 0; j < count; j++) {
        const s = (si * cos[j] - ci * sin[j]) / l;
        out[outOffset + j] = Math.exp(-2 * s * s);
      }
      return;
    }
    const c = 4 / (l * l);
    const w = Math.PI / this.periodicity;
    const x = X.data;
    const xi = x[i];
    const lengthRow = gradOffset;
    const periodRow = gradOffset + (lengthFree ? stride : 0);
    for (let j = 0; j < count; j++) {
      const sinA = si * cos[j] - ci * sin[j];
      const s = sinA / l;
      const kv = Math.exp(-2 * s * s);
      out[outOffset + j] = kv;
      if (lengthFree) grad[lengthRow + j] = c * sinA * sinA * kv;
      if (periodFree) grad[periodRow + j] = c * (w * (xi - x[j])) * (ci * cos[j] + si * sin[j]) * sinA * kv;
    }
  }

  diag(X: Matrix): Float64Array {
    return new Float64Array(X.rows).fill(1);
  }

  toJSON(): ExpSineSquaredKernelJSON {
    return {
      type: "exp-sine-squared",
      lengthScale: this.lengthScale,
      periodicity: this.periodicity,
      lengthScaleBounds: copyBounds(this.hyperparameters[0].bounds),
      periodicityBounds: copyBounds(this.hyperparameters[1].bounds),
    };
  }
}
