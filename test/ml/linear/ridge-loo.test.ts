import { describe, expect, it } from "vitest";
import type { FeatureMatrix } from "../../../src/ml/linear/normal-equations.js";
import { RidgeRegression } from "../../../src/ml/linear/ridge.js";
import { fitRidgeLeaveOneOut, RIDGE_ALPHAS } from "../../../src/ml/linear/ridge-loo.js";
import { fitFeatureScaling, scaleFeatures } from "../../../src/ml/linear/standardise.js";
import { REFERENCE_X, REFERENCE_Y } from "./reference-data.js";

const X: FeatureMatrix = { rows: 20, cols: 4, data: Float64Array.from(REFERENCE_X) };
const y = Float64Array.from(REFERENCE_Y);

function columns(M: FeatureMatrix, keep: number[]): FeatureMatrix {
  const data = new Float64Array(M.rows * keep.length);
  for (let i = 0; i < M.rows; i++) {
    for (let c = 0; c < keep.length; c++)
      data[i * keep.length + c] = M.data[i * M.cols + (keep[c] as number)] as number;
  }
  return { rows: M.rows, cols: keep.length, data };
}

/** The mean squared error of n refits, each on every row but one, predicting the row it left out. */
function bruteForceLeaveOneOut(M: FeatureMatrix, target: Float64Array, alpha: number): number {
  let sum = 0;
  for (let out = 0; out < M.rows; out++) {
    const keep = Int32Array.from({ length: M.rows - 1 }, (_, r) => (r < out ? r : r + 1));
    const data = new Float64Array(keep.length * M.cols);
    keep.forEach((i, r) => {
      data.set(M.data.subarray(i * M.cols, (i + 1) * M.cols), r * M.cols);
    });
    const model = RidgeRegression.fit(
      { rows: keep.length, cols: M.cols, data },
      Float64Array.from(keep, (i) => target[i] as number),
      {
        alpha,
        relativeJitter: 0,
      },
    );
    const row = { rows: 1, cols: M.cols, data: M.data.slice(out * M.cols, (out + 1) * M.cols) };
    sum += ((target[out] as number) - (model.predict(row)[0] as number)) ** 2;
  }
  return sum / M.rows;
}

describe("fitRidgeLeaveOneOut", () => {
  it("searches scikit-learn's RidgeCV grid, 10⁻³ … 10³ at two values a decade", () => {
    expect(RIDGE_ALPHAS).toHaveLength(13);
    expect(RIDGE_ALPHAS[0]).toBeCloseTo(1e-3, 15);
    expect(RIDGE_ALPHAS[6]).toBe(1);
    expect(RIDGE_ALPHAS[12]).toBeCloseTo(1e3, 10);
  });

  it("scores every alpha by its exact leave-one-out error, as n refits do, and keeps the least", () => {
    // With the penalty fixed (standardised once, on all rows) the closed form is exact: the refits agree to
    // rounding, a relative 1e-9 being far above the ~1e-13 the Cholesky solves leave.
    const Z = scaleFeatures(X, fitFeatureScaling(X));
    for (const keep of [
      [0, 1, 2, 3],
      [1, 3],
    ]) {
      const M = columns(Z, keep);
      const search = fitRidgeLeaveOneOut(M, y, { relativeJitter: 0 });
      const brute = Array.from(RIDGE_ALPHAS, (alpha) => bruteForceLeaveOneOut(M, y, alpha));
      search.meanSquaredError.forEach((mse, a) => {
        expect(Math.abs(mse - (brute[a] as number))).toBeLessThan(1e-9 * (brute[a] as number));
      });
      const least = brute.indexOf(Math.min(...brute));
      expect(search.alpha).toBe(RIDGE_ALPHAS[least]);
      // The model is the fit on every row at that alpha, and the residuals are its leave-one-out residuals.
      const fit = RidgeRegression.fit(M, y, { alpha: search.alpha, relativeJitter: 0 });
      expect(Array.from(search.model.coefficients)).toEqual(Array.from(fit.coefficients));
      expect(Array.from(search.residuals)).toEqual(Array.from(fit.leaveOneOutResiduals(M, y)));
    }
  });

  it("matches scikit-learn's RidgeCV after a StandardScaler", () => {
    // RidgeCV(alphas=np.logspace(-3, 3, 13), store_cv_values=True) on StandardScaler().fit_transform(X), in
    // scikit-learn 1.2.1: alpha_ and cv_values_.mean(axis=0), and coef_ on the standardised columns.
    const reference = [
      {
        keep: [0, 1, 2, 3],
        alpha: 0.1,
        mse: [
          0.16644050568193605, 0.16642342405505256, 0.16637099361618427, 0.16622098223174622, 0.16590211666871324,
          0.16637672878567855, 0.1806750265944351, 0.30797389011668075, 0.9225051374315534, 2.264060269207829,
          3.54140747532825, 4.205196708732266, 4.457917450963808,
        ],
        coef: [1.1647492837168347, 1.4589623007501025, -0.8316110796422906, -0.23469217220253213],
      },
      {
        keep: [1, 3],
        alpha: 3.162277660168379,
        mse: [
          2.8857839221706927, 2.8855824003327157, 2.884946465626821, 2.8829487444995867, 2.8767625783263098,
          2.85846229755868, 2.8117960044423884, 2.743190618274494, 2.835624122849574, 3.3563814219526753,
          3.9935588567745377, 4.3625267327442625, 4.509236720112499,
        ],
        coef: [1.2393262966761458, -0.11003910979281062],
      },
    ];
    for (const ref of reference) {
      // On the raw columns with the penalty on the standardised ones: the same problem as scaling first.
      const search = fitRidgeLeaveOneOut(columns(X, ref.keep), y, { standardise: true, relativeJitter: 0 });
      expect(search.alpha).toBeCloseTo(ref.alpha, 12);
      expect(Array.from(search.meanSquaredError)).toEqual(ref.mse.map((v) => expect.closeTo(v, 9)));
      expect(Array.from(search.model.standardisedCoefficients as Float64Array)).toEqual(
        ref.coef.map((v) => expect.closeTo(v, 9)),
      );
    }
  });

  it("takes the earlier alpha on a tie and any grid it is given", () => {
    // A constant target: every alpha fits it exactly (zero residuals), so all of them tie.
    const flat = new Float64Array(20).fill(3);
    const tie = fitRidgeLeaveOneOut(X, flat, { alphas: Float64Array.of(5, 1, 50) });
    expect(tie.alpha).toBe(5);
    const one = fitRidgeLeaveOneOut(X, y, { alphas: Float64Array.of(0.5) });
    expect(one.alpha).toBe(0.5);
    expect(one.meanSquaredError).toHaveLength(1);
  });
});
