/**
 * Neural core: LSTM and Dense layers on Float64Array, losses, optimisers and a training loop, for the `lstm`
 * model family. Pure: no I/O, no clock, every random draw from a seeded `Rng`.
 *
 * The stable surface is {@link SequenceRegressor}:
 *   SequenceRegressor.create(config: SequenceRegressorConfig): SequenceRegressor
 *       config = { inputSize, layers: number[] (LSTM units per stacked layer), dropout?, outputSize, seed }
 *   model.fit(X: Float64Array, y: Float64Array, options: SequenceFitOptions): FitHistory
 *       options = { epochs, batchSize, learningRate, optimizer?: "adam" | "sgd", momentum?, clipNorm?,
 *                   loss?: "mse" | "mae" | "huber", huberDelta?, validation?: { X, y } | validationFraction?,
 *                   patience?, seed?, shuffle?, onEpoch? }
 *       history = { trainLoss[], validationLoss[], bestEpoch, keptEpoch, stoppedEarly, epochs }
 *   model.predict(X: Float64Array, n: number): Float64Array            // [n, outputSize]
 *   model.toJSON(): SequenceRegressorJson; SequenceRegressor.fromJSON(json: unknown): SequenceRegressor
 * For example:
 *   const model = SequenceRegressor.create({ inputSize: 3, layers: [32], dropout: 0, outputSize: 1, seed: 42 });
 *   const history = model.fit(X, y, { epochs: 50, batchSize: 32, learningRate: 1e-3, loss: "mse",
 *                                     validationFraction: 0.1, patience: 5 });
 *   const yHat = model.predict(Xtest, nTest);
 *   const copy = SequenceRegressor.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));   // bit-exact
 * X is [n, lookback, inputSize] and y [n, outputSize], row-major Float64Arrays; scaling the inputs (MinMax or
 * standard) is the caller's job, as in any neural network. Weights follow PyTorch's `nn.LSTM` / `nn.Linear`
 * layouts and gate order (i, f, g, o), listed by `model.network.parameterLayout()`.
 *
 * Lower levels (for tests and custom loops): `SequenceNetwork` (the stack, one flat parameter vector), `Lstm` and
 * `Dense` (forward / backward over a batch, time-major), `Dropout`, `createLoss`, `Adam`, `Sgd`, `clipGlobalNorm`,
 * `fitNetwork`.
 */
export { Dense } from "./dense.js";
export { Dropout } from "./dropout.js";
export {
  type EpochRecord,
  evaluateLoss,
  type FitHistory,
  fitNetwork,
  INFERENCE_BATCH,
  predictNetwork,
  type ResolvedFitOptions,
  type SequenceData,
} from "./fit-network.js";
export { decodeFloat64Base64, encodeFloat64Base64 } from "./float64-base64.js";
export { createLoss, LOSS_NAMES, type Loss, type LossName } from "./losses.js";
export { Lstm } from "./lstm.js";
export { Adam, type AdamOptions, clipGlobalNorm, type Optimizer, Sgd, type SgdOptions } from "./optimizers.js";
export {
  parseRegressorJson,
  REGRESSOR_JSON_FORMAT,
  regressorToJson,
  type SequenceRegressorJson,
  type StoredRegressorConfig,
} from "./regressor-json.js";
export { checkNetworkSpec, type NetworkSpec, type ParameterView, SequenceNetwork } from "./sequence-network.js";
export {
  type SequenceFitOptions,
  SequenceRegressor,
  type SequenceRegressorConfig,
} from "./sequence-regressor.js";
