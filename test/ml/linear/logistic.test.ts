import { describe, expect, it } from "vitest";
import { isSlipwayError } from "../../../src/core/errors.js";
import { LogisticRegression, type LogisticState, logisticObjective } from "../../../src/ml/linear/logistic.js";
import type { FeatureMatrix } from "../../../src/ml/linear/normal-equations.js";
import { Rng } from "../../../src/ml/random.js";

function gaussianBlobs(rng: Rng, n: number, centres: number[][], spread: number) {
  const p = centres[0].length;
  const X: FeatureMatrix = { rows: n, cols: p, data: new Float64Array(n * p) };
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % centres.length;
    y[i] = k;
    for (let j = 0; j < p; j++) X.data[i * p + j] = centres[k][j] + spread * rng.normal();
  }
  return { X, y };
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

describe("logisticObjective", () => {
  it.each([
    [2, "binary"],
    [3, "multinomial"],
  ])("has a gradient that matches central finite differences (%i classes, %s)", (classCount) => {
    const rng = new Rng(5);
    const { X, y } = gaussianBlobs(
      rng,
      30,
      [
        [0, 1, -1],
        [1, -1, 0.5],
        [-1, 0, 1],
      ].slice(0, classCount),
      1,
    );
    const f = logisticObjective(X, y, classCount, 0.7);
    const size = (classCount === 2 ? 1 : classCount) * (X.cols + 1);
    const theta = new Float64Array(size);
    for (let i = 0; i < size; i++) theta[i] = rng.normal();
    const grad = new Float64Array(size);
    f(theta, grad);
    const scratch = new Float64Array(size);
    // Central differences have O(h²) truncation and O(ε/h) rounding error: h = 1e-5 keeps both near 1e-10.
    const h = 1e-5;
    for (let i = 0; i < size; i++) {
      const saved = theta[i];
      theta[i] = saved + h;
      const up = f(theta, scratch);
      theta[i] = saved - h;
      const down = f(theta, scratch);
      theta[i] = saved;
      expect(Math.abs((up - down) / (2 * h) - grad[i])).toBeLessThan(1e-8 * Math.max(1, Math.abs(grad[i])));
    }
  });
});

describe("LogisticRegression", () => {
  it("finds the symmetric optimum w = 2σ(−w), b = 0 on two separable points", () => {
    // With x = (−1, 1), y = (0, 1) and C = 1, symmetry gives b = 0, and the stationarity condition
    // Σ(σ(wxᵢ + b) − yᵢ)xᵢ + w/C = 0 reduces to w = 2σ(−w), whose root is about 0.6749.
    const model = LogisticRegression.fit(
      { rows: 2, cols: 1, data: Float64Array.from([-1, 1]) },
      Int32Array.from([0, 1]),
    );
    const [w, b] = model.parameters;
    expect(model.converged).toBe(true);
    expect(Math.abs(b)).toBeLessThan(1e-8);
    expect(Math.abs(w - 2 * sigmoid(-w))).toBeLessThan(1e-8);
    expect(w).toBeCloseTo(0.6749, 3);
  });

  it("satisfies the penalised score equations on a separable-ish dataset", () => {
    // Two overlapping points make the data not quite separable; at the optimum of C·Σℓ + ½‖w‖² each weight obeys
    // C·Σ(pᵢ − yᵢ)xᵢⱼ + wⱼ = 0 and the unpenalised intercept obeys Σ(pᵢ − yᵢ) = 0.
    const rows = [
      [-2, 1],
      [-1.5, -0.5],
      [-1, 0.2],
      [-0.2, 1.5],
      [0.3, -1],
      [0.1, 0.4],
      [1, -0.3],
      [1.8, 0.9],
      [2.5, -1.2],
    ];
    const y = Int32Array.from([0, 0, 0, 1, 0, 1, 1, 1, 1]);
    const X: FeatureMatrix = { rows: rows.length, cols: 2, data: Float64Array.from(rows.flat()) };
    const C = 2;
    const model = LogisticRegression.fit(X, y, { C });
    const [w0, w1, b] = model.parameters;
    let g0 = w0;
    let g1 = w1;
    let gb = 0;
    for (let i = 0; i < rows.length; i++) {
      const r = sigmoid(w0 * rows[i][0] + w1 * rows[i][1] + b) - y[i];
      g0 += C * r * rows[i][0];
      g1 += C * r * rows[i][1];
      gb += r;
    }
    // The fit stops at an averaged-gradient of 1e-8; in this unaveraged form that is below n·C·1e-8 ≈ 2e-7.
    for (const g of [g0, g1, gb]) expect(Math.abs(g)).toBeLessThan(1e-6);
    expect(w0).toBeGreaterThan(0);
    const predicted = model.predict(X);
    expect(predicted[0]).toBe(0);
    expect(predicted[8]).toBe(1);
  });

  it("gives multinomial probabilities that sum to one, at a stationary point", () => {
    const rng = new Rng(99);
    const { X, y } = gaussianBlobs(
      rng,
      90,
      [
        [2, 0],
        [-1, 1.7],
        [-1, -1.7],
      ],
      0.8,
    );
    const model = LogisticRegression.fit(X, y, { C: 0.5 });
    expect(model.converged).toBe(true);
    const proba = model.predictProba(X);
    for (let i = 0; i < X.rows; i++) {
      expect(Math.abs(proba[3 * i] + proba[3 * i + 1] + proba[3 * i + 2] - 1)).toBeLessThan(1e-14);
    }
    const grad = new Float64Array(model.parameters.length);
    logisticObjective(X, y, 3, 0.5)(model.parameters, grad);
    for (const g of grad) expect(Math.abs(g)).toBeLessThan(1e-7);
    // Intercepts are centred: only their differences are identified.
    expect(Math.abs(model.parameters[2] + model.parameters[5] + model.parameters[8])).toBeLessThan(1e-12);
    let correct = 0;
    const predicted = model.predict(X);
    for (let i = 0; i < X.rows; i++) if (predicted[i] === y[i]) correct++;
    expect(correct / X.rows).toBeGreaterThan(0.9);
  });

  it("stays finite on large margins", () => {
    const X: FeatureMatrix = { rows: 4, cols: 1, data: Float64Array.from([-500, -400, 400, 500]) };
    const model = LogisticRegression.fit(X, Int32Array.from([0, 0, 1, 1]), { C: 1e6 });
    const proba = model.predictProba(X);
    for (const v of proba) expect(Number.isFinite(v)).toBe(true);
    expect(proba[1]).toBeLessThan(1e-6);
    expect(proba[7]).toBeGreaterThan(1 - 1e-6);
  });

  it("round-trips through JSON with identical probabilities", () => {
    const rng = new Rng(3);
    const { X, y } = gaussianBlobs(
      rng,
      40,
      [
        [1, 1],
        [-1, -1],
        [1, -1],
        [-1, 1],
      ],
      1,
    );
    const model = LogisticRegression.fit(X, y);
    const state: LogisticState = JSON.parse(JSON.stringify(model));
    const copy = LogisticRegression.fromJSON(state);
    expect(Array.from(copy.predictProba(X))).toEqual(Array.from(model.predictProba(X)));
    expect(() => LogisticRegression.fromJSON({ ...state, parameters: [0] })).toThrow(/inconsistent/);
  });

  it("refuses a single class", () => {
    try {
      LogisticRegression.fit({ rows: 3, cols: 1, data: Float64Array.from([1, 2, 3]) }, Int32Array.from([1, 1, 1]));
      expect.unreachable();
    } catch (e) {
      expect(isSlipwayError(e) && e.code).toBe("SLP_TRAIN_FAILED");
    }
  });
});
