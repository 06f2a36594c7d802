import { describe, expect, it } from "vitest";
import { isSlipwayError } from "../../../src/core/errors.js";
import type { FeatureMatrix } from "../../../src/ml/linear/normal-equations.js";
import { RidgeRegression, type RidgeState } from "../../../src/ml/linear/ridge.js";
import { Rng } from "../../../src/ml/random.js";
import { REFERENCE_X, REFERENCE_Y } from "./reference-data.js";

/** The inverse of a small dense matrix by Gauss–Jordan elimination with partial pivoting (independent of src/). */
function invert(a: number[][]): number[][] {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[pivot][c])) pivot = r;
    [m[c], m[pivot]] = [m[pivot], m[c]];
    const d = m[c][c];
    for (let j = 0; j < 2 * n; j++) m[c][j] /= d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c];
      for (let j = 0; j < 2 * n; j++) m[r][j] -= f * m[c][j];
    }
  }
  return m.map((row) => row.slice(n));
}

/**
 * [b, w] = (AᵀA + D)⁻¹Aᵀy with A = [1 X] and D = diag(0, penalties): the penalised normal equations with the
 * intercept as an explicit, unpenalised column, solved by an explicit inverse.
 */
function normalEquations(rows: number[][], y: number[], penalties: number[]): number[] {
  const A = rows.map((r) => [1, ...r]);
  const k = A[0].length;
  const AtA = Array.from({ length: k }, (_, i) =>
    Array.from(
      { length: k },
      (_, j) => A.reduce((s, r) => s + r[i] * r[j], 0) + (i === j && i > 0 ? penalties[i - 1] : 0),
    ),
  );
  const Aty = Array.from({ length: k }, (_, i) => A.reduce((s, r, t) => s + r[i] * y[t], 0));
  const inverse = invert(AtA);
  return inverse.map((row) => row.reduce((s, v, j) => s + v * Aty[j], 0));
}

function matrix(rows: number[][]): FeatureMatrix {
  const cols = rows[0]?.length ?? 0;
  return { rows: rows.length, cols, data: Float64Array.from(rows.flat()) };
}

