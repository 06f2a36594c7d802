/**
 * Stacked LSTM layers and a Dense head on the last step: the network behind {@link SequenceRegressor}, exposed for
 * tests and for code that drives training itself. All parameters live in one flat Float64Array (layer by layer, in
 * the order {@link SequenceNetwork.parameterLayout} lists, PyTorch's per-layer order), with the gradients in a
 * second one of the same layout, so optimisers, clipping and serialisation see one vector.
 *
 * Dropout (rate p) acts on the output of every LSTM layer: the whole sequence fed to the next layer, and the last
 * step fed to the head. Masks are drawn by {@link SequenceNetwork.sampleDropout} and stay fixed until the next
 * draw; `forward(…, training = false)` (and p = 0) skips dropout altogether.
 */
import { invalidInput } from "../../core/index.js";
import type { Rng } from "../random.js";
import { Dense } from "./dense.js";
import { Dropout } from "./dropout.js";
import { Lstm } from "./lstm.js";

/** The shape of a network. */
export interface NetworkSpec {
  /** Features per time step. */
  inputSize: number;
  /** Units of each stacked LSTM layer, bottom first (at least one). */
  layers: readonly number[];
  /** Values predicted per sequence. */
  outputSize: number;
  /** Dropout rate in [0, 1) on every LSTM layer's output (0: none). */
  dropout: number;
}

/** Where one parameter tensor sits in the flat vector; `shape` is row-major (PyTorch's). */
export interface ParameterView {
  /** `lstm.<layer>.weight_ih` | `.weight_hh` | `.bias_ih` | `.bias_hh`, `head.weight`, `head.bias`. */
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

const positiveInteger = (v: number): boolean => Number.isInteger(v) && v > 0;

/** Checks a spec's fields (a typed error naming each bad one). */
export function checkNetworkSpec(spec: NetworkSpec): void {
  const bad: { field: string; reason: string }[] = [];
  if (!positiveInteger(spec.inputSize)) bad.push({ field: "inputSize", reason: `got ${spec.inputSize}` });
  if (!positiveInteger(spec.outputSize)) bad.push({ field: "outputSize", reason: `got ${spec.outputSize}` });
  if (!Array.isArray(spec.layers) || spec.layers.length === 0) {
    bad.push({ field: "layers", reason: "need at least one LSTM layer" });
  } else {
    spec.layers.forEach((u, i) => {
      if (!positiveInteger(u)) bad.push({ field: `layers/${i}`, reason: `got ${u}` });
    });
  }
  if (!(spec.dropout >= 0 && spec.dropout < 1)) bad.push({ field: "dropout", reason: `got ${spec.dropout}` });
  if (bad.length > 0) throw invalidInput("invalid network shape (sizes are positive integers)", bad);
}

export class SequenceNetwork {
  readonly spec: NetworkSpec;
  readonly params: Float64Array;
  readonly grads: Float64Array;
  readonly lstm: readonly Lstm[];
  readonly head: Dense;
  private readonly dropouts: readonly Dropout[];
  private readonly layout: ParameterView[];
  /** Rows (steps × batch) and batch the buffers hold. */
  private capacity = 0;
  private batchCapacity = 0;
  private steps = 0;
  private batch = 0;
  private dropoutActive = false;
  /** The batch, time-major [T, B, inputSize]. */
  private input = new Float64Array(0);
  /** Per layer below the top: its output after dropout, [T, B, H_l]. */
  private dropped: Float64Array[] = [];
  /** Per layer: ∂L/∂(its output), [T, B, H_l]. */
  private dOutputs: Float64Array[] = [];
  /** The head's input after dropout, and its gradient, [B, H_top]. */
  private headInput = new Float64Array(0);
  private dHeadInput = new Float64Array(0);
  private output = new Float64Array(0);

  /** A network of this shape; `params` (copied) or zeros. Call {@link SequenceNetwork.initialize} for fresh weights. */
  constructor(spec: NetworkSpec, params?: Float64Array) {
    checkNetworkSpec(spec);
    this.spec = { ...spec, layers: [...spec.layers] };
    let count = 0;
    this.layout = [];
    const add = (name: string, shape: number[]) => {
      const length = shape.reduce((a, b) => a * b, 1);
      this.layout.push({ name, shape, offset: count, length });
      count += length;
    };
    let inputs = spec.inputSize;
    const starts: number[] = [];
    spec.layers.forEach((units, l) => {
      starts.push(count);
      add(`lstm.${l}.weight_ih`, [4 * units, inputs]);
      add(`lstm.${l}.weight_hh`, [4 * units, units]);
      add(`lstm.${l}.bias_ih`, [4 * units]);
      add(`lstm.${l}.bias_hh`, [4 * units]);
      inputs = units;
    });
    const headStart = count;
    add("head.weight", [spec.outputSize, inputs]);
    add("head.bias", [spec.outputSize]);
    if (params !== undefined && params.length !== count) {
      throw invalidInput("parameter vector does not match the network's shape", [
        { field: "params", reason: `expected ${count} values, got ${params.length}` },
      ]);
    }
    this.params = params === undefined ? new Float64Array(count) : Float64Array.from(params);
    this.grads = new Float64Array(count);
    inputs = spec.inputSize;
    this.lstm = spec.layers.map((units, l) => {
      const n = Lstm.parameterCount(inputs, units);
      const layer = new Lstm(
        inputs,
        units,
        this.params.subarray(starts[l], starts[l] + n),
        this.grads.subarray(starts[l], starts[l] + n),
      );
      inputs = units;
      return layer;
    });
    this.head = new Dense(inputs, spec.outputSize, this.params.subarray(headStart), this.grads.subarray(headStart));
    this.dropouts = spec.layers.map(() => new Dropout(spec.dropout));
  }

