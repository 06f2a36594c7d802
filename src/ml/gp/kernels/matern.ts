import { invalidInput } from "../../../core/index.js";
import type { Matrix } from "../../linalg/matrix.js";
import { squaredDistanceRow } from "./distance.js";
import {
  BaseKernel,
  type Bounds,
  checkHyperparameter,
  copyBounds,
  DEFAULT_BOUNDS,
  type Hyperparameter,
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

  kRow(
    X: Matrix,
    i: number,
    Y: Matrix | undefined,
    count: number,
    out: Float64Array,
    outOffset: number,
    grad?: Float64Array,
    gradOffset = 0,
  ): void {
    squaredDistanceRow(X, i, Y, count, out, outOffset);
    const inv = 1 / this.lengthScale;
    const nu = this.nu;
    const free = grad !== undefined && this.hyperparameters[0].bounds !== "fixed";
    // dK/d log ℓ = −r dK/dr, since dr/d log ℓ = −r:
    //   ν = 1/2: r e^{−r};  ν = 3/2: 3r² e^{−√3 r};  ν = 5/2: (5/3) r² (1 + √5 r) e^{−√5 r}.
    for (let j = 0; j < count; j++) {
      const r = Math.sqrt(out[outOffset + j]) * inv;
      let kv: number;
      let g: number;
      if (nu === 0.5) {
        const e = Math.exp(-r);
        kv = e;
        g = r * e;
      } else if (nu === 1.5) {
        const e = Math.exp(-SQRT3 * r);
        kv = (1 + SQRT3 * r) * e;
        g = 3 * r * r * e;
      } else {
        const e = Math.exp(-SQRT5 * r);
        kv = (1 + SQRT5 * r + (5 / 3) * r * r) * e;
        g = (5 / 3) * r * r * (1 + SQRT5 * r) * e;
      }
      out[outOffset + j] = kv;
      if (free) grad[gradOffset + j] = g;
    }
  }

  diag(X: Matrix): Float64Array {
    return new Float64Array(X.rows).fill(1);
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
