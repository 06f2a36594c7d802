import { describe, expect, it } from "vitest";
import {
  ConstantKernel,
  DotProductKernel,
  ExponentiationKernel,
  ExpSineSquaredKernel,
  GaussianProcessRegressor,
  type GaussianProcessState,
  type Kernel,
  MaternKernel,
  ProductKernel,
  productOf,
  RationalQuadraticKernel,
  RBFKernel,
  SumKernel,
  sumOf,
  WhiteKernel,
} from "../../../src/ml/gp/index.js";
import { columnMatrix, type Matrix } from "../../../src/ml/linalg/matrix.js";
import { Rng } from "../../../src/ml/random.js";

// The reference data: X = np.linspace(0, 10, 30) (numpy computes i·step and pins the last point to the end),
// y = sin(x) + 0.1·cos(3x) + 0.05·x.
function linspace(start: number, stop: number, num: number): Float64Array {
  const step = (stop - start) / (num - 1);
  const out = new Float64Array(num);
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  out[num - 1] = stop;
  return out;
}
const x = linspace(0, 10, 30);
const X = columnMatrix(x);
const y = x.map((v) => Math.sin(v) + 0.1 * Math.cos(3 * v) + 0.05 * v);
const Xs = columnMatrix([2.5, 10.5, 12.0]);

/** c · k + White(0.01), scikit-learn's `c * k + WhiteKernel(0.01)`. */
function scaledPlusNoise(c: number, k: Kernel): Kernel {
  return new SumKernel(
    new ProductKernel(new ConstantKernel({ constantValue: c }), k),
    new WhiteKernel({ noiseLevel: 0.01 }),
  );
}

function expectRelClose(actual: number, expected: number, rel: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected));
}

// scikit-learn 1.2.1, GaussianProcessRegressor(kernel, optimizer=None) with alpha 1e-10, normalize_y=False.
// Tolerances: 1e-8 relative on the LML and 1e-6 on predictions leave room for a different Cholesky summation order
// (LAPACK's blocked factorisation vs ours) on a matrix with condition number ~1e4.
const references: { name: string; kernel: () => Kernel; lml: number }[] = [
  {
    name: "2·RBF(1.5) + White(0.01)",
    kernel: () => scaledPlusNoise(2, new RBFKernel({ lengthScale: 1.5 })),
    lml: 9.948583548050575,
  },
  {
    name: "Matern(ν=1.5)",
    kernel: () => scaledPlusNoise(1, new MaternKernel({ lengthScale: 1, nu: 1.5 })),
    lml: -7.008920045154387,
  },
  {
    name: "Matern(ν=2.5)",
    kernel: () => scaledPlusNoise(1, new MaternKernel({ lengthScale: 1, nu: 2.5 })),
    lml: -0.037222904035726145,
  },
  {
    name: "Matern(ν=0.5)",
    kernel: () => scaledPlusNoise(1, new MaternKernel({ lengthScale: 1, nu: 0.5 })),
    lml: -20.788259686455817,
  },
  {
    name: "RationalQuadratic(1, α=0.5)",
    kernel: () => scaledPlusNoise(1, new RationalQuadraticKernel({ lengthScale: 1, alpha: 0.5 })),
    lml: 3.1625609687667335,
  },
  {
    name: "ExpSineSquared(1, p=6)",
    kernel: () => scaledPlusNoise(1, new ExpSineSquaredKernel({ lengthScale: 1, periodicity: 6 })),
    lml: -28.57845691223788,
  },
  {
    name: "DotProduct(σ0=1) + 1·RBF(2) + White(0.01)",
    kernel: () =>
      sumOf(
        new DotProductKernel({ sigma0: 1 }),
        productOf(new ConstantKernel({ constantValue: 1 }), new RBFKernel({ lengthScale: 2 })),
        new WhiteKernel({ noiseLevel: 0.01 }),
      ),
    lml: 8.952999083479643,
  },
  {
    name: "1·RBF(3)·ExpSineSquared(1, p=6) + White(0.01)",
    kernel: () =>
      sumOf(
        productOf(
          new ConstantKernel({ constantValue: 1 }),
          new RBFKernel({ lengthScale: 3 }),
          new ExpSineSquaredKernel({ lengthScale: 1, periodicity: 6 }),
        ),
        new WhiteKernel({ noiseLevel: 0.01 }),
      ),
    lml: 6.341821051749168,
  },
  {
    // Exponentiation(RBF(2), 2) * ConstantKernel(1) + WhiteKernel(0.01), computed with scikit-learn 1.2.1.
    name: "RBF(2)² · 1 + White(0.01)",
    kernel: () =>
      sumOf(
        productOf(new ExponentiationKernel(new RBFKernel({ lengthScale: 2 }), 2), new ConstantKernel()),
        new WhiteKernel({ noiseLevel: 0.01 }),
      ),
    lml: 11.467817484089249,
  },
];