describe("RidgeRegression", () => {
  it("solves a hand-worked two-feature case exactly", () => {
    // Centred columns (±1) are orthogonal with Σx² = 4, so by hand: w = Xcᵀy / 4 = (1, 2); ȳ = 3.5; fitted values
    // 0.5, 2.5, 4.5, 6.5 leave residuals ±0.5, RSS = 1 and σ̂² = 1/(4 − 2 − 1) = 1. Shifting the columns by (3, 10)
    // moves the intercept to 3.5 − 3·1 − 10·2 = −19.5.
    const X = matrix([
      [2, 9],
      [4, 9],
      [2, 11],
      [4, 11],
    ]);
    const y = Float64Array.from([1, 2, 4, 7]);
    const model = RidgeRegression.fit(X, y, { relativeJitter: 0 });
    expect(model.coefficients[0]).toBeCloseTo(1, 12);
    expect(model.coefficients[1]).toBeCloseTo(2, 12);
    expect(model.intercept).toBeCloseTo(-19.5, 11);
    expect(model.residualVariance).toBeCloseTo(1, 12);
    expect(model.degreesOfFreedom).toBe(1);
    // At the mean the leverage is 1/n = 1/4; at (4, 11) it is 1/4 + 1/4 + 1/4 (each centred coordinate is 1 and
    // (XcᵀXc)⁻¹ = I/4).
    const { mean, lower, upper } = model.predictInterval(
      matrix([
        [3, 10],
        [4, 11],
      ]),
      0.95,
    );
    const t = 12.706204736174698;
    expect(mean[0]).toBeCloseTo(3.5, 11);
    expect(upper[0] - mean[0]).toBeCloseTo(t * Math.sqrt(1.25), 9);
    expect(mean[1]).toBeCloseTo(6.5, 11);
    expect(mean[1] - lower[1]).toBeCloseTo(t * Math.sqrt(1.75), 9);
  });

  it("matches the simple-regression closed form, interval included", () => {
    // b = Sxy/Sxx = 5.5/5 = 1.1, a = ȳ − b·x̄ = 2.75 − 1.65 = 1.1, RSS = 2.7, σ̂² = 2.7/2.
    const X = matrix([[0], [1], [2], [3]]);
    const y = Float64Array.from([1, 3, 2, 5]);
    const model = RidgeRegression.fit(X, y);
    // The default 1e-8 relative ridge moves the slope by about 1e-8 relative, hence 7 digits.
    expect(model.coefficients[0]).toBeCloseTo(1.1, 7);
    expect(model.intercept).toBeCloseTo(1.1, 7);
    expect(model.residualVariance).toBeCloseTo(1.35, 7);
    const x0 = 5;
    const { mean, upper } = model.predictInterval(matrix([[x0]]), 0.9);
    const q = 0.05;
    const t2 = (1 - 2 * q) / Math.sqrt(2 * q * (1 - q)); // exact t quantile for ν = 2
    const half = t2 * Math.sqrt(1.35) * Math.sqrt(1 + 1 / 4 + (x0 - 1.5) ** 2 / 5);
    expect(mean[0]).toBeCloseTo(1.1 + 1.1 * x0, 6);
    expect(upper[0] - mean[0]).toBeCloseTo(half, 6);
  });

  it("shrinks a single slope to Sxy / (Sxx + α)", () => {
    const X = matrix([[0], [1], [2], [3]]);
    const y = Float64Array.from([1, 3, 2, 5]);
    const model = RidgeRegression.fit(X, y, { alpha: 2, relativeJitter: 0 });
    expect(model.coefficients[0]).toBeCloseTo(5.5 / 7, 12);
    expect(model.intercept).toBeCloseTo(2.75 - 1.5 * (5.5 / 7), 12);
  });

  it("equals the penalised normal equations solved by an explicit inverse, on both penalty scales", () => {
    const rows = [
      [1, 20, 0.3],
      [2, 35, 0.1],
      [0.5, 10, 0.8],
      [3, 25, 0.4],
      [2.5, 40, 0.9],
      [1.5, 15, 0.2],
      [4, 30, 0.6],
    ];
    const y = [3.1, 4.0, 2.2, 6.3, 5.9, 2.8, 7.7];
    const X = matrix(rows);
    const alpha = 1.7;
    const raw = RidgeRegression.fit(X, Float64Array.from(y), { alpha, relativeJitter: 0 });
    const [b, ...w] = normalEquations(rows, y, [alpha, alpha, alpha]);
    expect(raw.intercept).toBeCloseTo(b, 10);
    w.forEach((v, j) => {
      expect(raw.coefficients[j]).toBeCloseTo(v, 10);
    });
    expect(raw.isStandardised).toBe(false);

    // Standardised: the same equations on z = (x − mean)/sd (population sd) with α on every coefficient, then
    // w_j = v_j / sd_j on the original scale; standardisedCoefficients reports v itself.
    const n = rows.length;
    const means = [0, 1, 2].map((j) => rows.reduce((s, r) => s + r[j], 0) / n);
    const sds = [0, 1, 2].map((j) => Math.sqrt(rows.reduce((s, r) => s + (r[j] - means[j]) ** 2, 0) / n));
    const Z = rows.map((r) => r.map((v, j) => (v - means[j]) / sds[j]));
    const [bz, ...v] = normalEquations(Z, y, [alpha, alpha, alpha]);
    const model = RidgeRegression.fit(X, Float64Array.from(y), { alpha, relativeJitter: 0, standardise: true });
    expect(model.isStandardised).toBe(true);
    v.forEach((vj, j) => {
      expect(model.standardisedCoefficients?.[j]).toBeCloseTo(vj, 10);
      expect(model.coefficients[j]).toBeCloseTo(vj / sds[j], 10);
      expect(model.featureScales?.[j]).toBeCloseTo(sds[j], 12);
    });
    expect(model.intercept).toBeCloseTo(bz - v.reduce((s, vj, j) => s + (means[j] * vj) / sds[j], 0), 10);
  });

  it("matches scikit-learn 1.2.1's Ridge to 1e-6, raw and after StandardScaler", () => {
    // Reference: sklearn.linear_model.Ridge(alpha=2, solver="cholesky") on X and on StandardScaler().fit_transform(X).
    const X: FeatureMatrix = { rows: 20, cols: 4, data: Float64Array.from(REFERENCE_X) };
    const y = Float64Array.from(REFERENCE_Y);
    const raw = RidgeRegression.fit(X, y, { alpha: 2, relativeJitter: 0 });
    const rawRef = [1.3495085274628367, 0.1907939401351603, -0.7879600824777175, -0.0870185140358846];
    rawRef.forEach((w, j) => {
      expect(Math.abs(raw.coefficients[j] - w)).toBeLessThan(1e-6);
    });
    expect(Math.abs(raw.intercept - 10.337063221266476)).toBeLessThan(1e-6);
    const std = RidgeRegression.fit(X, y, { alpha: 2, relativeJitter: 0, standardise: true });
    const zRef = [1.0487941384634651, 1.3295230125850703, -0.7556592770611018, -0.22466660868327704];
    const wRef = [1.5456417074420472, 0.1730864009924887, -7.001390574351366, -0.07953372641922699];
    for (let j = 0; j < 4; j++) {
      expect(Math.abs((std.standardisedCoefficients?.[j] ?? Number.NaN) - zRef[j])).toBeLessThan(1e-6);
      expect(Math.abs(std.coefficients[j] - wRef[j])).toBeLessThan(1e-6);
    }
    expect(Math.abs(std.intercept - 4.169831198706378)).toBeLessThan(1e-6);
  });

  it("restores states written before the standardise option", () => {
    const model = RidgeRegression.fit(matrix([[0], [1], [2], [4]]), Float64Array.from([1, 2, 2, 5]), { alpha: 0.5 });
    const { standardise: _s, featureScales: _f, ...older } = model.toJSON();
    const copy = RidgeRegression.fromJSON(older);
    expect(copy.isStandardised).toBe(false);
    expect(copy.standardisedCoefficients).toBeNull();
    expect(Array.from(copy.coefficients)).toEqual(Array.from(model.coefficients));
  });

  it("widens the interval away from the data mean", () => {
    const rng = new Rng(7);
    const n = 40;
    const X = { rows: n, cols: 1, data: new Float64Array(n) };
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      X.data[i] = rng.normal();
      y[i] = 2 + 0.5 * X.data[i] + 0.3 * rng.normal();
    }
    const model = RidgeRegression.fit(X, y);
    const xMean = X.data.reduce((a, b) => a + b, 0) / n;
    const probes = matrix([[xMean], [xMean + 1], [xMean + 3], [xMean - 6]]);
    const { lower, upper } = model.predictInterval(probes);
    const widths = Array.from(upper, (u, i) => u - lower[i]);
    expect(widths[1]).toBeGreaterThan(widths[0]);
    expect(widths[2]).toBeGreaterThan(widths[1]);
    expect(widths[3]).toBeGreaterThan(widths[2]);
  });

  it("covers about 95% of fresh Gaussian targets with the 95% interval", () => {
    // Under the Gaussian linear model the OLS interval has exact coverage; 200 fits × 50 probes gives a standard
    // error near 0.3%, so ±1.5% is a 5-sigma band.
    const rng = new Rng(2024);
    const p = 3;
    const beta = [1.5, -2, 0.25];
    let inside = 0;
    let total = 0;
    const draw = (rows: number) => {
      const X = { rows, cols: p, data: new Float64Array(rows * p) };
      const y = new Float64Array(rows);
      for (let i = 0; i < rows; i++) {
        let s = 4;
        for (let j = 0; j < p; j++) {
          const v = rng.normal() * (j + 1);
          X.data[i * p + j] = v;
          s += beta[j] * v;
        }
        y[i] = s + 0.7 * rng.normal();
      }
      return { X, y };
    };
    for (let rep = 0; rep < 200; rep++) {
      const train = draw(25);
      const test = draw(50);
      const { lower, upper } = RidgeRegression.fit(train.X, train.y).predictInterval(test.X, 0.95);
      for (let i = 0; i < test.y.length; i++) if (test.y[i] >= lower[i] && test.y[i] <= upper[i]) inside++;
      total += test.y.length;
    }
    expect(Math.abs(inside / total - 0.95)).toBeLessThan(0.015);
  });

  it("survives constant and duplicated columns", () => {
    const X = matrix([
      [1, 5, 1],
      [2, 5, 2],
      [3, 5, 3],
      [4, 5, 4],
      [5, 5, 5],
    ]);
    const y = Float64Array.from([2, 4, 6, 8, 10]);
    const model = RidgeRegression.fit(X, y);
    expect(model.coefficients[1]).toBe(0);
    // The duplicated pair shares the slope 2 equally (minimum-norm split).
    expect(model.coefficients[0]).toBeCloseTo(1, 6);
    expect(model.coefficients[2]).toBeCloseTo(1, 6);
    expect(model.predict(matrix([[6, 5, 6]]))[0]).toBeCloseTo(12, 6);
  });

  it("round-trips through JSON with identical predictions and intervals", () => {
    const rng = new Rng(11);
    const n = 30;
    const X = { rows: n, cols: 2, data: new Float64Array(n * 2) };
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      X.data[2 * i] = rng.normal();
      X.data[2 * i + 1] = rng.uniform(-3, 3);
      y[i] = X.data[2 * i] - X.data[2 * i + 1] + rng.normal();
    }
    const model = RidgeRegression.fit(X, y, { alpha: 0.5 });
    const state: RidgeState = JSON.parse(JSON.stringify(model));
    const copy = RidgeRegression.fromJSON(state);
    const a = model.predictInterval(X, 0.8);
    const b = copy.predictInterval(X, 0.8);
    expect(Array.from(b.mean)).toEqual(Array.from(a.mean));
    expect(Array.from(b.lower)).toEqual(Array.from(a.lower));
    expect(Array.from(b.upper)).toEqual(Array.from(a.upper));
    expect(() => RidgeRegression.fromJSON({ ...state, factor: [1] })).toThrow(/inconsistent/);
  });

  it("gives the exact leave-one-out residuals e_i / (1 − h_ii) without refitting", () => {
    const rng = new Rng(13);
    const n = 25;
    const rows = Array.from({ length: n }, () => [rng.normal(), rng.uniform(-2, 2), rng.normal() * 3]);
    const y = Float64Array.from(rows, (r) => 1 + r[0] - 2 * r[1] + 0.3 * r[2] + 0.5 * rng.normal());
    // No jitter: it scales with the Gram matrix of the rows fitted, so each refit would have its own penalty.
    const options = { alpha: 0.7, relativeJitter: 0 };
    const model = RidgeRegression.fit(matrix(rows), y, options);
    const loo = model.leaveOneOutResiduals(matrix(rows), y);
    const h = model.leverage(matrix(rows));
    for (let i = 0; i < n; i++) {
      const keep = rows.filter((_, r) => r !== i);
      const refit = RidgeRegression.fit(
        matrix(keep),
        Float64Array.from(y).filter((_, r) => r !== i),
        options,
      );
      const predicted = refit.predict(matrix([rows[i]]))[0];
      expect(loo[i]).toBeCloseTo(y[i] - predicted, 10);
      expect(h[i]).toBeGreaterThan(1 / n);
      expect(h[i]).toBeLessThan(1);
    }
    expect(h.reduce((a, b) => a + b, 0)).toBeLessThan(4); // trace of the hat matrix: below 1 + p when α > 0
    expect(() => model.leaveOneOutResiduals(matrix(rows.slice(1)), y.subarray(1))).toThrow(/fitted on 25 rows/);
  });

  it("refuses intervals without residual degrees of freedom and non-finite data", () => {
    const model = RidgeRegression.fit(matrix([[0], [1]]), Float64Array.from([0, 1]));
    expect(Number.isNaN(model.residualVariance)).toBe(true);
    expect(model.toJSON().residualVariance).toBeNull();
    try {
      model.predictInterval(matrix([[0]]));
      expect.unreachable();
    } catch (e) {
      expect(isSlipwayError(e) && e.code).toBe("SLP_TRAIN_FAILED");
    }
    expect(() => RidgeRegression.fit(matrix([[0], [Number.NaN]]), Float64Array.from([0, 1]))).toThrow(/finite/);
  });
});
