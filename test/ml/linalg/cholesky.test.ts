import { describe, expect, it } from "vitest";
import {
  choleskyInPlace,
  choleskyInverse,
  choleskySolve,
  choleskySolveMatrix,
  choleskyWithJitter,
  logDeterminantFromCholesky,
  solveLower,
  solveLowerMatrix,
  solveLowerTranspose,
  solveLowerTransposeMatrix,
  tryCholeskyWithJitter,
} from "../../../src/ml/linalg/cholesky.js";
import {
  cloneMatrix,
  createMatrix,
  identityMatrix,
  type Matrix,
  matMul,
  matrixFromRows,
  matVec,
  transpose,
} from "../../../src/ml/linalg/matrix.js";
import { Rng } from "../../../src/ml/random.js";

/** A = B Bᵀ + n I: symmetric positive definite and well conditioned. */
function randomSpd(n: number, rng: Rng): Matrix {
  const B = createMatrix(n, n);
  for (let i = 0; i < B.data.length; i++) B.data[i] = rng.normal();
  const A = matMul(B, transpose(B));
  for (let i = 0; i < n; i++) A.data[i * n + i] += n;
  return A;
}

function randomVector(n: number, rng: Rng): Float64Array {
  return new Float64Array(n).map(() => rng.normal());
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** log |det A| by Gaussian elimination with partial pivoting, an independent check on the Cholesky route. */
function logAbsDetByElimination(A: Matrix): number {
  const n = A.rows;
  const a = A.data.slice();
  let s = 0;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i * n + k]) > Math.abs(a[p * n + k])) p = i;
    for (let j = 0; j < n; j++) [a[k * n + j], a[p * n + j]] = [a[p * n + j], a[k * n + j]];
    s += Math.log(Math.abs(a[k * n + k]));
    for (let i = k + 1; i < n; i++) {
      const f = a[i * n + k] / a[k * n + k];
      for (let j = k; j < n; j++) a[i * n + j] -= f * a[k * n + j];
    }
  }
  return s;
}

const rng = new Rng(2024);
const n = 12;
const A = randomSpd(n, rng);

describe("cholesky", () => {
  it("factorises A = L Lᵀ with a zero upper triangle", () => {
    const L = cloneMatrix(A);
    expect(choleskyInPlace(L)).toBe(true);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(L.data[i * n + j]).toBe(0);
    // Backward stable: ‖L Lᵀ − A‖ ≈ n·ε·‖A‖ (Golub & Van Loan Thm 4.2.6); 1e-12 is a generous multiple.
    expect(maxAbsDiff(matMul(L, transpose(L)).data, A.data)).toBeLessThan(1e-12 * n * n);
  });

  it("reports a non-positive pivot instead of producing NaN", () => {
    expect(
      choleskyInPlace(
        matrixFromRows([
          [1, 2],
          [2, 1],
        ]),
      ),
    ).toBe(false);
    expect(
      choleskyInPlace(
        matrixFromRows([
          [Number.NaN, 0],
          [0, 1],
        ]),
      ),
    ).toBe(false);
  });

  it("solves with vectors, in place and with several right-hand sides", () => {
    const { L } = choleskyWithJitter(A);
    const b = randomVector(n, rng);
    const x = choleskySolve(L, b);
    expect(maxAbsDiff(matVec(A, x), b)).toBeLessThan(1e-12);
    const lower = solveLower(L, b);
    expect(maxAbsDiff(matVec(L, lower), b)).toBeLessThan(1e-12);
    const upper = solveLowerTranspose(L, b);
    expect(maxAbsDiff(matVec(transpose(L), upper), b)).toBeLessThan(1e-12);
    const inPlace = b.slice();
    choleskySolve(L, inPlace, inPlace);
    expect(Array.from(inPlace)).toEqual(Array.from(x));

    const m = 5;
    const B = createMatrix(n, m);
    for (let i = 0; i < B.data.length; i++) B.data[i] = rng.normal();
    const X = choleskySolveMatrix(L, B);
    expect(maxAbsDiff(matMul(A, X).data, B.data)).toBeLessThan(1e-12);
    const XL = solveLowerMatrix(L, B);
    const XU = solveLowerTransposeMatrix(L, B);
    for (let j = 0; j < m; j++) {
      const col = new Float64Array(n).map((_, i) => B.data[i * m + j]);
      const lowerCol = solveLower(L, col);
      const upperCol = solveLowerTranspose(L, col);
      for (let i = 0; i < n; i++) {
        expect(XL.data[i * m + j]).toBeCloseTo(lowerCol[i], 13);
        expect(XU.data[i * m + j]).toBeCloseTo(upperCol[i], 13);
      }
    }
  });

  it("inverts A and gives its log-determinant", () => {
    const { L } = choleskyWithJitter(A);
    const inv = choleskyInverse(L);
    expect(maxAbsDiff(matMul(A, inv).data, identityMatrix(n).data)).toBeLessThan(1e-12);
    expect(logDeterminantFromCholesky(L)).toBeCloseTo(logAbsDetByElimination(A), 10);
    const diag = matrixFromRows([
      [4, 0],
      [0, 9],
    ]);
    expect(logDeterminantFromCholesky(choleskyWithJitter(diag).L)).toBeCloseTo(Math.log(36), 14);
  });

  it("adds no jitter to a positive-definite matrix and leaves the input untouched", () => {
    const before = A.data.slice();
    const { jitter } = choleskyWithJitter(A);
    expect(jitter).toBe(0);
    expect(Array.from(A.data)).toEqual(Array.from(before));
  });

  it("escalates jitter ×10 from 1e-10 for a singular matrix", () => {
    // All-ones is rank one: the second pivot is exactly 0, and 1e-10 on the diagonal is enough.
    const ones = createMatrix(4, 4);
    ones.data.fill(1);
    const { L, jitter } = choleskyWithJitter(ones);
    expect(jitter).toBe(1e-10);
    const shifted = cloneMatrix(ones);
    for (let i = 0; i < 4; i++) shifted.data[i * 4 + i] += jitter;
    expect(maxAbsDiff(matMul(L, transpose(L)).data, shifted.data)).toBeLessThan(1e-14);

    // Smallest eigenvalue ≈ −5e-5: 1e-4 is the first power of ten that makes it definite.
    const nearly = matrixFromRows([
      [1, 1],
      [1, 1 - 1e-4],
    ]);
    expect(tryCholeskyWithJitter(nearly)).toBeUndefined();
    const wide = tryCholeskyWithJitter(nearly, { maxJitter: 1e-2 });
    expect(wide?.jitter).toBeCloseTo(1e-4, 18);
  });

  it("throws a coded error for an indefinite matrix", () => {
    expect(() =>
      choleskyWithJitter(
        matrixFromRows([
          [1, 2],
          [2, 1],
        ]),
      ),
    ).toThrow(expect.objectContaining({ code: "SLP_TRAIN_FAILED" }));
    expect(() => choleskySolve(identityMatrix(3), new Float64Array(2))).toThrow(
      expect.objectContaining({ code: "SLP_INPUT_INVALID" }),
    );
  });
});
