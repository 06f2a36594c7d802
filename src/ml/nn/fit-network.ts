/**
 * The training loop: seeded shuffles into minibatches, forward, loss, backpropagation through time, optional
 * clipping by global norm, an optimiser step; per epoch the training loss (the batch losses, weighted by batch
 * size, as Keras reports it) and, with a validation set, the validation loss in inference mode; early stopping
 * after `patience` epochs without a lower validation loss, restoring the best epoch's weights (as Keras'
 * `EarlyStopping(restore_best_weights=True)`). Everything random comes from the `rng` passed in, so a fixed seed
 * gives the same weights on every run.
 */
import { SlipwayError } from "../../core/index.js";
import type { Rng } from "../random.js";
import { createLoss, type Loss, type LossName } from "./losses.js";
import { Adam, clipGlobalNorm, type Optimizer, Sgd } from "./optimizers.js";
import type { SequenceNetwork } from "./sequence-network.js";

/** Sequences per forward when only predicting (validation, `predict`): large enough to amortise the GEMMs. */
export const INFERENCE_BATCH = 256;

/** A block of sequences: X [n, steps, features] and y [n, outputs], row-major. */
export interface SequenceData {
  X: Float64Array;
  y: Float64Array;
  n: number;
}

/** Training options, already checked (see `SequenceRegressor.fit` for the public form and defaults). */
export interface ResolvedFitOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  optimizer: "adam" | "sgd";
  momentum: number;
  clipNorm: number | undefined;
  loss: LossName;
  huberDelta: number;
  patience: number | undefined;
  shuffle: boolean;
  onEpoch: ((record: EpochRecord) => void) | undefined;
}

/** One epoch's figures, passed to `onEpoch`. */
export interface EpochRecord {
  /** 0-based. */
  epoch: number;
  trainLoss: number;
  /** NaN without a validation set. */
  validationLoss: number;
}

/** What `fit` reports. */
export interface FitHistory {
  /** Training loss per epoch run. */
  trainLoss: number[];
  /** Validation loss per epoch run (empty without a validation set). */
  validationLoss: number[];
  /** The epoch (0-based) with the lowest validation loss; the last epoch without a validation set. */
  bestEpoch: number;
  /** The epoch whose weights the model holds after `fit`: `bestEpoch` with `patience`, else the last. */
  keptEpoch: number;
  /** True when `patience` ended training before `epochs`. */
  stoppedEarly: boolean;
  /** Epochs run. */
  epochs: number;
}

/** Trains `network` in place on `train` (sequences of `steps`), monitoring `validation` when given. */
export function fitNetwork(
  network: SequenceNetwork,
  train: SequenceData,
  validation: SequenceData | undefined,
  steps: number,
  options: ResolvedFitOptions,
  rng: Rng,
): FitHistory {
  const outputs = network.spec.outputSize;
  const loss = createLoss(options.loss, options.huberDelta);
  const { params, grads } = network;
  const optimizer: Optimizer =
    options.optimizer === "adam"
      ? new Adam(params.length, { learningRate: options.learningRate })
      : new Sgd(params.length, { learningRate: options.learningRate, momentum: options.momentum });
  const batchSize = Math.min(options.batchSize, train.n);
  network.reserve(steps, Math.max(batchSize, validation === undefined ? 0 : Math.min(INFERENCE_BATCH, validation.n)));
  const yBatch = new Float64Array(batchSize * outputs);
  const dY = new Float64Array(batchSize * outputs);
  const identity = Int32Array.from({ length: train.n }, (_, i) => i);
  const best = new Float64Array(params.length);
  const history: FitHistory = {
    trainLoss: [],
    validationLoss: [],
    bestEpoch: -1,
    keptEpoch: -1,
    stoppedEarly: false,
    epochs: 0,
  };
  let bestLoss = Number.POSITIVE_INFINITY;
  let sinceBest = 0;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const order = options.shuffle ? rng.permutation(train.n) : identity;
    let total = 0;
    for (let start = 0; start < train.n; start += batchSize) {
      const b = Math.min(batchSize, train.n - start);
      network.loadBatch(train.X, steps, order, start, b);
      for (let k = 0; k < b; k++) {
        const src = order[start + k] * outputs;
        for (let o = 0; o < outputs; o++) yBatch[k * outputs + o] = train.y[src + o];
      }
      network.sampleDropout(rng);
      const predicted = network.forward(true);
      const batchLoss = loss.gradient(predicted, yBatch, b * outputs, dY);
      if (!Number.isFinite(batchLoss)) {
        throw new SlipwayError("SLP_TRAIN_FAILED", "training diverged: the loss is not finite", [
          { field: "learningRate", reason: `loss ${batchLoss} in epoch ${epoch}; try a lower rate or clipNorm` },
        ]);
      }
      grads.fill(0);
      network.backward(dY);
      if (options.clipNorm !== undefined) clipGlobalNorm(grads, options.clipNorm);
      optimizer.step(params, grads);
      total += batchLoss * b;
    }
    const trainLoss = total / train.n;
    history.trainLoss.push(trainLoss);
    history.epochs = epoch + 1;
    let validationLoss = Number.NaN;
    if (validation !== undefined) {
      validationLoss = evaluateLoss(network, validation, steps, loss);
      history.validationLoss.push(validationLoss);
      // Strictly lower: on ties the earlier (fewer epochs) weights are kept.
      if (validationLoss < bestLoss) {
        bestLoss = validationLoss;
        history.bestEpoch = epoch;
        sinceBest = 0;
        if (options.patience !== undefined) best.set(params);
      } else {
        sinceBest++;
      }
    } else {
      history.bestEpoch = epoch;
    }
    options.onEpoch?.({ epoch, trainLoss, validationLoss });
    if (options.patience !== undefined && sinceBest >= options.patience) {
      history.stoppedEarly = epoch + 1 < options.epochs;
      break;
    }
  }
  history.keptEpoch = history.epochs - 1;
  if (options.patience !== undefined && history.bestEpoch >= 0 && history.bestEpoch !== history.keptEpoch) {
    params.set(best);
    history.keptEpoch = history.bestEpoch;
  }
  return history;
}

/** The loss over all of `data` in inference mode (no dropout), in chunks of {@link INFERENCE_BATCH}. */
export function evaluateLoss(network: SequenceNetwork, data: SequenceData, steps: number, loss: Loss): number {
  const outputs = network.spec.outputSize;
  let total = 0;
  for (let start = 0; start < data.n; start += INFERENCE_BATCH) {
    const b = Math.min(INFERENCE_BATCH, data.n - start);
    network.loadBatch(data.X, steps, null, start, b);
    const predicted = network.forward(false);
    total += loss.value(predicted, data.y.subarray(start * outputs, (start + b) * outputs), b * outputs) * b;
  }
  return total / data.n;
}

/** Predictions for all of X ([n, steps, features]) in inference mode, into `out` ([n, outputs]). */
export function predictNetwork(
  network: SequenceNetwork,
  X: Float64Array,
  n: number,
  steps: number,
  out: Float64Array,
): Float64Array {
  const outputs = network.spec.outputSize;
  for (let start = 0; start < n; start += INFERENCE_BATCH) {
    const b = Math.min(INFERENCE_BATCH, n - start);
    network.loadBatch(X, steps, null, start, b);
    out.set(network.forward(false), start * outputs);
  }
  return out;
}
