import { describe, expect, it } from "vitest";
import { isSlipwayError } from "../../../src/core/index.js";
import { Adam, clipGlobalNorm, encodeFloat64Base64, SequenceRegressor, Sgd } from "../../../src/ml/nn/index.js";
import { Rng } from "../../../src/ml/random.js";

describe("optimisers", () => {
  it("Adam: two steps equal Kingma & Ba's update computed by hand", () => {
    const theta = Float64Array.of(1);
    const adam = new Adam(1, { learningRate: 0.1 });
    adam.step(theta, Float64Array.of(0.5));
    // m = 0.1·0.5 = 0.05, v = 0.001·0.25 = 0.00025; m̂ = 0.5, v̂ = 0.25: θ = 1 − 0.1·0.5 / (0.5 + 1e-8).
    expect(theta[0]).toBeCloseTo(0.900000002, 14);
    adam.step(theta, Float64Array.of(0.2));
    // m = 0.9·0.05 + 0.1·0.2 = 0.065, v = 0.999·0.00025 + 0.001·0.04 = 0.00028975;
    // θ = 0.900000002 − 0.1 · (0.065 / 0.19) / (√(0.00028975 / 0.001999) + 1e-8).
    expect(theta[0]).toBeCloseTo(0.8101424839029282, 14);
    expect(adam.steps).toBe(2);
  });

  it("SGD with momentum: v ← μ v + g, θ ← θ − η v (v = g on the first step)", () => {
    const theta = Float64Array.of(1, 0);
    const sgd = new Sgd(2, { learningRate: 0.1, momentum: 0.9 });
    const steps = [
      [1, -1],
      [1, 0],
      [0, 0],
    ];
    for (const g of steps) sgd.step(theta, Float64Array.from(g));
    // v: 1 → 1.9 → 1.71, so θ₀ = 1 − 0.1 (1 + 1.9 + 1.71); θ₁: v = −1 → −0.9 → −0.81.
    expect(theta[0]).toBeCloseTo(1 - 0.1 * (1 + 1.9 + 1.71), 14);
    expect(theta[1]).toBeCloseTo(0.1 * (1 + 0.9 + 0.81), 14);
    const plain = Float64Array.of(1);
    new Sgd(1, { learningRate: 0.5 }).step(plain, Float64Array.of(0.4));
    expect(plain[0]).toBe(0.8);
  });

  it("clipping by global norm rescales to the bound and leaves small gradients alone", () => {
    const g = Float64Array.of(3, 4, 0);
    expect(clipGlobalNorm(g, 1)).toBe(5);
    // torch's factor: maxNorm / (‖g‖ + 1e-6).
    expect(g[0]).toBeCloseTo(0.6 / (1 + 2e-7), 14);
    expect(g[1]).toBeCloseTo(0.8 / (1 + 2e-7), 14);
    const small = Float64Array.of(0.3, -0.4);
    clipGlobalNorm(small, 1);
    expect(Array.from(small)).toEqual([0.3, -0.4]);
  });
});

/** n windows of `steps` × 2 features and a target: a smooth function of the window, seeded. */
function toyData(n: number, steps: number, seed: number) {
  const rng = new Rng(seed);
  const X = new Float64Array(n * steps * 2);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let t = 0; t < steps; t++) {
      const a = rng.uniform(-1, 1);
      X[(i * steps + t) * 2] = a;
      X[(i * steps + t) * 2 + 1] = rng.uniform(-1, 1);
      s += a * (t + 1);
    }
    y[i] = Math.tanh(s / steps);
  }
  return { X, y };
}

const bitsOf = (a: Float64Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length * 2));