  /** PyTorch's default initialisation, layer by layer from the bottom (see `Lstm` and `Dense`). */
  initialize(rng: Rng): void {
    for (const layer of this.lstm) layer.initialize(rng);
    this.head.initialize(rng);
  }

  /** Every parameter tensor's name, shape and place in `params` / `grads`. */
  parameterLayout(): ParameterView[] {
    return this.layout.map((v) => ({ ...v, shape: [...v.shape] }));
  }

  /** Makes room for batches of `steps` × `batch` (reallocates only when they grow). */
  reserve(steps: number, batch: number): void {
    if (steps * batch <= this.capacity && batch <= this.batchCapacity) return;
    const rows = Math.max(steps * batch, this.capacity);
    const b = Math.max(batch, this.batchCapacity);
    const layers = this.spec.layers;
    const top = layers[layers.length - 1];
    this.input = new Float64Array(rows * this.spec.inputSize);
    this.dropped = layers.slice(0, -1).map((h) => new Float64Array(rows * h));
    this.dOutputs = layers.map((h) => new Float64Array(rows * h));
    this.headInput = new Float64Array(b * top);
    this.dHeadInput = new Float64Array(b * top);
    this.output = new Float64Array(b * this.spec.outputSize);
    for (const layer of this.lstm) layer.reserve(steps, batch);
    this.capacity = rows;
    this.batchCapacity = b;
  }

  /**
   * Copies `batch` sequences of X ([n, steps, inputSize], row-major as given) into the time-major input: rows
   * `order[start …]` when `order` is given, else rows start … start + batch − 1.
   */
  loadBatch(X: Float64Array, steps: number, order: Int32Array | null, start: number, batch: number): void {
    this.reserve(steps, batch);
    this.steps = steps;
    this.batch = batch;
    const I = this.spec.inputSize;
    const rowLength = steps * I;
    const input = this.input;
    for (let k = 0; k < batch; k++) {
      const src = (order === null ? start + k : order[start + k]) * rowLength;
      for (let t = 0; t < steps; t++) {
        const dst = (t * batch + k) * I;
        const s = src + t * I;
        for (let f = 0; f < I; f++) input[dst + f] = X[s + f];
      }
    }
  }

  /** Draws fresh dropout masks for the loaded batch (a no-op at rate 0). */
  sampleDropout(rng: Rng): void {
    if (this.spec.dropout === 0) return;
    const layers = this.spec.layers;
    const last = layers.length - 1;
    layers.forEach((h, l) => {
      this.dropouts[l].sample(rng, l < last ? this.steps * this.batch * h : this.batch * h);
    });
  }

  /**
   * Runs the loaded batch and returns the predictions, a view [batch, outputSize] valid until the next forward.
   * `training` applies the current dropout masks (draw them first with {@link SequenceNetwork.sampleDropout}).
   */
  forward(training: boolean): Float64Array {
    const { steps, batch } = this;
    const layers = this.spec.layers;
    const last = layers.length - 1;
    this.dropoutActive = training && this.spec.dropout > 0;
    let x: Float64Array = this.input;
    for (let l = 0; l < last; l++) {
      const h = this.lstm[l].forward(x, steps, batch);
      if (this.dropoutActive) {
        this.dropouts[l].apply(h, 0, this.dropped[l], steps * batch * layers[l]);
        x = this.dropped[l];
      } else {
        x = h;
      }
    }
    const top = this.lstm[last].forward(x, steps, batch);
    const lastStep = (steps - 1) * batch * layers[last];
    if (this.dropoutActive) {
      this.dropouts[last].apply(top, lastStep, this.headInput, batch * layers[last]);
      this.head.forward(this.headInput, 0, batch, this.output);
    } else {
      this.head.forward(top, lastStep, batch, this.output);
    }
    return this.output.subarray(0, batch * this.spec.outputSize);
  }

  /**
   * Backpropagates ∂L/∂predictions (`dY`, [batch, outputSize]) through the last forward, adding ∂L/∂θ into
   * `grads` (zero them first for a fresh gradient). With `dInput`, also writes ∂L/∂(the loaded batch) there,
   * time-major [steps, batch, inputSize] like the batch itself.
   */
  backward(dY: Float64Array, dInput: Float64Array | null = null): void {
    const { steps, batch } = this;
    const layers = this.spec.layers;
    const last = layers.length - 1;
    const H = layers[last];
    const top = this.lstm[last].output();
    const lastStep = (steps - 1) * batch * H;
    const dTop = this.dOutputs[last];
    dTop.fill(0, 0, steps * batch * H);
    if (this.dropoutActive) {
      this.head.backward(this.headInput, 0, batch, dY, this.dHeadInput, 0);
      this.dropouts[last].backward(this.dHeadInput, 0, batch * H);
      dTop.set(this.dHeadInput.subarray(0, batch * H), lastStep);
    } else {
      this.head.backward(top, lastStep, batch, dY, dTop, lastStep);
    }
    for (let l = last; l >= 0; l--) {
      const x = l === 0 ? this.input : this.dropoutActive ? this.dropped[l - 1] : this.lstm[l - 1].output();
      const dx = l === 0 ? dInput : this.dOutputs[l - 1];
      this.lstm[l].backward(x, this.dOutputs[l], dx);
      if (l > 0 && this.dropoutActive)
        this.dropouts[l - 1].backward(this.dOutputs[l - 1], 0, steps * batch * layers[l - 1]);
    }
  }
}
