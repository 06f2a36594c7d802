/**
 * One LSTM layer over a batch of sequences, forward and backpropagation through time, with PyTorch's `nn.LSTM`
 * equations, gate order and parameter layout (so weights map 1:1):
 *   [i f g o] = [σ σ tanh σ](W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)
 *   c_t = f ⊙ c_{t−1} + i ⊙ g,   h_t = o ⊙ tanh(c_t),   h_{−1} = c_{−1} = 0
 * W_ih is 4H × I and W_hh is 4H × H (rows i, f, g, o blocks of H), row-major.
 *
 * Layout: sequences are time-major, [T, B, ·] (step t of row b at (t·B + b)·width), so one step's batch is a
 * contiguous B × width block. That gives the cuDNN split of the work: the input projection X W_ihᵀ of all T·B rows
 * is one GEMM before the recurrence, and after it ∂W_ih = ∂Zᵀ X, ∂W_hh = ∂Z_{1..}ᵀ H_{0..}, ∂X = ∂Z W_ih are three
 * more; only h_{t−1} W_hhᵀ (forward) and ∂Z_t W_hh (backward), B × 4H × H each, stay inside the step loop. The
 * four gates are one 4H-wide block, so each step is one fused GEMM. All GEMMs are `linalg/gemm` (packed, WebAssembly
 * SIMD micro-kernel, fixed summation order, so results are bit-reproducible).
 *
 * Buffers are owned by the layer and sized by {@link Lstm.reserve} (steps × batch); forward and backward allocate
 * nothing. Float64 throughout: JavaScript arithmetic is double anyway (Float32Array would only add conversions), the
 * 1e-6 gradient and 1e-9 reference checks need it, and at these sizes the arrays live in cache either way.
 */
import { gemm } from "../linalg/gemm.js";
import type { Rng } from "../random.js";
import { PackedProduct } from "./packed-product.js";

export class Lstm {
  readonly inputSize: number;
  readonly units: number;
  /** W_ih (4H × I), W_hh (4H × H), b_ih (4H), b_hh (4H): views into the network's parameter vector. */
  readonly weightIh: Float64Array;
  readonly weightHh: Float64Array;
  readonly biasIh: Float64Array;
  readonly biasHh: Float64Array;
  /** The matching gradient views; `backward` adds into them. */
  readonly weightIhGrad: Float64Array;
  readonly weightHhGrad: Float64Array;
  readonly biasIhGrad: Float64Array;
  readonly biasHhGrad: Float64Array;

  /** Rows (steps × batch) and batch the buffers hold. */
  private capacity = 0;
  private batchCapacity = 0;
  private steps = 0;
  private batch = 0;
  /** Activated gates [T, B, 4H] (i, f, g, o), kept for backward. */
  private gates = new Float64Array(0);
  /** h_{t−1} for t = 0 … T: [(T + 1), B, H], slot 0 zero; slots 1 … T are the layer's output. */
  private hidden = new Float64Array(0);
  /** c_{t−1}, laid out as `hidden`. */
  private cells = new Float64Array(0);
  /** tanh(c_t), [T, B, H]. */
  private cellTanh = new Float64Array(0);
  /** ∂L/∂(gate pre-activations), [T, B, 4H]. */
  private dGates = new Float64Array(0);
  private dHidden = new Float64Array(0);
  private dCell = new Float64Array(0);
  /** h_{t−1} W_hhᵀ and ∂Z_t W_hh, with W_hh packed once per batch (see `packed-product.ts`). */
  private readonly recurrent = new PackedProduct();
  private readonly recurrentBack = new PackedProduct();
  private readonly biasSum: Float64Array;
  private readonly biasGradSum: Float64Array;

  /** Parameters of a layer of this shape, in the order W_ih, W_hh, b_ih, b_hh. */
  static parameterCount(inputSize: number, units: number): number {
    return 4 * units * (inputSize + units + 2);
  }

