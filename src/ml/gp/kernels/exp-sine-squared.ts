import { createMatrix, type Matrix } from "../../linalg/matrix.js";
import { squaredDistances } from "./distance.js";
import {
  BaseKernel,
  type Bounds,
  checkHyperparameter,
  copyBounds,
  DEFAULT_BOUNDS,
  type ExpSineSquaredKernelJSON,
  type Hyperparameter,
  type KernelWithGradient,
  valuesFromTheta,
} from "./kernel.js";

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

  k(X: Matrix, Y?: Matrix): Matrix {
    const K = squaredDistances(X, Y);
    const k = K.data;
    const w = Math.PI / this.periodicity;
    const l = this.lengthScale;
    for (let i = 0; i < k.length; i++) {
      const s = Math.sin(w * Math.sqrt(k[i])) / l;
      k[i] = Math.exp(-2 * s * s);
    }
    return K;
  }

  diag(X: Matrix): Float64Array {
    return new Float64Array(X.rows).fill(1);
  }

  kWithGradient(X: Matrix): KernelWithGradient {
    const D = squaredDistances(X);
    const n = X.rows;
    const K = createMatrix(n, n);
    const lengthFree = this.hyperparameters[0].bounds !== "fixed";
    const periodFree = this.hyperparameters[1].bounds !== "fixed";
    const dLength = lengthFree ? createMatrix(n, n) : undefined;
    const dPeriod = periodFree ? createMatrix(n, n) : undefined;
    const w = Math.PI / this.periodicity;
    const l = this.lengthScale;
    const c = 4 / (l * l);
    const d = D.data;
    const k = K.data;
    // With a = π d / p: log K = −2 sin²a / ℓ², so
    //   dK/d log ℓ = (4/ℓ²) sin²a K,   dK/d log p = (4/ℓ²) a sin a cos a K   (da/d log p = −a).
    for (let i = 0; i < d.length; i++) {
      const arg = w * Math.sqrt(d[i]);
      const sin = Math.sin(arg);
      const s = sin / l;
      const kv = Math.exp(-2 * s * s);
      k[i] = kv;
      if (dLength) dLength.data[i] = c * sin * sin * kv;
      if (dPeriod) dPeriod.data[i] = c * arg * Math.cos(arg) * sin * kv;
    }
    const gradient: Matrix[] = [];
    if (dLength) gradient.push(dLength);
    if (dPeriod) gradient.push(dPeriod);
    return { K, gradient };
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
