import { describe, expect, it } from "vitest";
import { isSlipwayError } from "../../../src/core/errors.js";
import { ElasticNet, type ElasticNetState, elasticNetAlphaMax } from "../../../src/ml/linear/elastic-net.js";
import type { FeatureMatrix } from "../../../src/ml/linear/normal-equations.js";
import { Rng } from "../../../src/ml/random.js";
import { REFERENCE_X, REFERENCE_Y } from "./reference-data.js";

/** Columns 1..p of the Sylvester Hadamard matrix of order n: ±1 entries, mean 0, ZᵀZ/n = I. */
function hadamardColumns(n: number, p: number): Float64Array {
  const data = new Float64Array(n * p);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < p; j++) {
      let bits = i & (j + 1);
      let parity = 0;
      while (bits) {
        parity ^= bits & 1;
        bits >>= 1;
      }
      data[i * p + j] = parity ? -1 : 1;
    }
  return data;
}

function softThreshold(v: number, t: number): number {
  return Math.sign(v) * Math.max(Math.abs(v) - t, 0);
}

function randomProblem(rng: Rng, n: number, p: number) {
  const X: FeatureMatrix = { rows: n, cols: p, data: new Float64Array(n * p) };
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 1;
    for (let j = 0; j < p; j++) {
      // Mixed units and a shared factor, so the columns are correlated and differently scaled.
      const v = (j + 1) * rng.normal() + 0.5 * X.data[i * p];
      X.data[i * p + j] = v;
      if (j < 3) s += (j % 2 ? -1 : 1) * v;
    }
    y[i] = s + rng.normal();
  }
  return { X, y };
}

/**
 * The largest violation of the elastic-net optimality conditions on the fitting scale z: with g_j = z_jᵀr/n −
 * λ₂v_j, a zero coefficient needs |g_j| ≤ λ₁ and a non-zero one g_j = λ₁·sign(v_j).
 */
function kktViolation(model: ElasticNet, X: FeatureMatrix, y: Float64Array): number {
  const { rows: n, cols: p } = X;
  const fitted = model.predict(X);
  const scales = model.isStandardised ? model.featureScales : new Float64Array(p).fill(1);
  const l1 = model.alpha * model.l1Ratio;
  const l2 = model.alpha * (1 - model.l1Ratio);
  let worst = 0;
  for (let j = 0; j < p; j++) {
    let g = 0;
    for (let i = 0; i < n; i++) g += ((X.data[i * p + j] - model.featureMeans[j]) / scales[j]) * (y[i] - fitted[i]);
    const v = model.coefficients[j] * scales[j];
    g = g / n - l2 * v;
    worst = Math.max(worst, v === 0 ? Math.max(0, Math.abs(g) - l1) : Math.abs(g - l1 * Math.sign(v)));
  }
  return worst;
}

