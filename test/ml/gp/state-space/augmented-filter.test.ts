import { describe, expect, it } from "vitest";
import {
  augmentedFilter,
  ConstantKernel,
  DotProductKernel,
  ExpSineSquaredKernel,
  kalmanFilter,
  MaternKernel,
  productOf,
  type StateSpaceModel,
  stateSpaceModel,
  sumOf,
  WhiteKernel,
} from "../../../../src/ml/gp/index.js";
import { Rng } from "../../../../src/ml/random.js";

/** Trend + season + wander on a monthly grid (x = step / 12), centred. */
function data(n: number, seed: number): { x: Float64Array; y: Float64Array } {
  const rng = new Rng(seed);
  const x = Float64Array.from({ length: n }, (_, i) => i / 12 - n / 24);
  const y = x.map((v) => 0.2 * v + Math.sin(2 * Math.PI * v) + 0.3 * Math.sin(v / 3) + 0.1 * rng.normal());
  return { x, y };
}

const kernel = () =>
  sumOf(
    productOf(new ConstantKernel({ constantValue: 0.5 }), new DotProductKernel({ sigma0: 1 })),
    productOf(new ConstantKernel({ constantValue: 1.2 }), new ExpSineSquaredKernel({ lengthScale: 1, periodicity: 1 })),
    productOf(new ConstantKernel({ constantValue: 0.4 }), new MaternKernel({ nu: 2.5, lengthScale: 2 })),
    new WhiteKernel({ noiseLevel: 0.01 }),
  );

describe("augmented Kalman filter", () => {
  it("gives the plain filter's likelihood and end state with the deterministic terms marginalised", () => {
    const { x, y } = data(400, 2);
    const model = stateSpaceModel(kernel().toJSON()) as StateSpaceModel;
    expect(model.split()?.deterministic.dim).toBeGreaterThan(2);
    const plain = kalmanFilter(model, x, y, 0.01);
    const augmented = augmentedFilter(model, x, y, 0.01);
    expect(augmented.logLikelihood).toBeCloseTo(plain.logLikelihood, 6);
    for (let i = 0; i < model.dim; i++) expect(augmented.mean[i]).toBeCloseTo(plain.mean[i], 6);
    for (let i = 0; i < model.dim * model.dim; i++) expect(augmented.cov[i]).toBeCloseTo(plain.cov[i], 8);
  });

  it("reaches steady state where the plain filter, carrying the deterministic states, never does", () => {
    const { x, y } = data(3000, 3);
    const model = stateSpaceModel(kernel().toJSON()) as StateSpaceModel;
    const plain = kalmanFilter(model, x, y, 0.01);
    const augmented = augmentedFilter(model, x, y, 0.01);
    expect(plain.steadyFrom).toBe(-1);
    expect(augmented.steadyFrom).toBeGreaterThan(0);
    expect(augmented.steadyFrom).toBeLessThan(1000);
    expect(Math.abs(augmented.logLikelihood - plain.logLikelihood)).toBeLessThan(1e-8 * Math.abs(plain.logLikelihood));
  });

  it("falls back to the plain filter when every term is stochastic", () => {
    const { x, y } = data(100, 4);
    const model = stateSpaceModel(
      sumOf(new MaternKernel({ nu: 1.5 }), new WhiteKernel({ noiseLevel: 0.01 })).toJSON(),
    ) as StateSpaceModel;
    expect(model.split()).toBeUndefined();
    expect(augmentedFilter(model, x, y, 0.01)).toEqual(kalmanFilter(model, x, y, 0.01));
  });

  it("handles a model with no stochastic part (periodic + noise only)", () => {
    const { x, y } = data(200, 5);
    const model = stateSpaceModel(
      sumOf(
        new ExpSineSquaredKernel({ lengthScale: 1, periodicity: 1 }),
        new WhiteKernel({ noiseLevel: 0.05 }),
      ).toJSON(),
    ) as StateSpaceModel;
    expect(model.split()?.stochastic.dim).toBe(0);
    expect(augmentedFilter(model, x, y, 0.05).logLikelihood).toBeCloseTo(
      kalmanFilter(model, x, y, 0.05).logLikelihood,
      7,
    );
  });
});