describe("SequenceRegressor training", () => {
  const config = { inputSize: 2, layers: [6, 4], dropout: 0.2, outputSize: 1, seed: 17 };
  const options = { epochs: 4, batchSize: 7, learningRate: 0.01 };

  it("is deterministic: the same seed gives bit-identical weights and history; another seed does not", () => {
    const { X, y } = toyData(50, 5, 1);
    const run = (fitSeed?: number) => {
      const model = SequenceRegressor.create(config);
      const history = model.fit(X, y, { ...options, seed: fitSeed, validationFraction: 0.2 });
      return { params: model.network.params, history };
    };
    const a = run();
    const b = run();
    expect(bitsOf(a.params)).toEqual(bitsOf(b.params));
    expect(a.history).toEqual(b.history);
    const c = run(99);
    expect(bitsOf(c.params)).not.toEqual(bitsOf(a.params));
  });

  it("different seeds give different initial weights", () => {
    const a = SequenceRegressor.create(config).network.params;
    const b = SequenceRegressor.create({ ...config, seed: 18 }).network.params;
    expect(bitsOf(a)).not.toEqual(bitsOf(b));
    // PyTorch's bound 1/√H for the first layer (H = 6).
    expect(Math.max(...a.subarray(0, 24 * 2).map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(6));
  });

  it("early stopping restores the best epoch's weights", () => {
    // Validation targets are half the training targets: on its way from ~0 to y the model passes 0.5 y, so the
    // validation loss falls, then rises, and patience stops training after the turn.
    const { X, y } = toyData(64, 4, 2);
    const validation = { X, y: y.map((v) => 0.5 * v) };
    const fitOptions = { epochs: 200, batchSize: 8, learningRate: 0.02, validation };
    const model = SequenceRegressor.create({ ...config, dropout: 0 });
    const history = model.fit(X, y, { ...fitOptions, patience: 3 });
    expect(history.stoppedEarly).toBe(true);
    expect(history.bestEpoch).toBeGreaterThan(0);
    expect(history.epochs).toBe(history.bestEpoch + 4);
    expect(history.keptEpoch).toBe(history.bestEpoch);
    const best = Math.min(...history.validationLoss);
    expect(history.validationLoss[history.bestEpoch]).toBe(best);
    expect(history.validationLoss[history.epochs - 1]).toBeGreaterThan(best);
    // The kept weights are exactly those of a run that stops at the best epoch.
    const reference = SequenceRegressor.create({ ...config, dropout: 0 });
    reference.fit(X, y, { ...fitOptions, epochs: history.bestEpoch + 1 });
    expect(bitsOf(model.network.params)).toEqual(bitsOf(reference.network.params));
    // And they score the recorded best validation loss.
    const p = model.predict(X, 64);
    const mse = p.reduce((s, v, i) => s + (v - validation.y[i]) ** 2, 0) / 64;
    expect(mse).toBeCloseTo(best, 12);
  });

  it("validationFraction holds out the last rows, in order", () => {
    const { X, y } = toyData(40, 3, 3);
    const a = SequenceRegressor.create({ ...config, dropout: 0 });
    const ha = a.fit(X, y, { ...options, validationFraction: 0.25 });
    const b = SequenceRegressor.create({ ...config, dropout: 0 });
    const hb = b.fit(X.subarray(0, 30 * 6), y.subarray(0, 30), {
      ...options,
      validation: { X: X.subarray(30 * 6), y: y.subarray(30) },
    });
    expect(ha.validationLoss).toEqual(hb.validationLoss);
    expect(ha.validationLoss).toHaveLength(4);
    expect(bitsOf(a.network.params)).toEqual(bitsOf(b.network.params));
  });

  it("rejects bad shapes and options with typed errors, and reports divergence", () => {
    const { X, y } = toyData(10, 3, 4);
    const model = SequenceRegressor.create(config);
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return isSlipwayError(e) ? `${e.code} ${e.details[0]?.field}` : "untyped";
      }
      return "none";
    };
    expect(codeOf(() => model.fit(X.subarray(1), y, options))).toBe("SLP_INPUT_INVALID X");
    expect(codeOf(() => model.fit(X, y, { ...options, patience: 2 }))).toBe("SLP_INPUT_INVALID patience");
    expect(codeOf(() => model.fit(X, y, { ...options, batchSize: 0 }))).toBe("SLP_INPUT_INVALID batchSize");
    expect(codeOf(() => model.predict(X, 7))).toBe("SLP_INPUT_INVALID X");
    expect(codeOf(() => SequenceRegressor.create({ ...config, layers: [] }))).toBe("SLP_INPUT_INVALID layers");
    const nan = X.slice();
    nan[4] = Number.NaN;
    expect(codeOf(() => model.predict(nan, 10))).toBe("SLP_INPUT_INVALID X/4");
    const huge = y.map((v) => v * 1e200);
    expect(codeOf(() => model.fit(X, huge, { ...options, optimizer: "sgd", learningRate: 1e10 }))).toBe(
      "SLP_TRAIN_FAILED learningRate",
    );
  });
});

