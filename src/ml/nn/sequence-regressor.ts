/**
 * The sequence regressor the `lstm` model family builds on: stacked LSTM layers, dropout, and a Dense head on the
 * last step, mapping a window X [n, lookback, features] to y [n, outputSize]. `create` draws PyTorch-style
 * initial weights from the seed; `fit` trains from the current weights (see `fit-network.ts`); `predict` runs in
 * inference mode; `toJSON` / `fromJSON` round-trip the weights bit for bit. The window length is free: any
 * lookback ≥ 1 works, and it is read from the array lengths.
 */
import { invalidInput } from "../../core/index.js";
import { Rng } from "../random.js";
import {
  type EpochRecord,
  type FitHistory,
  fitNetwork,
  predictNetwork,
  type ResolvedFitOptions,
  type SequenceData,
} from "./fit-network.js";
import { LOSS_NAMES, type LossName } from "./losses.js";
import { parseRegressorJson, regressorToJson, type SequenceRegressorJson } from "./regressor-json.js";
import { checkNetworkSpec, SequenceNetwork } from "./sequence-network.js";

/** The architecture and seed of a regressor. */
export interface SequenceRegressorConfig {
  /** Features per time step. */
  inputSize: number;
  /** LSTM units per stacked layer, bottom first, e.g. [32] or [64, 32]. */
  layers: number[];
  /** Dropout rate in [0, 1) on every LSTM layer's output, in training only. Default 0. */
  dropout?: number;
  /** Values predicted per window (1 for one step ahead, h for a direct h-step forecast). */
  outputSize: number;
  /** Seeds the initial weights (and, unless `fit` is given its own, the shuffles and dropout masks). */
  seed: number;
}

/** Options of {@link SequenceRegressor.fit}. */
export interface SequenceFitOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Default "adam" (β₁ 0.9, β₂ 0.999, ε 1e-8). */
  optimizer?: "adam" | "sgd";
  /** SGD momentum in [0, 1); default 0. */
  momentum?: number;
  /** Clip the gradient's global L2 norm to this before each step; default no clipping. */
  clipNorm?: number;
  /** Default "mse". */
  loss?: LossName;
  /** δ of the Huber loss; default 1. */
  huberDelta?: number;
  /** A held-out set to monitor (takes precedence over `validationFraction`). */
  validation?: { X: Float64Array; y: Float64Array };
  /** Hold out this share (0, 1) of the rows, the LAST ones in the given order (time order), for validation. */
  validationFraction?: number;
  /** Stop after this many epochs without a lower validation loss and restore the best epoch's weights. */
  patience?: number;
  /** Seeds the shuffles and dropout masks; default the config's seed. */
  seed?: number;
  /** Reshuffle the training rows every epoch; default true. */
  shuffle?: boolean;
  /** Called after every epoch (progress reporting). */
  onEpoch?: (record: EpochRecord) => void;
}

/**
 * Offsets the training stream from the initialisation stream: both default to the config's seed, and two
 * generators with equal seeds would draw the same numbers for weights and shuffles.
 */
const TRAIN_SEED_OFFSET = 0x6d2b79f5;

export class SequenceRegressor {
  readonly config: Required<SequenceRegressorConfig>;
  /** The network; its `params` are the live weights. */
  readonly network: SequenceNetwork;

  private constructor(config: Required<SequenceRegressorConfig>, network: SequenceNetwork) {
    this.config = config;
    this.network = network;
  }

  /** A regressor with fresh seeded weights (PyTorch's default initialisation). */
  static create(config: SequenceRegressorConfig): SequenceRegressor {
    const resolved = resolveConfig(config);
    const network = new SequenceNetwork(resolved);
    network.initialize(new Rng(resolved.seed));
    return new SequenceRegressor(resolved, network);
  }

  /** Rebuilds a regressor from {@link SequenceRegressor.toJSON}'s output (validated: it comes from a bundle). */
  static fromJSON(json: unknown): SequenceRegressor {
    const { config, weights } = parseRegressorJson(json);
    const resolved = resolveConfig(config);
    return new SequenceRegressor(resolved, new SequenceNetwork(resolved, weights));
  }

  /**
   * Trains on X ([n, lookback, inputSize]) and y ([n, outputSize]), both row-major, from the current weights.
   * Returns the loss history; with `patience` the best epoch's weights are restored.
   */
  fit(X: Float64Array, y: Float64Array, options: SequenceFitOptions): FitHistory {
    const { inputSize, outputSize } = this.config;
    const n = rowsOf(y, outputSize, "y");
    const steps = stepsOf(X, n, inputSize, "X");
    const resolved = resolveFitOptions(options);
    let train: SequenceData = { X, y, n };
    let validation: SequenceData | undefined;
    if (options.validation !== undefined) {
      const vy = options.validation.y;
      const vn = rowsOf(vy, outputSize, "validation/y");
      const vSteps = stepsOf(options.validation.X, vn, inputSize, "validation/X");
      if (vSteps !== steps) {
        throw invalidInput("validation windows differ in length from the training windows", [
          { field: "validation/X", reason: `lookback ${vSteps}, training ${steps}` },
        ]);
      }
      validation = { X: options.validation.X, y: vy, n: vn };
    } else if (options.validationFraction !== undefined) {
      const f = options.validationFraction;
      const held = Math.ceil(f * n);
      if (!(f > 0 && f < 1) || held >= n) {
        throw invalidInput("validationFraction must leave rows on both sides", [
          { field: "validationFraction", reason: `${f} of ${n} rows` },
        ]);
      }
      const cut = n - held;
      const w = steps * inputSize;
      validation = { X: X.subarray(cut * w), y: y.subarray(cut * outputSize), n: held };
      train = { X: X.subarray(0, cut * w), y: y.subarray(0, cut * outputSize), n: cut };
    }
    if (resolved.patience !== undefined && validation === undefined) {
      throw invalidInput("patience needs a validation set", [
        { field: "patience", reason: "give validation or validationFraction" },
      ]);
    }
    const seed = options.seed ?? this.config.seed;
    return fitNetwork(this.network, train, validation, steps, resolved, new Rng((seed + TRAIN_SEED_OFFSET) >>> 0));
  }

