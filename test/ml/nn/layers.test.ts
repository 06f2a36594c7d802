import { describe, expect, it } from "vitest";
import { createLoss, Dense, Dropout, LOSS_NAMES, Lstm, SequenceNetwork } from "../../../src/ml/nn/index.js";
import { setPackedProductGeneric } from "../../../src/ml/nn/packed-product.js";
import { Rng } from "../../../src/ml/random.js";
import { maxRelativeError, numericGradient, uniformArray } from "./gradient-check.js";

// Acceptance: every layer's analytic gradient matches central finite differences to 1e-6 relative (Float64).
const TOLERANCE = 1e-6;

describe("Dense gradient", () => {
  it("matches finite differences for W, b and the input", () => {
    const rng = new Rng(1);
    const [inputs, outputs, rows] = [5, 3, 4];
    const params = uniformArray(rng, Dense.parameterCount(inputs, outputs));
    const grads = new Float64Array(params.length);
    const layer = new Dense(inputs, outputs, params, grads);
    const x = uniformArray(rng, rows * inputs);
    const R = uniformArray(rng, rows * outputs);
    const out = new Float64Array(rows * outputs);
    // f = Σ R ⊙ y, so ∂f/∂y = R.
    const f = () => {
      layer.forward(x, 0, rows, out);
      return out.reduce((s, v, i) => s + v * R[i], 0);
    };
    f();
    const dx = new Float64Array(rows * inputs);
    layer.backward(x, 0, rows, R, dx);
    expect(maxRelativeError(grads, numericGradient(f, params))).toBeLessThan(TOLERANCE);
    expect(maxRelativeError(dx, numericGradient(f, x))).toBeLessThan(TOLERANCE);
  });
});

describe("LSTM layer gradient (backpropagation through time)", () => {
  for (const [inputs, units, steps, batch] of [
    [3, 4, 5, 2],
    [2, 3, 1, 3],
    [4, 9, 7, 1],
  ]) {
    it(`matches finite differences for all weights and the inputs (I ${inputs}, H ${units}, T ${steps}, B ${batch})`, () => {
      const rng = new Rng(inputs * 100 + units);
      const params = uniformArray(rng, Lstm.parameterCount(inputs, units), -0.8, 0.8);
      const grads = new Float64Array(params.length);
      const layer = new Lstm(inputs, units, params, grads);
      const x = uniformArray(rng, steps * batch * inputs, -2, 2);
      // Upstream gradient on every step's output, so every path through time is exercised.
      const R = uniformArray(rng, steps * batch * units);
      const f = () => layer.forward(x, steps, batch).reduce((s, v, i) => s + v * R[i], 0);
      f();
      const dx = new Float64Array(x.length);
      layer.backward(x, R, dx);
      expect(maxRelativeError(grads, numericGradient(f, params))).toBeLessThan(TOLERANCE);
      expect(maxRelativeError(dx, numericGradient(f, x))).toBeLessThan(TOLERANCE);
    });
  }
});

describe("losses", () => {
  for (const name of LOSS_NAMES) {
    it(`${name}: gradient matches finite differences and the value is the mean`, () => {
      const rng = new Rng(3);
      const n = 12;
      const y = uniformArray(rng, n, -2, 2);
      // Residuals bounded away from 0 (MAE's kink) and from ±δ (Huber's), with both Huber branches present.
      const p = y.map((v, i) => v + (i % 2 ? 1 : -1) * (0.1 + (i % 4) * 0.5));
      const loss = createLoss(name, 0.7);
      const d = new Float64Array(n);
      const value = loss.gradient(p, y, n, d);
      expect(value).toBe(loss.value(p, y, n));
      expect(
        maxRelativeError(
          d,
          numericGradient(() => loss.value(p, y, n), p),
        ),
      ).toBeLessThan(TOLERANCE);
    });
  }

  it("agree with their definitions on a small case", () => {
    const p = Float64Array.of(0, 3);
    const y = Float64Array.of(1, 0);
    expect(createLoss("mse").value(p, y, 2)).toBe((1 + 9) / 2);
    expect(createLoss("mae").value(p, y, 2)).toBe((1 + 3) / 2);
    // δ = 1: ½·1² and 1·(3 − ½).
    expect(createLoss("huber").value(p, y, 2)).toBe((0.5 + 2.5) / 2);
  });
});