describe("toJSON / fromJSON", () => {
  it("round-trips the weights bit for bit through JSON text, including −0 and subnormals", () => {
    const model = SequenceRegressor.create({ inputSize: 3, layers: [5, 2], dropout: 0.1, outputSize: 2, seed: 4 });
    model.network.params[0] = -0;
    model.network.params[1] = 5e-324;
    model.network.params[2] = 1 / 3;
    const copy = SequenceRegressor.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    expect(bitsOf(copy.network.params)).toEqual(bitsOf(model.network.params));
    expect(Object.is(copy.network.params[0], -0)).toBe(true);
    expect(copy.config).toEqual(model.config);
    const X = Float64Array.from({ length: 4 * 6 * 3 }, (_, i) => Math.sin(i));
    expect(bitsOf(copy.predict(X, 4))).toEqual(bitsOf(model.predict(X, 4)));
  });

  it("rejects documents that are not a regressor or whose weights do not fit", () => {
    // 4·3·(2 + 3 + 2) + 3 + 1 = 88 parameters.
    const doc = SequenceRegressor.create({ inputSize: 2, layers: [3], outputSize: 1, seed: 1 }).toJSON();
    expect(() => SequenceRegressor.fromJSON({ ...doc, format: "other" })).toThrow(/not a regressor/);
    expect(() => SequenceRegressor.fromJSON({ ...doc, weights: encodeFloat64Base64(new Float64Array(25)) })).toThrow(
      /parameter vector/,
    );
    expect(() => SequenceRegressor.fromJSON({ ...doc, weights: `*${doc.weights.slice(1)}` })).toThrow(/base64/);
    expect(() => SequenceRegressor.fromJSON({ ...doc, config: { ...doc.config, layers: ["3"] } })).toThrow(/config/);
  });
});

describe("learning", () => {
  it("forecasts a noisy sine 3 steps ahead to RMSE < 0.15 (noise sd 0.1; repeating the last value: ~0.53)", () => {
    // x_t = sin(2π t / 25) + ε_t, ε ~ N(0, 0.1²); windows of 20 values predict x_{t+3}. The irreducible RMSE is
    // the noise's 0.1; a model that learnt nothing beyond the last value scores ~0.53, one predicting the mean
    // ~0.72.
    const rng = new Rng(2024);
    const length = 1000;
    const series = Float64Array.from({ length }, (_, t) => Math.sin((2 * Math.PI * t) / 25) + 0.1 * rng.normal());
    const lookback = 20;
    const horizon = 3;
    const n = length - lookback - horizon + 1;
    const X = new Float64Array(n * lookback);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      X.set(series.subarray(i, i + lookback), i * lookback);
      y[i] = series[i + lookback + horizon - 1];
    }
    const nTrain = n - 200;
    const model = SequenceRegressor.create({ inputSize: 1, layers: [16], outputSize: 1, seed: 7 });
    const history = model.fit(X.subarray(0, nTrain * lookback), y.subarray(0, nTrain), {
      epochs: 25,
      batchSize: 32,
      learningRate: 0.01,
      clipNorm: 1,
    });
    expect(history.trainLoss[history.epochs - 1]).toBeLessThan(history.trainLoss[0]);
    const predicted = model.predict(X.subarray(nTrain * lookback), 200);
    let se = 0;
    let naive = 0;
    for (let i = 0; i < 200; i++) {
      se += (predicted[i] - y[nTrain + i]) ** 2;
      naive += (X[(nTrain + i) * lookback + lookback - 1] - y[nTrain + i]) ** 2;
    }
    const rmse = Math.sqrt(se / 200);
    expect(Math.sqrt(naive / 200)).toBeGreaterThan(0.45);
    expect(rmse).toBeLessThan(0.15);
  });
});