  /** Predictions for n windows X ([n, lookback, inputSize]) as [n, outputSize], in inference mode. */
  predict(X: Float64Array, n: number): Float64Array {
    if (!Number.isInteger(n) || n < 0)
      throw invalidInput("n must be a non-negative integer", [{ field: "n", reason: `got ${n}` }]);
    const out = new Float64Array(n * this.config.outputSize);
    if (n === 0) return out;
    const steps = stepsOf(X, n, this.config.inputSize, "X");
    return predictNetwork(this.network, X, n, steps, out);
  }

  /** A JSON-safe document holding the config and the exact weights. */
  toJSON(): SequenceRegressorJson {
    return regressorToJson(this.config, this.network.params);
  }
}

function resolveConfig(config: SequenceRegressorConfig): Required<SequenceRegressorConfig> {
  const resolved = {
    inputSize: config.inputSize,
    layers: [...config.layers],
    dropout: config.dropout ?? 0,
    outputSize: config.outputSize,
    seed: config.seed,
  };
  checkNetworkSpec(resolved);
  if (!Number.isInteger(resolved.seed))
    throw invalidInput("seed must be an integer", [{ field: "seed", reason: `got ${resolved.seed}` }]);
  return resolved;
}

function resolveFitOptions(o: SequenceFitOptions): ResolvedFitOptions {
  const bad: { field: string; reason: string }[] = [];
  const positiveInt = (v: number | undefined) => v !== undefined && Number.isInteger(v) && v > 0;
  if (!positiveInt(o.epochs)) bad.push({ field: "epochs", reason: `got ${o.epochs}` });
  if (!positiveInt(o.batchSize)) bad.push({ field: "batchSize", reason: `got ${o.batchSize}` });
  if (!(o.learningRate > 0) || !Number.isFinite(o.learningRate))
    bad.push({ field: "learningRate", reason: `got ${o.learningRate}` });
  const optimizer = o.optimizer ?? "adam";
  if (optimizer !== "adam" && optimizer !== "sgd")
    bad.push({ field: "optimizer", reason: `got ${String(optimizer)}; known: adam, sgd` });
  const loss = o.loss ?? "mse";
  if (!LOSS_NAMES.includes(loss))
    bad.push({ field: "loss", reason: `got ${String(loss)}; known: ${LOSS_NAMES.join(", ")}` });
  if (o.clipNorm !== undefined && !(o.clipNorm > 0)) bad.push({ field: "clipNorm", reason: `got ${o.clipNorm}` });
  if (o.patience !== undefined && !positiveInt(o.patience))
    bad.push({ field: "patience", reason: `got ${o.patience}` });
  if (o.seed !== undefined && !Number.isInteger(o.seed)) bad.push({ field: "seed", reason: `got ${o.seed}` });
  if (bad.length > 0) throw invalidInput("invalid training options", bad);
  return {
    epochs: o.epochs,
    batchSize: o.batchSize,
    learningRate: o.learningRate,
    optimizer,
    momentum: o.momentum ?? 0,
    clipNorm: o.clipNorm,
    loss,
    huberDelta: o.huberDelta ?? 1,
    patience: o.patience,
    shuffle: o.shuffle ?? true,
    onEpoch: o.onEpoch,
  };
}

/** n from y's length (n · outputs values), checking the values are finite. */
function rowsOf(y: Float64Array, outputs: number, field: string): number {
  if (!(y instanceof Float64Array) || y.length === 0 || y.length % outputs !== 0) {
    throw invalidInput("targets do not match the output size", [
      { field, reason: `expected a non-empty Float64Array of n × ${outputs} values, got ${y?.length}` },
    ]);
  }
  checkFinite(y, field);
  return y.length / outputs;
}

/** The window length from X's length (n · steps · features values), checking the values are finite. */
function stepsOf(X: Float64Array, n: number, features: number, field: string): number {
  const steps = X instanceof Float64Array ? X.length / (n * features) : Number.NaN;
  if (!Number.isInteger(steps) || steps < 1) {
    throw invalidInput("windows do not match [n, lookback, features]", [
      { field, reason: `${X?.length} values for n = ${n} windows of ${features} features` },
    ]);
  }
  checkFinite(X, field);
  return steps;
}

function checkFinite(a: Float64Array, field: string): void {
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]))
      throw invalidInput("values must be finite", [{ field: `${field}/${i}`, reason: `got ${a[i]}` }]);
  }
}