describe("GaussianProcessRegressor against scikit-learn 1.2.1", () => {
  for (const ref of references) {
    it(`log marginal likelihood, ${ref.name}`, () => {
      const gp = new GaussianProcessRegressor({ kernel: ref.kernel(), optimize: false }).fit(X, y);
      expectRelClose(gp.logMarginalLikelihood(), ref.lml, 1e-8);
      expectRelClose(gp.logMarginalLikelihood(gp.kernel.theta), ref.lml, 1e-8);
    });
  }

  it("predictive mean and std, 2·RBF(1.5) + White(0.01)", () => {
    const gp = new GaussianProcessRegressor({ kernel: references[0].kernel(), optimize: false }).fit(X, y);
    const { mean, std } = gp.predict(Xs, { returnStd: true });
    const expectedMean = [0.7298505365408176, -0.2364626789050286, 0.11929114763704529];
    const expectedStd = [0.11352792014373929, 0.27119225762775523, 1.0938679911163989];
    for (let i = 0; i < 3; i++) {
      expectRelClose(mean[i], expectedMean[i], 1e-6);
      expectRelClose(std?.[i] ?? Number.NaN, expectedStd[i], 1e-6);
    }
  });

  it("predictive mean, ExpSineSquared(1, p=6)", () => {
    const gp = new GaussianProcessRegressor({ kernel: references[5].kernel(), optimize: false }).fit(X, y);
    expectRelClose(gp.predict(Xs).mean[0], 1.0349344256489594, 1e-6);
  });
});

