import { invalidInput } from "../../../core/index.js";
import { createMatrix, type Matrix } from "../../linalg/matrix.js";
import { squaredDistances } from "./distance.js";
import {
  BaseKernel,
  type Bounds,
  checkHyperparameter,
  copyBounds,
  DEFAULT_BOUNDS,
  type Hyperparameter,
  type KernelWithGradient,
  type MaternKernelJSON,
  valuesFromTheta,
} from "./kernel.js";

export type MaternNu = 0.5 | 1.5 | 2.5;

export interface MaternKernelOptions {
  lengthScale?: number;
  lengthScaleBounds?: Bounds;
  /** Smoothness; the half-integer cases with closed forms (default 1.5, as scikit-learn). */
  nu?: MaternNu;
}

const SQRT3 = Math.sqrt(3);
const SQRT5 = Math.sqrt(5);

/**
 * Matérn covariance with isotropic length scale ℓ, for r = d/ℓ (Rasmussen & Williams eqs. 4.14 and 4.17):
 *   ν = 1/2: exp(−r);  ν = 3/2: (1 + √3 r) exp(−√3 r);  ν = 5/2: (1 + √5 r + 5r²/3) exp(−√5 r).
 */
export class MaternKernel extends BaseKernel {
  readonly hyperparameters: readonly Hyperparameter[];
  readonly lengthScale: number;
  readonly nu: MaternNu;

  constructor(options: MaternKernelOptions = {}) {
    super();
    const nu = options.nu ?? 1.5;
    if (nu !== 0.5 && nu !== 1.5 && nu !== 2.5) {
      throw invalidInput("Matérn nu must be 0.5, 1.5 or 2.5", [{ field: "nu", reason: `got ${nu}` }]);
    }
    const h = checkHyperparameter(
      "length_scale",
      "lengthScale",
      options.lengthScale ?? 1,
      options.lengthScaleBounds ?? DEFAULT_BOUNDS,
    );
    this.hyperparameters = [h];
    this.lengthScale = h.value;
    this.nu = nu;
  }

  withTheta(theta: Float64Array): MaternKernel {
    const [lengthScale] = valuesFromTheta(this.hyperparameters, theta);
    return new MaternKernel({ lengthScale, lengthScaleBounds: this.hyperparameters[0].bounds, nu: this.nu });
  }

  k(X: Matrix, Y?: Matrix): Matrix {
    const K = squaredDistances(X, Y);
    const k = K.data;
    const inv = 1 / this.lengthScale;
    const nu = this.nu;
    for (let i = 0; i < k.length; i++) {
      const r = Math.sqrt(k[i]) * inv;
      if (nu === 0.5) k[i] = Math.exp(-r);
      else if (nu === 1.5) k[i] = (1 + SQRT3 * r) * Math.exp(-SQRT3 * r);
      else k[i] = (1 + SQRT5 * r + (5 / 3) * r * r) * Math.exp(-SQRT5 * r);
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
    const k = K.data;
    const g = D.data;
    const inv = 1 / this.lengthScale;
    const nu = this.nu;
    // dK/d log ℓ = −r dK/dr, since dr/d log ℓ = −r:
    //   ν = 1/2: r e^{−r};  ν = 3/2: 3r² e^{−√3 r};  ν = 5/2: (5/3) r² (1 + √5 r) e^{−√5 r}.
    for (let i = 0; i < g.length; i++) {
      const r = Math.sqrt(g[i]) * inv;
      if (nu === 0.5) {
        const e = Math.exp(-r);
        k[i] = e;
        g[i] = r * e;
      } else if (nu === 1.5) {
        const e = Math.exp(-SQRT3 * r);
        k[i] = (1 + SQRT3 * r) * e;
        g[i] = 3 * r * r * e;
      } else {
        const e = Math.exp(-SQRT5 * r);
        k[i] = (1 + SQRT5 * r + (5 / 3) * r * r) * e;
        g[i] = (5 / 3) * r * r * (1 + SQRT5 * r) * e;
      }
    }
    return { K, gradient: this.hyperparameters[0].bounds === "fixed" ? [] : [D] };
  }

  toJSON(): MaternKernelJSON {
    return {
      type: "matern",
      lengthScale: this.lengthScale,
      lengthScaleBounds: copyBounds(this.hyperparameters[0].bounds),
      nu: this.nu,
    };
  }
}
