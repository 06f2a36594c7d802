// Known answers from PyTorch: bench/python/lstm_fixtures.py (python3-torch 1.13, float64) wrote
// test/fixtures/nn/lstm-torch.json — weights, inputs, outputs, the loss, autograd's gradients of the loss for every
// weight and the input, and the weights after three Adam and three SGD + momentum + clipping steps. Both sides run
// the same equations in double precision; only exp/tanh implementations and summation order differ (~1e-16
// relative), so 1e-9 absolute on values of order 1 leaves a wide margin and still catches any wrong term.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  Adam,
  clipGlobalNorm,
  createLoss,
  type LossName,
  SequenceNetwork,
  SequenceRegressor,
  Sgd,
} from "../../../src/ml/nn/index.js";

const TOLERANCE = 1e-9;

interface OptimizerRun {
  learningRate: number;
  momentum?: number;
  clipNorm?: number;
  steps: number;
  parameters: Record<string, number[]>;
}

interface TorchCase {
  name: string;
  inputSize: number;
  layers: number[];
  outputSize: number;
  batch: number;
  steps: number;
  loss: LossName;
  huberDelta: number;
  parameters: Record<string, number[]>;
  X: number[];
  y: number[];
  predictions: number[];
  topOutput: number[];
  lossValue: number;
  gradients: Record<string, number[]>;
  inputGradient: number[];
  adam: OptimizerRun;
  sgd: OptimizerRun;
}

const fixture: { torch: string; cases: TorchCase[] } = JSON.parse(
  readFileSync(new URL("../../fixtures/nn/lstm-torch.json", import.meta.url), "utf8"),
);

/** The largest |a − b|, checking lengths agree. */
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** A flat vector in the network's layout from torch's named tensors (every name must be used exactly once). */
function flatten(network: SequenceNetwork, named: Record<string, number[]>): Float64Array {
  const out = new Float64Array(network.params.length);
  const layout = network.parameterLayout();
  expect(layout.map((v) => v.name).sort()).toEqual(Object.keys(named).sort());
  for (const v of layout) {
    expect(named[v.name].length).toBe(v.length);
    out.set(named[v.name], v.offset);
  }
  return out;
}

function setUp(c: TorchCase) {
  const spec = { inputSize: c.inputSize, layers: c.layers, outputSize: c.outputSize, dropout: 0 };
  const network = new SequenceNetwork(spec);
  network.params.set(flatten(network, c.parameters));
  const X = Float64Array.from(c.X);
  const y = Float64Array.from(c.y);
  const loss = createLoss(c.loss, c.huberDelta);
  /** One forward and backward on the whole batch: predictions, loss, gradients in `network.grads`. */
  const step = () => {
    network.loadBatch(X, c.steps, null, 0, c.batch);
    const predicted = network.forward(true).slice();
    const dY = new Float64Array(predicted.length);
    network.grads.fill(0);
    const value = loss.gradient(predicted, y, predicted.length, dY);
    network.backward(dY);
    return { predicted, value };
  };
  return { network, X, y, step };
}

describe(`LSTM against PyTorch ${fixture.torch} (float64)`, () => {
  expect(fixture.cases.map((c) => c.name)).toEqual(["single", "stacked", "two_layer"]);

  for (const c of fixture.cases) {
    describe(`${c.name}: layers [${c.layers}], ${c.loss}`, () => {
      it("gives torch's predictions, top-layer output sequence and loss", () => {
        const { network, step } = setUp(c);
        const { predicted, value } = step();
        expect(maxAbsDiff(predicted, c.predictions)).toBeLessThan(TOLERANCE);
        expect(Math.abs(value - c.lossValue)).toBeLessThan(TOLERANCE);
        // Ours is time-major [T, B, H]; torch's batch-major [B, T, H].
        const top = network.lstm[c.layers.length - 1].output();
        const H = c.layers[c.layers.length - 1];
        const batchMajor = new Float64Array(top.length);
        for (let t = 0; t < c.steps; t++) {
          for (let b = 0; b < c.batch; b++) {
            for (let j = 0; j < H; j++) batchMajor[(b * c.steps + t) * H + j] = top[(t * c.batch + b) * H + j];
          }
        }
        expect(maxAbsDiff(batchMajor, c.topOutput)).toBeLessThan(TOLERANCE);
      });

      it("gives autograd's gradient for every weight", () => {
        const { network, step } = setUp(c);
        step();
        const expected = flatten(network, c.gradients);
        for (const v of network.parameterLayout()) {
          const ours = network.grads.subarray(v.offset, v.offset + v.length);
          expect(maxAbsDiff(ours, expected.subarray(v.offset, v.offset + v.length)), v.name).toBeLessThan(TOLERANCE);
        }
      });

      it("gives the gradient with respect to the input (through every layer)", () => {
        const { network, X, y } = setUp(c);
        network.loadBatch(X, c.steps, null, 0, c.batch);
        const predicted = network.forward(true);
        const dY = new Float64Array(predicted.length);
        createLoss(c.loss, c.huberDelta).gradient(predicted, y, predicted.length, dY);
        const dx = new Float64Array(X.length);
        network.backward(dY, dx);
        // Ours is time-major [T, B, I]; torch's batch-major [B, T, I].
        const batchMajor = new Float64Array(dx.length);
        for (let t = 0; t < c.steps; t++) {
          for (let b = 0; b < c.batch; b++) {
            for (let f = 0; f < c.inputSize; f++) {
              batchMajor[(b * c.steps + t) * c.inputSize + f] = dx[(t * c.batch + b) * c.inputSize + f];
            }
          }
        }
        expect(maxAbsDiff(batchMajor, c.inputGradient)).toBeLessThan(TOLERANCE);
      });

      it(`after ${c.adam.steps} Adam steps holds torch.optim.Adam's weights`, () => {
        const { network, step } = setUp(c);
        const adam = new Adam(network.params.length, { learningRate: c.adam.learningRate });
        for (let k = 0; k < c.adam.steps; k++) {
          step();
          adam.step(network.params, network.grads);
        }
        expect(maxAbsDiff(network.params, flatten(network, c.adam.parameters))).toBeLessThan(TOLERANCE);
      });

      it(`after ${c.sgd.steps} SGD + momentum + clipping steps holds torch.optim.SGD's weights`, () => {
        const { network, step } = setUp(c);
        const sgd = new Sgd(network.params.length, { learningRate: c.sgd.learningRate, momentum: c.sgd.momentum });
        for (let k = 0; k < c.sgd.steps; k++) {
          step();
          clipGlobalNorm(network.grads, c.sgd.clipNorm ?? Number.POSITIVE_INFINITY);
          sgd.step(network.params, network.grads);
        }
        expect(maxAbsDiff(network.params, flatten(network, c.sgd.parameters))).toBeLessThan(TOLERANCE);
      });
    });
  }

  it("SequenceRegressor.predict on torch's weights gives torch's predictions", () => {
    const c = fixture.cases[1];
    const model = SequenceRegressor.create({
      inputSize: c.inputSize,
      layers: c.layers,
      outputSize: c.outputSize,
      seed: 0,
    });
    model.network.params.set(flatten(model.network, c.parameters));
    expect(maxAbsDiff(model.predict(Float64Array.from(c.X), c.batch), c.predictions)).toBeLessThan(TOLERANCE);
  });
});