  /** `params` and `grads` hold exactly {@link Lstm.parameterCount} values each (views, not copied). */
  constructor(inputSize: number, units: number, params: Float64Array, grads: Float64Array) {
    this.inputSize = inputSize;
    this.units = units;
    const G = 4 * units;
    const cuts = [0, G * inputSize, G * (inputSize + units), G * (inputSize + units + 1), G * (inputSize + units + 2)];
    const view = (a: Float64Array, k: number) => a.subarray(cuts[k], cuts[k + 1]);
    this.weightIh = view(params, 0);
    this.weightHh = view(params, 1);
    this.biasIh = view(params, 2);
    this.biasHh = view(params, 3);
    this.weightIhGrad = view(grads, 0);
    this.weightHhGrad = view(grads, 1);
    this.biasIhGrad = view(grads, 2);
    this.biasHhGrad = view(grads, 3);
    this.biasSum = new Float64Array(G);
    this.biasGradSum = new Float64Array(G);
  }

  /** PyTorch's default: every weight and bias ~ U(−1/√H, 1/√H), drawn in parameter order. */
  initialize(rng: Rng): void {
    const bound = 1 / Math.sqrt(this.units);
    for (const a of [this.weightIh, this.weightHh, this.biasIh, this.biasHh]) {
      for (let i = 0; i < a.length; i++) a[i] = rng.uniform(-bound, bound);
    }
  }

  /** Makes room for sequences of `steps` × `batch` (reallocates only when they grow). */
  reserve(steps: number, batch: number): void {
    if (steps * batch <= this.capacity && batch <= this.batchCapacity) return;
    const rows = Math.max(steps * batch, this.capacity);
    const b = Math.max(batch, this.batchCapacity);
    const H = this.units;
    this.gates = new Float64Array(rows * 4 * H);
    this.dGates = new Float64Array(rows * 4 * H);
    this.hidden = new Float64Array((rows + b) * H);
    this.cells = new Float64Array((rows + b) * H);
    this.cellTanh = new Float64Array(rows * H);
    this.dHidden = new Float64Array(b * H);
    this.dCell = new Float64Array(b * H);
    this.capacity = rows;
    this.batchCapacity = b;
  }

  /**
   * Runs the layer over x ([steps, batch, inputSize], time-major) and returns its outputs h_0 … h_{T−1} as a view
   * [steps, batch, units] (valid until the next forward). State is kept for {@link Lstm.backward}.
   */
  forward(x: Float64Array, steps: number, batch: number): Float64Array {
    this.reserve(steps, batch);
    this.steps = steps;
    this.batch = batch;
    const I = this.inputSize;
    const H = this.units;
    const G = 4 * H;
    const rows = steps * batch;
    const { gates, hidden, cells, cellTanh, biasSum } = this;
    for (let k = 0; k < G; k++) biasSum[k] = this.biasIh[k] + this.biasHh[k];
    for (let r = 0; r < rows; r++) gates.set(biasSum, r * G);
    // Z = 1 bᵀ + X W_ihᵀ for all steps at once.
    gemm(false, true, rows, G, I, 1, x, 0, I, this.weightIh, 0, I, gates, 0, G);
    hidden.fill(0, 0, batch * H);
    cells.fill(0, 0, batch * H);
    this.recurrent.pack(true, H, G, this.weightHh, 0, H);
    const BH = batch * H;
    for (let t = 0; t < steps; t++) {
      const zt = t * batch * G;
      const prev = t * BH;
      const next = prev + BH;
      // Z_t += h_{t−1} W_hhᵀ (h_{−1} = 0, so step 0 has nothing to add).
      if (t > 0) this.recurrent.multiplyAdd(batch, hidden, prev, H, gates, zt, G);
      for (let b = 0; b < batch; b++) {
        const z = zt + b * G;
        const s = b * H;
        for (let j = 0; j < H; j++) {
          const ig = 1 / (1 + Math.exp(-gates[z + j]));
          const fg = 1 / (1 + Math.exp(-gates[z + H + j]));
          const gg = Math.tanh(gates[z + 2 * H + j]);
          const og = 1 / (1 + Math.exp(-gates[z + 3 * H + j]));
          gates[z + j] = ig;
          gates[z + H + j] = fg;
          gates[z + 2 * H + j] = gg;
          gates[z + 3 * H + j] = og;
          const c = fg * cells[prev + s + j] + ig * gg;
          const tc = Math.tanh(c);
          cells[next + s + j] = c;
          cellTanh[prev + s + j] = tc;
          hidden[next + s + j] = og * tc;
        }
      }
    }
    return hidden.subarray(BH, BH + steps * BH);
  }

