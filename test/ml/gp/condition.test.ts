import { describe, expect, it } from "vitest";
import {
  ConstantKernel,
  ExpSineSquaredKernel,
  GaussianProcessRegressor,
  productOf,
  RBFKernel,
  sumOf,
  WhiteKernel,
} from "../../../src/ml/gp/index.js";
import { columnMatrix, type Matrix } from "../../../src/ml/linalg/matrix.js";
import { Rng } from "../../../src/ml/random.js";
import { expectRelClose, referenceX, referenceY } from "./fixtures.js";

const kernel = () =>
  sumOf(
    productOf(new ConstantKernel({ constantValue: 1.5 }), new RBFKernel({ lengthScale: 2 })),
    productOf(new ConstantKernel({ constantValue: 0.3 }), new ExpSineSquaredKernel({ lengthScale: 1, periodicity: 3 })),
    new WhiteKernel({ noiseLevel: 0.02 }),
  );
const Xs = columnMatrix([-0.5, 3.3, 10.5, 13]);

function split(k: number): { X1: Matrix; y1: Float64Array; X2: Matrix; y2: Float64Array } {
  const n = referenceX.rows;
  return {
    X1: columnMatrix(referenceX.data.subarray(0, n - k)),
    y1: referenceY.slice(0, n - k),
    X2: columnMatrix(referenceX.data.subarray(n - k)),
    y2: referenceY.slice(n - k),
  };
}

function expectSamePredictions(a: GaussianProcessRegressor, b: GaussianProcessRegressor, rel: number): void {
  const pa = a.predict(Xs, { returnStd: true, returnCov: true });
  const pb = b.predict(Xs, { returnStd: true, returnCov: true });
  for (let i = 0; i < Xs.rows; i++) {
    expectRelClose(pa.mean[i], pb.mean[i], rel);
    expectRelClose(pa.std?.[i] ?? 0, pb.std?.[i] ?? 0, rel);
  }
  const ca = pa.cov?.data ?? new Float64Array(0);
  const cb = pb.cov?.data ?? new Float64Array(0);
  // Covariance entries are differences K** − VᵀV of O(1) terms: small ones carry absolute round-off of order
  // cond(K)·ε ≈ 1e-13, so they are compared with an absolute floor.
  for (let i = 0; i < ca.length; i++) expect(Math.abs(ca[i] - cb[i])).toBeLessThan(rel * Math.abs(cb[i]) + 1e-11);
}

describe("condition", () => {
  for (const k of [1, 7]) {
    it(`matches a fit on all points with the same hyperparameters (${k} new points)`, () => {
      const { X1, y1, X2, y2 } = split(k);
      const fitted = new GaussianProcessRegressor({ kernel: kernel() }).fit(X1, y1);
      const conditioned = fitted.condition(X2, y2);
      const direct = new GaussianProcessRegressor({ kernel: fitted.kernel, optimize: false }).fit(
        referenceX,
        referenceY,
      );
      // Same matrix, factorised in two orders: agreement to round-off amplified by cond(K) ≈ 1e3.
      expectSamePredictions(conditioned, direct, 1e-9);
      expectRelClose(conditioned.logMarginalLikelihood(), direct.logMarginalLikelihood(), 1e-10);
      expect(Array.from(conditioned.kernel.theta)).toEqual(Array.from(fitted.kernel.theta));
      // The original is untouched.
      expect(fitted.toJSON().xTrain.rows).toBe(referenceX.rows - k);
    });
  }

  it("keeps the original y normalisation, so the prior in y's units is unchanged", () => {
    const { X1, y1, X2, y2 } = split(5);
    const y1s = y1.map((v) => 50 + 20 * v);
    const y2s = y2.map((v) => 50 + 20 * v);
    const fitted = new GaussianProcessRegressor({ kernel: kernel(), optimize: false, normalizeY: true }).fit(X1, y1s);
    const conditioned = fitted.condition(X2, y2s);
    const { yMean, yStd } = fitted.toJSON();
    expect(conditioned.toJSON().yMean).toBe(yMean);
    // By hand: normalise every point with the first fit's mean and scale, fit without normalisation, map back.
    const byHand = new GaussianProcessRegressor({ kernel: kernel(), optimize: false }).fit(
      referenceX,
      Float64Array.from([...y1s, ...y2s], (v) => (v - yMean) / yStd),
    );
    const a = conditioned.predict(Xs, { returnStd: true });
    const b = byHand.predict(Xs, { returnStd: true });
    for (let i = 0; i < Xs.rows; i++) {
      expectRelClose(a.mean[i], yStd * b.mean[i] + yMean, 1e-9);
      expectRelClose(a.std?.[i] ?? 0, yStd * (b.std?.[i] ?? 0), 1e-9);
    }
  });

  it("chains, round-trips through JSON and handles per-sample alpha", () => {
    const { X1, y1, X2, y2 } = split(6);
    const alpha = new Float64Array(X1.rows).fill(1e-4);
    const gp = new GaussianProcessRegressor({ kernel: kernel(), optimize: false, alpha }).fit(X1, y1);
    expect(() => gp.condition(X2, y2)).toThrow(expect.objectContaining({ code: "SLP_INPUT_INVALID" }));
    const twice = gp
      .condition(columnMatrix(X2.data.subarray(0, 2)), y2.slice(0, 2), { alpha: 1e-4 })
      .condition(columnMatrix(X2.data.subarray(2)), y2.slice(2), { alpha: new Float64Array(4).fill(1e-4) });
    const direct = new GaussianProcessRegressor({
      kernel: kernel(),
      optimize: false,
      alpha: new Float64Array(referenceX.rows).fill(1e-4),
    }).fit(referenceX, referenceY);
    expectSamePredictions(twice, direct, 1e-9);
    const restored = GaussianProcessRegressor.fromJSON(twice.toJSON());
    expect(Array.from(restored.predict(Xs).mean)).toEqual(Array.from(twice.predict(Xs).mean));
  });

  it("falls back to refactoring when an exact duplicate without noise breaks the extension", () => {
    const noiseFree = new RBFKernel({ lengthScale: 1 });
    const gp = new GaussianProcessRegressor({ kernel: noiseFree, optimize: false, alpha: 0 });
    gp.fit(columnMatrix([0, 1, 2]), Float64Array.from([0, 1, 0]));
    const again = gp.condition(columnMatrix([1]), Float64Array.from([1]));
    expect(again.toJSON().jitter).toBeGreaterThan(0);
    expect(again.predict(columnMatrix([1])).mean[0]).toBeCloseTo(1, 4);
  });

  it("rejects mismatched or non-finite new observations and an unfitted model", () => {
    const gp = new GaussianProcessRegressor({ kernel: kernel(), optimize: false }).fit(referenceX, referenceY);
    expect(() => gp.condition(columnMatrix([1, 2]), new Float64Array(3))).toThrow(
      expect.objectContaining({ code: "SLP_INPUT_INVALID" }),
    );
    expect(() => gp.condition(columnMatrix([Number.NaN]), new Float64Array(1))).toThrow(
      expect.objectContaining({ code: "SLP_INPUT_INVALID" }),
    );
    const unfitted = new GaussianProcessRegressor({ kernel: kernel(), rng: new Rng(1) });
    expect(() => unfitted.condition(columnMatrix([1]), new Float64Array(1))).toThrow(
      expect.objectContaining({ code: "SLP_INPUT_INVALID" }),
    );
  });
});
