import { afterAll, describe, expect, it } from "vitest";
import { gemm, hasSimdGemm, setGemmKernel } from "../../../src/ml/linalg/gemm.js";
import { Rng } from "../../../src/ml/random.js";

const rng = new Rng(99);
const random = (n: number): Float64Array => new Float64Array(n).map(() => rng.normal());

/** C += α op(A) op(B) by the definition, one dot product per entry. */
function naive(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  A: Float64Array,
  aOff: number,
  lda: number,
  B: Float64Array,
  bOff: number,
  ldb: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
  lower: boolean,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      if (lower && j > i) continue;
      let s = 0;
      for (let p = 0; p < k; p++) {
        const a = transA ? A[aOff + p * lda + i] : A[aOff + i * lda + p];
        const b = transB ? B[bOff + j * ldb + p] : B[bOff + p * ldb + j];
        s += a * b;
      }
      C[cOff + i * ldc + j] += alpha * s;
    }
  }
}

// Sizes straddle the 4 × 4 tile and the KC = 256 / MC = 128 / NC = 512 blocks, with offsets and padded strides.
const shapes: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 2],
  [7, 9, 13],
  [33, 17, 260],
  [130, 6, 40],
  [5, 515, 3],
];
const kinds = hasSimdGemm() ? (["scalar", "simd"] as const) : (["scalar"] as const);

describe("gemm", () => {
  afterAll(() => setGemmKernel("simd"));

  for (const kind of kinds) {
    it(`matches the definition for every transpose, stride and edge (${kind} micro-kernel)`, () => {
      setGemmKernel(kind);
      for (const [m, n, k] of shapes) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            const lda = (transA ? m : k) + 3;
            const ldb = (transB ? k : n) + 1;
            const ldc = n + 2;
            const A = random(5 + lda * (transA ? k : m));
            const B = random(2 + ldb * (transB ? n : k));
            const C = random(4 + ldc * m);
            const expected = C.slice();
            naive(transA, transB, m, n, k, -0.75, A, 5, lda, B, 2, ldb, expected, 4, ldc, false);
            gemm(transA, transB, m, n, k, -0.75, A, 5, lda, B, 2, ldb, C, 4, ldc);
            for (let i = 0; i < C.length; i++) {
              // Same products, summed in blocks of KC rather than one run: round-off of order k·ε·Σ|a·b|.
              expect(Math.abs(C[i] - expected[i])).toBeLessThan(1e-12 * (k + 1) * 10);
            }
          }
        }
      }
    });

    it(`updates only the lower triangle in lower mode (${kind})`, () => {
      setGemmKernel(kind);
      for (const n of [1, 6, 37, 140]) {
        const k = 19;
        const A = random(n * k);
        const C = random(n * n);
        const expected = C.slice();
        naive(false, true, n, n, k, 1, A, 0, k, A, 0, k, expected, 0, n, true);
        gemm(false, true, n, n, k, 1, A, 0, k, A, 0, k, C, 0, n, "lower");
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            if (j > i) expect(C[i * n + j]).toBe(expected[i * n + j]);
            else expect(Math.abs(C[i * n + j] - expected[i * n + j])).toBeLessThan(1e-12 * 200);
          }
        }
      }
    });
  }

  it("gives bit-identical results with the SIMD and scalar micro-kernels", () => {
    if (!hasSimdGemm()) return;
    const m = 70;
    const n = 45;
    const k = 300;
    const A = random(m * k);
    const B = random(k * n);
    const C0 = random(m * n);
    const C1 = C0.slice();
    setGemmKernel("scalar");
    gemm(false, false, m, n, k, 1, A, 0, k, B, 0, n, C0, 0, n);
    setGemmKernel("simd");
    gemm(false, false, m, n, k, 1, A, 0, k, B, 0, n, C1, 0, n);
    // Both multiply then add in the same order (WebAssembly has no fused multiply-add without relaxed SIMD).
    expect(Array.from(C1)).toEqual(Array.from(C0));
  });

  it("does nothing for empty shapes or α = 0", () => {
    const C = random(4);
    const before = C.slice();
    gemm(false, false, 0, 2, 2, 1, random(4), 0, 2, random(4), 0, 2, C, 0, 2);
    gemm(false, false, 2, 2, 2, 0, random(4), 0, 2, random(4), 0, 2, C, 0, 2);
    expect(Array.from(C)).toEqual(Array.from(before));
  });
});