/** A network, a batch and f(θ) = loss(network(x; θ), y) with the dropout masks held fixed. */
function networkCase(layers: number[], dropout: number, loss: "mse" | "mae" | "huber", seed: number) {
  const rng = new Rng(seed);
  const [inputs, outputs, steps, batch] = [3, 2, 6, 4];
  const network = new SequenceNetwork({ inputSize: inputs, layers, outputSize: outputs, dropout });
  network.initialize(rng);
  const X = uniformArray(rng, batch * steps * inputs, -2, 2);
  const y = uniformArray(rng, batch * outputs, -1, 1);
  network.loadBatch(X, steps, null, 0, batch);
  network.sampleDropout(rng);
  const l = createLoss(loss, 0.3);
  const dY = new Float64Array(batch * outputs);
  const f = () => l.value(network.forward(true), y, batch * outputs);
  network.grads.fill(0);
  l.gradient(network.forward(true), y, batch * outputs, dY);
  network.backward(dY);
  return { network, f };
}

describe("SequenceNetwork gradient", () => {
  const cases: [string, number[], number, "mse" | "mae" | "huber"][] = [
    ["one LSTM layer, MSE", [4], 0, "mse"],
    ["two stacked layers of different widths, MSE", [5, 3], 0, "mse"],
    ["three stacked layers, Huber", [3, 4, 2], 0, "huber"],
    ["two layers, MAE", [4, 3], 0, "mae"],
    ["two layers with dropout 0.4 (fixed masks)", [5, 4], 0.4, "mse"],
  ];
  for (const [label, layers, dropout, loss] of cases) {
    it(`${label}: every parameter matches finite differences`, () => {
      const { network, f } = networkCase(layers, dropout, loss, layers.length * 10 + layers[0]);
      const analytic = network.grads.slice();
      expect(analytic.some((v) => v !== 0)).toBe(true);
      expect(maxRelativeError(analytic, numericGradient(f, network.params))).toBeLessThan(TOLERANCE);
    });
  }

  it("with dropout, the masks are really applied (training differs from inference)", () => {
    const { network } = networkCase([5, 4], 0.4, "mse", 7);
    const train = network.forward(true).slice();
    const infer = network.forward(false).slice();
    expect(Array.from(train)).not.toEqual(Array.from(infer));
  });

  it("detects a wrong gradient (the check can fail)", () => {
    const { network, f } = networkCase([4], 0, "mse", 5);
    const analytic = network.grads.slice();
    const i = analytic.findIndex((v) => Math.abs(v) > 1e-3);
    analytic[i] *= 1 + 1e-5;
    expect(maxRelativeError(analytic, numericGradient(f, network.params))).toBeGreaterThan(TOLERANCE);
  });
});

describe("Dropout", () => {
  it("keeps values with probability 1 − p, scaled by 1 / (1 − p)", () => {
    const d = new Dropout(0.25);
    d.sample(new Rng(9), 40_000);
    const kept = d.mask.filter((m) => m !== 0);
    expect(new Set(kept)).toEqual(new Set([1 / 0.75]));
    // Binomial(40000, 0.75): sd ≈ 87, so ±500 is over 5 sd.
    expect(Math.abs(kept.length - 30_000)).toBeLessThan(500);
  });

  it("rejects a rate outside [0, 1)", () => {
    expect(() => new Dropout(1)).toThrow(/dropout/);
  });
});

describe("packed recurrent product", () => {
  it("gives bit-identical outputs and gradients to the plain gemm path", () => {
    const run = (generic: boolean) => {
      setPackedProductGeneric(generic);
      try {
        const { network } = networkCase([7, 5], 0, "mse", 21);
        return { params: network.params.slice(), grads: network.grads.slice() };
      } finally {
        setPackedProductGeneric(false);
      }
    };
    const packed = run(false);
    const generic = run(true);
    expect(packed.grads.some((v) => v !== 0)).toBe(true);
    expect(Array.from(packed.grads)).toEqual(Array.from(generic.grads));
  });
});
