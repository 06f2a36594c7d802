import { describe, expect, it } from "vitest";
import { choleskyWithJitter } from "../../../src/ml/linalg/cholesky.js";
import { extendCholesky } from "../../../src/ml/linalg/cholesky-extend.js";
import { createMatrix, type Matrix, matMul, transpose } from "../../../src/ml/linalg/matrix.js";
import { Rng } from "../../../src/ml/random.js";

/** A = B Bᵀ + m I, well conditioned. */
function randomSpd(m: number, rng: Rng): Matrix {
  const B = createMatrix(m, m);
  for (let i = 0; i < B.data.length; i++) B.data[i] = rng.normal();
  const A = matMul(B, transpose(B));
  for (let i = 0; i < m; i++) A.data[i * m + i] += m;
  return A;
}

function block(A: Matrix, r0: number, c0: number, rows: number, cols: number): Matrix {
  const out = createMatrix(rows, cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) out.data[i * cols + j] = A.data[(r0 + i) * A.cols + c0 + j];
  }
  return out;
}

describe("extendCholesky", () => {
  for (const [n, k] of [
    [40, 1],
    [70, 9],
    [5, 60],
  ]) {
    it(`appends ${k} rows to a factor of order ${n} as a direct factorisation would`, () => {
      const A = randomSpd(n + k, new Rng(n * 100 + k));
      const { L } = choleskyWithJitter(block(A, 0, 0, n, n));
      const extended = extendCholesky(L, block(A, 0, n, n, k), block(A, n, n, k, k));
      expect(extended).toBeDefined();
      const direct = choleskyWithJitter(A).L;
      const e = extended?.data ?? new Float64Array(0);
      for (let i = 0; i < direct.data.length; i++) {
        // Both are backward stable factors of the same matrix (condition number ≲ 10): agree to ~1e-13.
        expect(Math.abs(e[i] - direct.data[i])).toBeLessThan(1e-12);
      }
    });
  }

  it("returns undefined when the Schur complement is not positive definite, leaving inputs untouched", () => {
    const L = choleskyWithJitter(randomSpd(4, new Rng(1))).L;
    const before = L.data.slice();
    const B = createMatrix(4, 1);
    B.data.fill(10);
    const C = createMatrix(1, 1);
    C.data[0] = 1;
    expect(extendCholesky(L, B, C)).toBeUndefined();
    expect(Array.from(L.data)).toEqual(Array.from(before));
    expect(extendCholesky(L, createMatrix(4, 0), createMatrix(0, 0))?.data).toEqual(L.data);
    expect(() => extendCholesky(L, createMatrix(3, 1), C)).toThrow(
      expect.objectContaining({ code: "SLP_INPUT_INVALID" }),
    );
  });
});
