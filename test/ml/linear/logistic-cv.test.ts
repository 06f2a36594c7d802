import { describe, expect, it } from "vitest";
import { LogisticRegression } from "../../../src/ml/linear/logistic.js";
import { fitLogisticCV, LOGISTIC_CS } from "../../../src/ml/linear/logistic-cv.js";
import type { FeatureMatrix } from "../../../src/ml/linear/normal-equations.js";
import { Rng } from "../../../src/ml/random.js";

/** n rows of two features around one centre per class (centres ± separation on the first feature). */
function blobs(n: number, classes: number, separation: number, seed: number) {
  const rng = new Rng(seed);
  const X: FeatureMatrix = { rows: n, cols: 2, data: new Float64Array(n * 2) };
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % classes;
    y[i] = k;
    X.data[2 * i] = separation * (k - (classes - 1) / 2) + rng.normal();
    X.data[2 * i + 1] = rng.normal();
  }
  return { X, y };
}

function rowsOf(X: FeatureMatrix, rows: number[]): FeatureMatrix {
  const data = new Float64Array(rows.length * X.cols);
  rows.forEach((i, r) => {
    data.set(X.data.subarray(i * X.cols, (i + 1) * X.cols), r * X.cols);
  });
  return { rows: rows.length, cols: X.cols, data };
}

describe("fitLogisticCV", () => {
  it("deals each class evenly over the folds", () => {
    const { X, y } = blobs(103, 3, 2, 1);
    const { folds } = fitLogisticCV(X, y, { rng: new Rng(4), Cs: Float64Array.of(1) });
    for (let k = 0; k < 3; k++) {
      const perFold = Array.from({ length: 5 }, (_, f) => y.filter((c, i) => c === k && folds[i] === f).length);
      expect(Math.max(...perFold) - Math.min(...perFold)).toBeLessThanOrEqual(1);
    }
  });

  it("scores each C by the pooled held-out log loss of refits on the other folds, and keeps the least", () => {
    const { X, y } = blobs(90, 3, 2.5, 2);
    const result = fitLogisticCV(X, y, { rng: new Rng(5), standardise: true });
    expect(Array.from(result.Cs)).toEqual(Array.from(LOGISTIC_CS));
    // The same folds, fitted and scored by hand.
    LOGISTIC_CS.forEach((C, c) => {
      let loss = 0;
      for (let f = 0; f < 5; f++) {
        const train = Array.from({ length: 90 }, (_, i) => i).filter((i) => result.folds[i] !== f);
        const test = Array.from({ length: 90 }, (_, i) => i).filter((i) => result.folds[i] === f);
        const model = LogisticRegression.fit(
          rowsOf(X, train),
          Int32Array.from(train, (i) => y[i] as number),
          {
            C,
            classCount: 3,
            standardise: true,
          },
        );
        const p = model.predictProba(rowsOf(X, test));
        test.forEach((i, r) => {
          loss -= Math.log(p[r * 3 + (y[i] as number)] as number);
        });
      }
      expect(result.logLoss[c]).toBeCloseTo(loss / 90, 12);
    });
    const least = Array.from(result.logLoss).indexOf(Math.min(...result.logLoss));
    expect(result.C).toBe(LOGISTIC_CS[least]);
    const refit = LogisticRegression.fit(X, y, { C: result.C, classCount: 3, standardise: true });
    expect(Array.from(result.model.parameters)).toEqual(Array.from(refit.parameters));
  });

  it("penalises less where the classes separate, more where they overlap", () => {
    const apart = fitLogisticCV(...(Object.values(blobs(120, 2, 6, 3)) as [FeatureMatrix, Int32Array]), {
      rng: new Rng(6),
    });
    const mixed = fitLogisticCV(...(Object.values(blobs(120, 2, 0.3, 3)) as [FeatureMatrix, Int32Array]), {
      rng: new Rng(6),
    });
    expect(apart.C).toBeGreaterThan(mixed.C);
  });

  it("is reproducible from its seed", () => {
    const { X, y } = blobs(60, 2, 1.5, 7);
    const a = fitLogisticCV(X, y, { rng: new Rng(9) });
    const b = fitLogisticCV(X, y, { rng: new Rng(9) });
    expect(Array.from(a.logLoss)).toEqual(Array.from(b.logLoss));
    expect(a.C).toBe(b.C);
  });
});
