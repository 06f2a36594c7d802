import { describe, expect, it } from "vitest";
import {
  choleskyBlock,
  invertLowerBlock,
  lowerGramBlock,
  multiplyLeftLowerTranspose,
  multiplyRightLower,
  solveLeftLower,
  solveRightLowerTranspose,
} from "../../../src/ml/linalg/blocked.js";
import { Rng } from "../../../src/ml/random.js";

const rng = new Rng(7);

/** A well-conditioned lower-triangular n × n matrix in a row-major array with stride ld, at offset off. */
function randomLower(n: number, ld: number, off: number): Float64Array {
  const a = new Float64Array(off + n * ld).fill(Number.NaN);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) a[off + i * ld + j] = 0.3 * rng.normal();
    a[off + i * ld + i] = 1 + Math.abs(rng.normal());
  }
  return a;
}

/** Dense copy of the lower triangle (zeros above). */
function dense(a: Float64Array, off: number, n: number, ld: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (j <= i ? a[off + i * ld + j] : 0)));
}

function rect(m: number, n: number): number[][] {
  return Array.from({ length: m }, () => Array.from({ length: n }, () => rng.normal()));
}

function mul(A: number[][], B: number[][]): number[][] {
  return A.map((row) => B[0].map((_, j) => row.reduce((s, v, k) => s + v * B[k][j], 0)));
}

const T = (A: number[][]): number[][] => A[0].map((_, j) => A.map((row) => row[j]));

function store(M: number[][], ld: number, off: number): Float64Array {
  const out = new Float64Array(off + M.length * ld).fill(Number.NaN);
  M.forEach((row, i) => {
    row.forEach((v, j) => {
      out[off + i * ld + j] = v;
    });
  });
  return out;
}

/** Compares entrywise; NaN in `expected` marks an entry that must still be NaN (never written). */
function expectClose(actual: Float64Array, off: number, ld: number, expected: number[][], tol: number): void {
  expected.forEach((row, i) => {
    row.forEach((v, j) => {
      if (Number.isNaN(v)) expect(actual[off + i * ld + j]).toBeNaN();
      else expect(Math.abs(actual[off + i * ld + j] - v)).toBeLessThan(tol);
    });
  });
}

const lowerOnly = (M: number[][]): number[][] => M.map((row, i) => row.map((v, j) => (j <= i ? v : Number.NaN)));

// Orders below, at and above the recursion's 32-row leaf, with padded strides and offsets.
const orders = [1, 5, 32, 33, 70, 131];

describe("recursive blocked routines", () => {
  for (const n of orders) {
    const ld = n + 3;
    const off = 2;

    it(`factorises, inverts and forms LᵀL at order ${n}`, () => {
      const L = randomLower(n, ld, off);
      const Ld = dense(L, off, n, ld);
      const A = mul(Ld, T(Ld));
      // Only the lower triangle of A is given; NaN above must never be read.
      const a = store(lowerOnly(A), ld, off);
      expect(choleskyBlock(a, off, n, ld)).toBe(true);
      expectClose(a, off, ld, lowerOnly(Ld), 1e-10);

      const z = L.slice();
      invertLowerBlock(z, off, n, ld);
      const Z = dense(z, off, n, ld);
      const I = mul(Ld, Z);
      expectClose(
        store(I, n, 0),
        0,
        n,
        Ld.map((row, i) => row.map((_, j) => (i === j ? 1 : 0))),
        1e-10,
      );

      const g = L.slice();
      lowerGramBlock(g, off, n, ld);
      expectClose(g, off, ld, lowerOnly(mul(T(Ld), Ld)), 1e-10);
    });

    it(`solves and multiplies with triangular factors at order ${n}`, () => {
      const L = randomLower(n, ld, off);
      const Ld = dense(L, off, n, ld);
      const m = 9;
      const ldb = Math.max(m, n) + 2;

      // X Lᵀ = B and B T, with B m × n.
      const Bw = rect(m, n);
      const bw = store(Bw, ldb, 1);
      solveRightLowerTranspose(L, off, n, ld, bw, 1, m, ldb);
      const X = Bw.map((_, i) => Array.from({ length: n }, (_, j) => bw[1 + i * ldb + j]));
      expectClose(store(mul(X, T(Ld)), n, 0), 0, n, Bw, 1e-10);
      const bt = store(Bw, ldb, 1);
      multiplyRightLower(L, off, n, ld, bt, 1, m, ldb);
      expectClose(bt, 1, ldb, mul(Bw, Ld), 1e-10);

      // L X = B and Lᵀ B, with B n × m.
      const Bt = rect(n, m);
      const bl = store(Bt, ldb, 1);
      solveLeftLower(L, off, n, ld, bl, 1, m, ldb);
      const Y = Bt.map((_, i) => Array.from({ length: m }, (_, j) => bl[1 + i * ldb + j]));
      expectClose(store(mul(Ld, Y), m, 0), 0, m, Bt, 1e-10);
      const bu = store(Bt, ldb, 1);
      multiplyLeftLowerTranspose(L, off, n, ld, bu, 1, m, ldb);
      expectClose(bu, 1, ldb, mul(T(Ld), Bt), 1e-10);
    });
  }

  it("reports a non-positive pivot found after the first leaf", () => {
    const n = 80;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) a[i * n + i] = 1;
    a[70 * n + 70] = -1;
    expect(choleskyBlock(a, 0, n, n)).toBe(false);
  });
});
