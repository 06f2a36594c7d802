/**
 * A fully connected layer on a batch of rows, y = x Wᵀ + b, with PyTorch's `nn.Linear` layout (W is
 * outputSize × inputSize, row-major, then b), so weights map 1:1. Parameters and gradients are views into the
 * network's flat vectors; `backward` adds into the gradient views, so a caller zeroes them once per step.
 */
import type { Rng } from "../random.js";

export class Dense {
  readonly inputSize: number;
  readonly outputSize: number;
  /** W (outputSize × inputSize), a view. */
  readonly weight: Float64Array;
  /** b (outputSize), a view. */
  readonly bias: Float64Array;
  readonly weightGrad: Float64Array;
  readonly biasGrad: Float64Array;

  /** Parameters of a layer of this shape: W then b. */
  static parameterCount(inputSize: number, outputSize: number): number {
    return outputSize * inputSize + outputSize;
  }

  /** `params` and `grads` hold exactly {@link Dense.parameterCount} values each (views, not copied). */
  constructor(inputSize: number, outputSize: number, params: Float64Array, grads: Float64Array) {
    this.inputSize = inputSize;
    this.outputSize = outputSize;
    const w = outputSize * inputSize;
    this.weight = params.subarray(0, w);
    this.bias = params.subarray(w, w + outputSize);
    this.weightGrad = grads.subarray(0, w);
    this.biasGrad = grads.subarray(w, w + outputSize);
  }

  /** PyTorch's default: W and b ~ U(−1/√in, 1/√in) (kaiming_uniform with a = √5 gives the same bound for W). */
  initialize(rng: Rng): void {
    const bound = 1 / Math.sqrt(this.inputSize);
    for (let i = 0; i < this.weight.length; i++) this.weight[i] = rng.uniform(-bound, bound);
    for (let i = 0; i < this.bias.length; i++) this.bias[i] = rng.uniform(-bound, bound);
  }

  /** out[r, o] = b[o] + Σ_j x[r, j] W[o, j] for r < rows (x at `xOffset`, rows of inputSize). */
  forward(x: Float64Array, xOffset: number, rows: number, out: Float64Array): void {
    const n = this.inputSize;
    const m = this.outputSize;
    const W = this.weight;
    for (let r = 0; r < rows; r++) {
      const xr = xOffset + r * n;
      for (let o = 0; o < m; o++) {
        const wo = o * n;
        let s = this.bias[o];
        for (let j = 0; j < n; j++) s += x[xr + j] * W[wo + j];
        out[r * m + o] = s;
      }
    }
  }

  /**
   * Given dY (rows × outputSize): ∂W += dYᵀ x, ∂b += Σ_r dY[r], and, when `dx` is given, dx = dY W (overwritten,
   * at `dxOffset`).
   */
  backward(
    x: Float64Array,
    xOffset: number,
    rows: number,
    dY: Float64Array,
    dx: Float64Array | null,
    dxOffset = 0,
  ): void {
    const n = this.inputSize;
    const m = this.outputSize;
    const W = this.weight;
    const gW = this.weightGrad;
    const gb = this.biasGrad;
    for (let r = 0; r < rows; r++) {
      const xr = xOffset + r * n;
      const dxr = dxOffset + r * n;
      if (dx !== null) dx.fill(0, dxr, dxr + n);
      for (let o = 0; o < m; o++) {
        const d = dY[r * m + o];
        gb[o] += d;
        const wo = o * n;
        for (let j = 0; j < n; j++) gW[wo + j] += d * x[xr + j];
        if (dx !== null) for (let j = 0; j < n; j++) dx[dxr + j] += d * W[wo + j];
      }
    }
  }
}