describe("GaussianProcessRegressor", () => {
  it("has an LML gradient matching central finite differences", () => {
    for (const ref of references) {
      const gp = new GaussianProcessRegressor({ kernel: ref.kernel(), optimize: false }).fit(X, y);
      const theta = gp.kernel.theta;
      const { value, gradient } = gp.logMarginalLikelihoodWithGradient(theta);
      expectRelClose(value, ref.lml, 1e-8);
      const h = 1e-5;
      for (let i = 0; i < theta.length; i++) {
        const plus = theta.slice();
        const minus = theta.slice();
        plus[i] += h;
        minus[i] -= h;
        const fd = (gp.logMarginalLikelihood(plus) - gp.logMarginalLikelihood(minus)) / (2 * h);
        // Central differences err by O(h²·f''') ≈ 1e-9 here, plus cancellation ~1e-16·|LML|/h.
        expect(Math.abs(gradient[i] - fd)).toBeLessThan(1e-5 * Math.max(1, Math.abs(fd)));
      }
    }
  });

  it("raises the LML by optimising θ, and restarts never do worse", () => {
    const initial = references[0].lml;
    const gp = new GaussianProcessRegressor({ kernel: references[0].kernel() }).fit(X, y);
    expect(gp.logMarginalLikelihood()).toBeGreaterThan(initial + 1);
    // KKT conditions at the optimum: the gradient vanishes (to L-BFGS tolerance) except at an active bound, where
    // it points outward. The data are noise-free, so the White noise level ends at its lower bound.
    const { gradient } = gp.logMarginalLikelihoodWithGradient();
    const theta = gp.kernel.theta;
    const { lower: lo, upper: hi } = gp.kernel.bounds;
    for (let i = 0; i < theta.length; i++) {
      if (theta[i] <= lo[i] + 1e-9) expect(gradient[i]).toBeLessThan(0);
      else if (theta[i] >= hi[i] - 1e-9) expect(gradient[i]).toBeGreaterThan(0);
      else expect(Math.abs(gradient[i])).toBeLessThan(1e-3);
    }
    expect(theta[2]).toBeCloseTo(lo[2], 9);

    const restarted = new GaussianProcessRegressor({
      kernel: references[0].kernel(),
      restarts: 3,
      rng: new Rng(7),
    }).fit(X, y);
    expect(restarted.logMarginalLikelihood()).toBeGreaterThanOrEqual(gp.logMarginalLikelihood() - 1e-8);
    const { lower, upper } = restarted.kernel.bounds;
    restarted.kernel.theta.forEach((t, i) => {
      expect(t).toBeGreaterThanOrEqual(lower[i]);
      expect(t).toBeLessThanOrEqual(upper[i]);
    });
  });

  it("is deterministic for a given seed", () => {
    const fittedTheta = (): number[] => {
      const gp = new GaussianProcessRegressor({ kernel: references[4].kernel(), restarts: 2, rng: new Rng(11) });
      return Array.from(gp.fit(X, y).kernel.theta);
    };
    expect(fittedTheta()).toEqual(fittedTheta());
  });

  it("round-trips through JSON and typed arrays with identical predictions", () => {
    const gp = new GaussianProcessRegressor({ kernel: references[1].kernel(), normalizeY: true }).fit(X, y);
    const state = gp.toJSON();
    // Simulate a bundle: typed arrays as number lists in JSON, then back into Float64Arrays.
    const text = JSON.stringify(state, (_k, v) => (v instanceof Float64Array ? Array.from(v) : v));
    const parsed = JSON.parse(text);
    const toMatrix = (m: { rows: number; cols: number; data: number[] }): Matrix => ({
      rows: m.rows,
      cols: m.cols,
      data: Float64Array.from(m.data),
    });
    const restoredState: GaussianProcessState = {
      ...parsed,
      xTrain: toMatrix(parsed.xTrain),
      L: toMatrix(parsed.L),
      yTrain: Float64Array.from(parsed.yTrain),
      dualCoef: Float64Array.from(parsed.dualCoef),
    };
    const restored = GaussianProcessRegressor.fromJSON(restoredState);
    const a = gp.predict(Xs, { returnStd: true, returnCov: true });
    const b = restored.predict(Xs, { returnStd: true, returnCov: true });
    expect(Array.from(b.mean)).toEqual(Array.from(a.mean));
    expect(Array.from(b.std ?? [])).toEqual(Array.from(a.std ?? []));
    expect(Array.from(b.cov?.data ?? [])).toEqual(Array.from(a.cov?.data ?? []));
    expect(restored.logMarginalLikelihood()).toBe(gp.logMarginalLikelihood());
    expect(restored.logMarginalLikelihood(restored.kernel.theta)).toBeCloseTo(gp.logMarginalLikelihood(), 10);
  });

  it("returns a covariance whose diagonal is the variance", () => {
    const gp = new GaussianProcessRegressor({ kernel: references[0].kernel(), optimize: false }).fit(X, y);
    const { std, cov } = gp.predict(Xs, { returnStd: true, returnCov: true });
    for (let i = 0; i < 3; i++) expectRelClose(cov?.data[i * 3 + i] ?? Number.NaN, (std?.[i] ?? 0) ** 2, 1e-10);
  });

  it("undoes y normalisation in predictions", () => {
    // normalizeY on y' = 100 + 10y must equal fitting (y' − mean)/std by hand and mapping the output back.
    const shifted = y.map((v) => 100 + 10 * v);
    let mu = 0;
    for (const v of shifted) mu += v / shifted.length;
    let variance = 0;
    for (const v of shifted) variance += (v - mu) ** 2 / shifted.length;
    const sd = Math.sqrt(variance);
    const byHand = new GaussianProcessRegressor({ kernel: references[0].kernel(), optimize: false });
    byHand.fit(
      X,
      shifted.map((v) => (v - mu) / sd),
    );
    const gp = new GaussianProcessRegressor({ kernel: references[0].kernel(), optimize: false, normalizeY: true });
    gp.fit(X, shifted);
    const a = gp.predict(Xs, { returnStd: true });
    const b = byHand.predict(Xs, { returnStd: true });
    for (let i = 0; i < 3; i++) {
      expectRelClose(a.mean[i], sd * b.mean[i] + mu, 1e-12);
      expectRelClose(a.std?.[i] ?? 0, sd * (b.std?.[i] ?? 0), 1e-12);
    }
  });

  it("predicts from the prior before fit and rejects bad input", () => {
    const gp = new GaussianProcessRegressor({ kernel: references[0].kernel() });
    const prior = gp.predict(Xs, { returnStd: true });
    expect(Array.from(prior.mean)).toEqual([0, 0, 0]);
    expectRelClose(prior.std?.[0] ?? 0, Math.sqrt(2.01), 1e-12);
    expect(() => gp.fit(X, new Float64Array(3))).toThrow(expect.objectContaining({ code: "SLP_INPUT_INVALID" }));
    expect(() => new GaussianProcessRegressor({ kernel: references[0].kernel(), restarts: 2 })).toThrow(
      expect.objectContaining({ code: "SLP_INPUT_INVALID" }),
    );
  });
});
