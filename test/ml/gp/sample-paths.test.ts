import { describe, expect, it } from "vitest";
import {
  ConstantKernel,
  GaussianProcessRegressor,
  productOf,
  RBFKernel,
  sumOf,
  WhiteKernel,
} from "../../../src/ml/gp/index.js";
import { columnMatrix } from "../../../src/ml/linalg/matrix.js";
import { Rng } from "../../../src/ml/random.js";
import { linspace, referenceX, referenceY } from "./fixtures.js";

const kernel = () =>
  sumOf(
    productOf(new ConstantKernel({ constantValue: 2 }), new RBFKernel({ lengthScale: 1.5 })),
    new WhiteKernel({ noiseLevel: 0.01 }),
  );
const Xs = columnMatrix(linspace(-1, 12, 9));

describe("samplePaths", () => {
  it("is reproducible for a seed and returns `count` paths of the test length", () => {
    const gp = new GaussianProcessRegressor({ kernel: kernel(), optimize: false, normalizeY: true });
    gp.fit(referenceX, referenceY);
    const a = gp.samplePaths(Xs, 3, new Rng(4));
    const b = gp.samplePaths(Xs, 3, new Rng(4));
    expect(a).toHaveLength(3);
    expect(a[0]).toHaveLength(Xs.rows);
    expect(a.map((p) => Array.from(p))).toEqual(b.map((p) => Array.from(p)));
    expect(Array.from(gp.samplePaths(Xs, 3, new Rng(5))[0])).not.toEqual(Array.from(a[0]));
    expect(gp.samplePaths(Xs, 0, new Rng(4))).toEqual([]);
    expect(() => gp.samplePaths(Xs, 1.5, new Rng(4))).toThrow(expect.objectContaining({ code: "SLP_INPUT_INVALID" }));
  });

  it("has the predictive mean and covariance as its sample moments", () => {
    const gp = new GaussianProcessRegressor({ kernel: kernel(), optimize: false, normalizeY: true });
    gp.fit(referenceX, referenceY);
    const { mean, cov } = gp.predict(Xs, { returnCov: true });
    const count = 20000;
    const paths = gp.samplePaths(Xs, count, new Rng(11));
    const m = Xs.rows;
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (const p of paths) s += p[i];
      const sd = Math.sqrt(cov?.data[i * m + i] ?? 0);
      // The sample mean has standard error sd/√count; 5 standard errors is a fixed-seed, generous bound.
      expect(Math.abs(s / count - mean[i])).toBeLessThan((5 * sd) / Math.sqrt(count));
    }
    for (const [i, j] of [
      [0, 1],
      [3, 4],
      [7, 8],
      [2, 6],
    ]) {
      let s = 0;
      for (const p of paths) s += (p[i] - mean[i]) * (p[j] - mean[j]);
      const c = cov?.data[i * m + j] ?? 0;
      const scale = Math.sqrt((cov?.data[i * m + i] ?? 0) * (cov?.data[j * m + j] ?? 0));
      // A sample covariance's standard error is ≤ √2·σ_i σ_j/√count.
      expect(Math.abs(s / count - c)).toBeLessThan((5 * Math.SQRT2 * scale) / Math.sqrt(count));
    }
  });

  it("draws from the prior before fit, and tolerates a singular noise-free posterior", () => {
    const prior = new GaussianProcessRegressor({ kernel: new RBFKernel({ lengthScale: 2 }) });
    const paths = prior.samplePaths(columnMatrix([0, 0.001, 0.002, 5]), 2, new Rng(1));
    // Nearly coincident points: a prior draw is almost equal there (correlation ≈ 1).
    expect(Math.abs(paths[0][0] - paths[0][1])).toBeLessThan(1e-2);
    const noiseFree = new GaussianProcessRegressor({ kernel: new RBFKernel({ lengthScale: 2 }), optimize: false });
    noiseFree.fit(referenceX, referenceY);
    // Test points on the training inputs: the posterior covariance there is ~0 and round-off makes it slightly
    // indefinite, so only jitter (at most 1e-6 × the largest prior variance, 1) makes it factorable; the draws then
    // stay within a few √1e-6 = 1e-3 of the data.
    const onTraining = noiseFree.samplePaths(columnMatrix(referenceX.data.subarray(0, 10)), 1, new Rng(2))[0];
    for (let i = 0; i < 10; i++) expect(Math.abs(onTraining[i] - referenceY[i])).toBeLessThan(5e-3);
  });
});
