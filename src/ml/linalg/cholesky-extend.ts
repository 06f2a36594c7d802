/**
 * Appending rows and columns to a Cholesky factorisation (a bordered, rank-k extension; Golub & Van Loan §4.2 on
 * the block algorithm): if A = L Lᵀ, then
 *   [A  B]   [L    0  ] [Lᵀ  V  ]
 *   [Bᵀ C] = [Vᵀ  L₂₂ ] [0   L₂₂ᵀ],   V = L⁻¹ B,  L₂₂ L₂₂ᵀ = C − Vᵀ V,
 * so k new observations cost a triangular solve with k right-hand sides (n²k flops), a rank-n update of a k × k
 * block (nk²) and a k × k factorisation, instead of refactoring all (n + k)³/3 flops from scratch.
 */
import { choleskyBlock, solveLeftLower } from "./blocked.js";
import { gemm } from "./gemm.js";
import { assertShape, assertSquare, createMatrix, type Matrix } from "./matrix.js";

/**
 * The lower factor of [A B; Bᵀ C] from A's factor L (n × n), the new columns B (n × k) and the new diagonal block C
 * (k × k, lower triangle read), or undefined when the Schur complement C − VᵀV is not numerically positive
 * definite (the caller may then refactor with jitter). L, B and C are left untouched.
 */
export function extendCholesky(L: Matrix, B: Matrix, C: Matrix): Matrix | undefined {
  assertSquare(L, "L");
  assertSquare(C, "C");
  const n = L.rows;
  const k = C.rows;
  assertShape(B, n, k, "B");
  if (k === 0) return { rows: n, cols: n, data: L.data.slice() };
  const m = n + k;
  const out = createMatrix(m, m);
  const o = out.data;
  for (let i = 0; i < n; i++) o.set(L.data.subarray(i * n, i * n + i + 1), i * m);
  // V = L⁻¹ B (n × k), blocked so the n²k flops run in GEMM.
  const V = B.data.slice();
  solveLeftLower(L.data, 0, n, n, V, 0, k, k);
  // Bottom rows of the new factor: [Vᵀ | C − VᵀV], then factorise the k × k corner in place.
  for (let r = 0; r < k; r++) {
    const row = (n + r) * m;
    for (let i = 0; i < n; i++) o[row + i] = V[i * k + r];
    for (let c = 0; c <= r; c++) o[row + n + c] = C.data[r * k + c];
  }
  gemm(true, false, k, k, n, -1, V, 0, k, V, 0, k, o, n * m + n, m, "lower");
  if (!choleskyBlock(o, n * m + n, k, m)) return undefined;
  return out;
}