  /** The outputs of the last forward, [steps, batch, units] (a view). */
  output(): Float64Array {
    const BH = this.batch * this.units;
    return this.hidden.subarray(BH, BH + this.steps * BH);
  }

  /**
   * Backpropagation through time for the last forward. `x` is the input it ran on, `dOut` ∂L/∂h_t for every step
   * ([steps, batch, units]; zeros where h_t feeds nothing). Adds ∂L/∂θ into the gradient views and, when `dx` is
   * given, writes ∂L/∂x there ([steps, batch, inputSize], overwritten).
   */
  backward(x: Float64Array, dOut: Float64Array, dx: Float64Array | null): void {
    const { steps, batch, gates, cells, cellTanh, dGates, dHidden, dCell } = this;
    const I = this.inputSize;
    const H = this.units;
    const G = 4 * H;
    const BH = batch * H;
    const rows = steps * batch;
    dHidden.fill(0, 0, BH);
    dCell.fill(0, 0, BH);
    this.recurrentBack.pack(false, G, H, this.weightHh, 0, H);
    for (let t = steps - 1; t >= 0; t--) {
      const zt = t * batch * G;
      const st = t * BH;
      for (let b = 0; b < batch; b++) {
        const z = zt + b * G;
        const s = b * H;
        for (let j = 0; j < H; j++) {
          // dh = ∂L/∂h_t from above plus the recurrent term from step t + 1; dc carries ∂L/∂c_t back.
          const dh = dOut[st + s + j] + dHidden[s + j];
          const ig = gates[z + j];
          const fg = gates[z + H + j];
          const gg = gates[z + 2 * H + j];
          const og = gates[z + 3 * H + j];
          const tc = cellTanh[st + s + j];
          const dc = dCell[s + j] + dh * og * (1 - tc * tc);
          dGates[z + j] = dc * gg * ig * (1 - ig);
          dGates[z + H + j] = dc * cells[st + s + j] * fg * (1 - fg);
          dGates[z + 2 * H + j] = dc * ig * (1 - gg * gg);
          dGates[z + 3 * H + j] = dh * tc * og * (1 - og);
          dCell[s + j] = dc * fg;
        }
      }
      // ∂L/∂h_{t−1} through the recurrence: ∂Z_t W_hh.
      if (t > 0) {
        dHidden.fill(0, 0, BH);
        this.recurrentBack.multiplyAdd(batch, dGates, zt, G, dHidden, 0, H);
      }
    }
    gemm(true, false, G, I, rows, 1, dGates, 0, G, x, 0, I, this.weightIhGrad, 0, I);
    // Step t's h_{t−1} is hidden slot t: rows from step 1 line up with slots from 1.
    if (steps > 1) {
      gemm(true, false, G, H, rows - batch, 1, dGates, batch * G, G, this.hidden, BH, H, this.weightHhGrad, 0, H);
    }
    const gb = this.biasGradSum;
    gb.fill(0);
    for (let r = 0; r < rows; r++) {
      const o = r * G;
      for (let k = 0; k < G; k++) gb[k] += dGates[o + k];
    }
    for (let k = 0; k < G; k++) {
      this.biasIhGrad[k] += gb[k];
      this.biasHhGrad[k] += gb[k];
    }
    if (dx !== null) {
      dx.fill(0, 0, rows * I);
      gemm(false, false, rows, I, G, 1, dGates, 0, G, this.weightIh, 0, I, dx, 0, I);
    }
  }
}
