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
  type RBFKernelJSON,
  valuesFromTheta,
} from "./kernel.js";

export interface RBFKernelOptions {
  /**
   * A single length scale (isotropic), or one per input column (automatic relevance determination, ARD; Rasmussen
   * & Williams §5.1). A one-element list is isotropic, as in scikit-learn.
   */
  lengthScale?: number | ArrayLike<number>;
  /** Bounds shared by every dimension, or (ARD) one entry per dimension. */
  lengthScaleBounds?: Bounds | readonly Bounds[];
}

/**
 * Squared exponential, k = exp(−½ Σ_c (x_c − y_c)² / ℓ_c²) (Rasmussen & Williams eqs. 4.9 and 5.1): one length
 * scale ℓ, or one per input dimension (ARD), in which case `length_scale` is a vector hyperparameter with one θ
 * entry per dimension, as scikit-learn's `RBF(length_scale=[…])`.
 */
export class RBFKernel extends BaseKernel {
  readonly hyperparameters: readonly Hyperparameter[];
  /** ℓ for an isotropic kernel; the per-dimension ℓ_c (a copy) for ARD. */
  readonly lengthScale: number | Float64Array;
  private readonly scales: Float64Array;

  constructor(options: RBFKernelOptions = {}) {
    super();
    const given = options.lengthScale ?? 1;
    const values = typeof given === "number" ? [given] : Array.from(given);
    if (values.length === 0) {
      throw invalidInput("lengthScale must be a number or a non-empty list", [{ field: "lengthScale", reason: "[]" }]);
    }
    const bounds = perDimensionBounds(options.lengthScaleBounds ?? DEFAULT_BOUNDS, values.length);
    if (values.length === 1) {
      const h = checkHyperparameter("length_scale", "lengthScale", values[0], bounds[0]);
      this.hyperparameters = [h];
      this.lengthScale = h.value;
    } else {
      this.hyperparameters = values.map((v, c) => ({
        ...checkHyperparameter("length_scale", "lengthScale", v, bounds[c]),
        element: c,
      }));
      this.lengthScale = Float64Array.from(values);
    }
    this.scales = Float64Array.from(values);
  }

  /** True with one length scale per dimension (scikit-learn's `anisotropic`). */
  get isAnisotropic(): boolean {
    return typeof this.lengthScale !== "number";
  }

  withTheta(theta: Float64Array): RBFKernel {
    const values = valuesFromTheta(this.hyperparameters, theta);
    const bounds = this.hyperparameters.map((h) => h.bounds);
    return new RBFKernel({
      lengthScale: this.isAnisotropic ? values : values[0],
      lengthScaleBounds: this.isAnisotropic ? bounds : bounds[0],
    });
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
    if (this.isAnisotropic) {
      this.kRowAnisotropic(X, i, Y, count, out, outOffset, grad, gradOffset, stride);
      return;
    }
    squaredDistanceRow(X, i, Y, count, out, outOffset);
    const inv = 1 / (this.scales[0] * this.scales[0]);
    if (grad === undefined || this.hyperparameters[0].bounds === "fixed") {
      for (let j = outOffset; j < outOffset + count; j++) out[j] = Math.exp(-0.5 * out[j] * inv);
      return;
    }
    // With u = d²/ℓ²: K = exp(−u/2) and dK/d log ℓ = u K.
    for (let j = 0; j < count; j++) {
      const u = out[outOffset + j] * inv;
      const kv = Math.exp(-0.5 * u);
      out[outOffset + j] = kv;
      grad[gradOffset + j] = u * kv;
    }
  }

  /** ARD: with u_c = (x_c − y_c)² / ℓ_c², K = exp(−½ Σ_c u_c) and dK/d log ℓ_c = u_c K. */
  private kRowAnisotropic(
    X: Matrix,
    i: number,
    Y: Matrix | undefined,
    count: number,
    out: Float64Array,
    outOffset: number,
    grad: Float64Array | undefined,
    gradOffset: number,
    stride: number,
  ): void {
    const d = this.scales.length;
    if (X.cols !== d || (Y !== undefined && Y.cols !== d)) {
      throw invalidInput("ARD RBF kernel needs one length scale per input column", [
        { field: "X", reason: `${d} length scales, ${Y !== undefined && Y.cols !== d ? Y.cols : X.cols} columns` },
      ]);
    }
    const x = X.data;
    const y = (Y ?? X).data;
    const scales = this.scales;
    const xi = i * d;
    for (let j = 0; j < count; j++) {
      const yj = j * d;
      let s = 0;
      for (let c = 0; c < d; c++) {
        const z = (x[xi + c] - y[yj + c]) / scales[c];
        s += z * z;
      }
      out[outOffset + j] = Math.exp(-0.5 * s);
    }
    if (grad === undefined) return;
    let t = 0;
    for (let c = 0; c < d; c++) {
      if (this.hyperparameters[c].bounds === "fixed") continue;
      const row = gradOffset + t * stride;
      const inv = 1 / scales[c];
      for (let j = 0; j < count; j++) {
        const z = (x[xi + c] - y[j * d + c]) * inv;
        grad[row + j] = z * z * out[outOffset + j];
      }
      t++;
    }
  }

  diag(X: Matrix): Float64Array {
    return new Float64Array(X.rows).fill(1);
  }

  toJSON(): RBFKernelJSON {
    const bounds = this.hyperparameters.map((h) => copyBounds(h.bounds));
    if (!this.isAnisotropic) {
      return { type: "rbf", lengthScale: this.scales[0], lengthScaleBounds: bounds[0] };
    }
    // ARD bounds are stored once when every dimension shares them, so the JSON matches how it was built.
    const shared = bounds.every((b) => JSON.stringify(b) === JSON.stringify(bounds[0]));
    return { type: "rbf", lengthScale: Array.from(this.scales), lengthScaleBounds: shared ? bounds[0] : bounds };
  }
}

/** One Bounds per dimension from a shared Bounds or a per-dimension list (checked for length). */
function perDimensionBounds(bounds: Bounds | readonly Bounds[], d: number): Bounds[] {
  if (!isBoundsList(bounds)) return Array.from({ length: d }, () => bounds);
  if (bounds.length !== d) {
    throw invalidInput("lengthScaleBounds needs one entry per length scale", [
      { field: "lengthScaleBounds", reason: `${bounds.length} bounds for ${d} length scales` },
    ]);
  }
  return [...bounds];
}

/** A per-dimension list holds pairs or "fixed"; a single Bounds holds two numbers. */
function isBoundsList(bounds: Bounds | readonly Bounds[]): bounds is readonly Bounds[] {
  return typeof bounds !== "string" && bounds.length > 0 && typeof bounds[0] !== "number";
}