describe("ElasticNet", () => {
  it.each([
    [1, 0.3],
    [0.5, 0.4],
    [0.2, 1.5],
  ])("equals soft-thresholded OLS on an orthonormal design (l1Ratio %f, alpha %f)", (l1Ratio, alpha) => {
    // With ZᵀZ/n = I the objective separates: v_j = S(z_jᵀy/n, αl1) / (1 + α(1 − l1)), and z_jᵀy/n is the OLS
    // coefficient. Raw columns a_j·h_j + c_j standardise back to h_j, so w_j = v_j / a_j on the original scale.
    const n = 16;
    const p = 5;
    const H = hadamardColumns(n, p);
    const a = [2, 0.5, 10, 1, 3];
    const c = [1, -4, 0, 7, 2];
    const rng = new Rng(13);
    const X: FeatureMatrix = { rows: n, cols: p, data: H.map((h, k) => a[k % p] * h + c[k % p]) };
    const y = Float64Array.from({ length: n }, (_, i) => 2 + 1.2 * H[i * p] - 0.3 * H[i * p + 2] + 0.5 * rng.normal());
    const model = ElasticNet.fit(X, y, { alpha, l1Ratio, tolerance: 1e-14 });
    let yMean = 0;
    for (const v of y) yMean += v / n;
    let intercept = yMean;
    for (let j = 0; j < p; j++) {
      let ols = 0;
      for (let i = 0; i < n; i++) ols += (H[i * p + j] * (y[i] - yMean)) / n;
      const v = softThreshold(ols, alpha * l1Ratio) / (1 + alpha * (1 - l1Ratio));
      expect(model.standardisedCoefficients[j]).toBeCloseTo(v, 12);
      expect(model.coefficients[j]).toBeCloseTo(v / a[j], 12);
      intercept -= (c[j] * v) / a[j];
    }
    expect(model.intercept).toBeCloseTo(intercept, 12);
    expect(model.converged).toBe(true);
    // Some coefficients are thresholded away and some survive, so both branches of S are exercised.
    const zeros = model.coefficients.filter((w) => w === 0).length;
    expect(zeros).toBeGreaterThan(0);
    expect(zeros).toBeLessThan(p);
  });

  it("on unstandardised orthogonal columns, divides by ‖x_j‖²/n + λ₂", () => {
    // Centring only: column a_j·h_j has ‖x_j‖²/n = a_j², so w_j = S(a_j·h_jᵀy/n, αl1) / (a_j² + α(1 − l1)).
    const n = 8;
    const p = 3;
    const H = hadamardColumns(n, p);
    const a = [3, 0.2, 1];
    const X: FeatureMatrix = { rows: n, cols: p, data: H.map((h, k) => a[k % p] * h) };
    const y = Float64Array.from([3, -1, 2, 0.5, 4, -2, 1, 0]);
    const alpha = 0.3;
    const l1Ratio = 0.6;
    const model = ElasticNet.fit(X, y, { alpha, l1Ratio, standardise: false, tolerance: 1e-14 });
    expect(model.isStandardised).toBe(false);
    for (let j = 0; j < p; j++) {
      let xy = 0;
      for (let i = 0; i < n; i++) xy += (a[j] * H[i * p + j] * y[i]) / n;
      const w = softThreshold(xy, alpha * l1Ratio) / (a[j] * a[j] + alpha * (1 - l1Ratio));
      expect(model.coefficients[j]).toBeCloseTo(w, 12);
    }
  });

  it.each([
    ["covariance", 60, 8],
    ["residual", 60, 8],
    ["residual", 15, 40],
  ] as const)("satisfies the KKT conditions within 1e-6 (%s updates, n = %i, p = %i)", (method, n, p) => {
    const { X, y } = randomProblem(new Rng(n * 100 + p), n, p);
    for (const [alpha, l1Ratio] of [
      [0.5, 1],
      [0.1, 0.5],
      [0.02, 0.1],
    ]) {
      const model = ElasticNet.fit(X, y, { alpha, l1Ratio, method, tolerance: 1e-12, maxIterations: 100_000 });
      expect(model.converged).toBe(true);
      expect(model.dualityGap).toBeGreaterThanOrEqual(-1e-12);
      expect(kktViolation(model, X, y)).toBeLessThan(1e-6);
    }
  });

  it("gives the same solution with covariance and residual updates", () => {
    const { X, y } = randomProblem(new Rng(4), 50, 6);
    const options = { alpha: 0.05, l1Ratio: 0.7, tolerance: 1e-14 };
    const a = ElasticNet.fit(X, y, { ...options, method: "covariance" });
    const b = ElasticNet.fit(X, y, { ...options, method: "residual" });
    for (let j = 0; j < 6; j++) expect(a.coefficients[j]).toBeCloseTo(b.coefficients[j], 9);
    expect(a.intercept).toBeCloseTo(b.intercept, 9);
  });

  it("matches scikit-learn 1.2.1's ElasticNet and Lasso to 1e-6", () => {
    // Reference: sklearn.linear_model.ElasticNet(alpha, l1_ratio, tol=1e-15) on StandardScaler().fit_transform(X)
    // (coef_ is the standardised scale; coef_/scale_ and intercept_ − Σ mean_j·coef_j/scale_j the original one),
    // and the same estimator on the raw X. l1_ratio = 1 agreed with sklearn.linear_model.Lasso to every digit.
    const X: FeatureMatrix = { rows: 20, cols: 4, data: Float64Array.from(REFERENCE_X) };
    const y = Float64Array.from(REFERENCE_Y);
    const cases = [
      {
        alpha: 0.1,
        l1Ratio: 1,
        standardised: [1.03868045724471, 1.3809865199624995, -0.7363565887178812, -0.13597136820602812],
        coefficients: [1.5307368496304055, 0.17978627244269396, -6.822545869696283, -0.04813492162064748],
        intercept: 4.270457689082162,
        raw: [1.410623973157572, 0.1905791424733908, 0, -0.08103661401039174],
        rawIntercept: 11.144470309323262,
      },
      {
        alpha: 0.3,
        l1Ratio: 0.5,
        standardised: [0.8287558296757638, 1.156475842178624, -0.5913622105037866, -0.09124200566094423],
        coefficients: [1.2213641635233266, 0.1505579365401525, -5.479133165348561, -0.0323003794765486],
        intercept: 5.601172160586608,
        raw: [0.9647402759358449, 0.1885794836911056, 0, -0.05429111478543438],
        rawIntercept: 10.960184167756179,
      },
      {
        alpha: 0.05,
        l1Ratio: 0.2,
        standardised: [1.106587062757863, 1.4001119876167014, -0.792306167726208, -0.22148076212044962],
        coefficients: [1.63081300170131, 0.18227615665848315, -7.340934073214827, -0.07840591196372525],
        intercept: 3.821057606335337,
        raw: [1.502935998579557, 0.1911618783027754, -1.5246848138183284, -0.09092941782375281],
        rawIntercept: 9.648117438448127,
      },
    ];
    for (const c of cases) {
      const options = { alpha: c.alpha, l1Ratio: c.l1Ratio, tolerance: 1e-14, maxIterations: 100_000 };
      const model = ElasticNet.fit(X, y, options);
      const raw = ElasticNet.fit(X, y, { ...options, standardise: false });
      for (let j = 0; j < 4; j++) {
        expect(Math.abs(model.standardisedCoefficients[j] - c.standardised[j])).toBeLessThan(1e-6);
        expect(Math.abs(model.coefficients[j] - c.coefficients[j])).toBeLessThan(1e-6);
        expect(Math.abs(raw.coefficients[j] - c.raw[j])).toBeLessThan(1e-6);
      }
      expect(Math.abs(model.intercept - c.intercept)).toBeLessThan(1e-6);
      expect(Math.abs(raw.intercept - c.rawIntercept)).toBeLessThan(1e-6);
    }
  });

  it("zeroes every coefficient exactly from alphaMax up, and not below it", () => {
    const { X, y } = randomProblem(new Rng(21), 40, 5);
    for (const l1Ratio of [1, 0.3]) {
      const alphaMax = elasticNetAlphaMax(X, y, { l1Ratio });
      const at = ElasticNet.fit(X, y, { alpha: alphaMax, l1Ratio });
      expect(Array.from(at.coefficients)).toEqual([0, 0, 0, 0, 0]);
      let yMean = 0;
      for (const v of y) yMean += v / y.length;
      expect(at.intercept).toBeCloseTo(yMean, 12);
      const below = ElasticNet.fit(X, y, { alpha: alphaMax * 0.99, l1Ratio });
      expect(below.coefficients.some((w) => w !== 0)).toBe(true);
    }
  });

  it("reaches the same optimum in fewer sweeps from a warm start", () => {
    const { X, y } = randomProblem(new Rng(8), 80, 10);
    const options = { l1Ratio: 0.8, tolerance: 1e-12 };
    const near = ElasticNet.fit(X, y, { ...options, alpha: 0.055 });
    const cold = ElasticNet.fit(X, y, { ...options, alpha: 0.05 });
    const warm = ElasticNet.fit(X, y, { ...options, alpha: 0.05, warmStart: near.standardisedCoefficients });
    expect(warm.iterations).toBeLessThan(cold.iterations);
    for (let j = 0; j < 10; j++) expect(warm.coefficients[j]).toBeCloseTo(cold.coefficients[j], 8);
  });

  it("keeps a constant column at zero and round-trips through JSON", () => {
    const { X, y } = randomProblem(new Rng(30), 25, 3);
    for (let i = 0; i < 25; i++) X.data[i * 3 + 1] = 4;
    const model = ElasticNet.fit(X, y, { alpha: 0.1 });
    expect(model.coefficients[1]).toBe(0);
    const state: ElasticNetState = JSON.parse(JSON.stringify(model));
    const copy = ElasticNet.fromJSON(state);
    expect(Array.from(copy.predict(X))).toEqual(Array.from(model.predict(X)));
    expect(Array.from(copy.standardisedCoefficients)).toEqual(Array.from(model.standardisedCoefficients));
    expect(() => ElasticNet.fromJSON({ ...state, featureScales: [1] })).toThrow(/inconsistent/);
  });

  it("refuses a zero L1 share, a zero alpha and non-finite data", () => {
    const X: FeatureMatrix = { rows: 3, cols: 1, data: Float64Array.from([1, 2, 3]) };
    const y = Float64Array.from([1, 2, 4]);
    expect(() => ElasticNet.fit(X, y, { l1Ratio: 0 })).toThrow(RangeError);
    expect(() => ElasticNet.fit(X, y, { alpha: 0 })).toThrow(RangeError);
    try {
      ElasticNet.fit(X, Float64Array.from([1, Number.NaN, 2]));
      expect.unreachable();
    } catch (e) {
      expect(isSlipwayError(e) && e.code).toBe("SLP_TRAIN_FAILED");
    }
  });
});
