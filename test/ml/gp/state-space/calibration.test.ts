import { describe, expect, it } from "vitest";
import {
  ConstantKernel,
  ExpSineSquaredKernel,
  type Kernel,
  MaternKernel,
  productOf,
  StateSpaceGaussianProcess,
  sumOf,
  WhiteKernel,
} from "../../../../src/ml/gp/index.js";
import { choleskyWithJitter } from "../../../../src/ml/linalg/cholesky.js";
import { columnMatrix } from "../../../../src/ml/linalg/matrix.js";
import { Rng } from "../../../../src/ml/random.js";

const Z_95 = 1.959963984540054;
const DRAWS = 200;
const TRAIN = 100;
const AHEAD = 12;

/** Season + smooth wander + noise, as the state-space forecaster's default form. */
const trueKernel = (): Kernel =>
  sumOf(
    productOf(new ConstantKernel({ constantValue: 1 }), new ExpSineSquaredKernel({ lengthScale: 1, periodicity: 1 })),
    productOf(new ConstantKernel({ constantValue: 0.5 }), new MaternKernel({ nu: 2.5, lengthScale: 2 })),
    new WhiteKernel({ noiseLevel: 0.05 }),
  );

describe("state-space forecast intervals on data drawn from a known GP", () => {
  // 2,400 pooled forecasts 1–12 steps ahead; draws are exact (dense Cholesky of the true covariance), the forecasts
  // come from the Kalman filter, so a wrong transition, process noise or periodic series would show here.
  it("cover 93–97% of the next 12 monthly values with the true kernel", () => {
    const rng = new Rng(7);
    const m = TRAIN + AHEAD;
    const x = Float64Array.from({ length: m }, (_, i) => i / 12);
    const { L } = choleskyWithJitter(trueKernel().k(columnMatrix(x)));
    let covered = 0;
    for (let d = 0; d < DRAWS; d++) {
      const z = new Float64Array(m).map(() => rng.normal());
      const y = new Float64Array(m);
      for (let i = 0; i < m; i++) for (let j = 0; j <= i; j++) y[i] += L.data[i * m + j] * z[j];
      const gp = new StateSpaceGaussianProcess({ kernel: trueKernel(), optimize: false }).fit(
        columnMatrix(x.subarray(0, TRAIN)),
        y.slice(0, TRAIN),
      );
      const { mean, std } = gp.predict(columnMatrix(x.subarray(TRAIN)));
      for (let i = 0; i < AHEAD; i++) if (Math.abs(y[TRAIN + i] - mean[i]) <= Z_95 * std[i]) covered++;
    }
    const coverage = covered / (DRAWS * AHEAD);
    expect(coverage).toBeGreaterThanOrEqual(0.93);
    expect(coverage).toBeLessThanOrEqual(0.97);
  });
});
