/**
 * Recursive blocked forms of the dense factorisations and triangular operations (LAPACK `dpotrf`, `dtrsm`,
 * `dtrmm`, `dtrtri`, `dlauum`), after Gustavson, "Recursion leads to automatic variable blocking for dense
 * linear-algebra algorithms" (IBM J. Res. Dev. 41(6), 1997): each routine halves its triangle, recurses on the two
 * diagonal blocks and does the off-diagonal work with {@link gemm}, so almost all flops run in the packed,
 * register-blocked kernel at every cache level without a tuned block size. Below `LEAF` rows an unblocked loop
 * finishes the job.
 *
 * Every routine works on a sub-block of a row-major array: element (i, j) of the block is `a[off + i·ld + j]`.
 * Only the lower triangle of triangular operands is read; the upper triangle is never written.
 */
import { gemm } from "./gemm.js";

/** Below this order the unblocked loops win: packing and call overhead exceed the O(LEAF³) work. */
const LEAF = 24;

/** Scratch for one transposed LEAF × LEAF triangle (`multiplyRightLower`); blocked routines never re-enter. */
const leafScratch = new Float64Array(LEAF * LEAF);

/** Splits an order n ≥ 2 roughly in half, keeping the first part a multiple of 4 (the GEMM tile) when possible. */
function split(n: number): number {
  const half = n >> 1;
  return half >= 8 ? half - (half % 4) : half;
}

/**
 * Cholesky A = L Lᵀ in place on the lower triangle of the n × n block (Golub & Van Loan §4.2.9, recursive):
 *   L11 = chol(A11),  L21 = A21 L11⁻ᵀ,  A22 ← A22 − L21 L21ᵀ,  L22 = chol(A22).
 * Returns false at the first pivot that is not positive and finite (the block is then partly overwritten).
 */
export function choleskyBlock(a: Float64Array, off: number, n: number, ld: number): boolean {
  if (n <= LEAF) return choleskyLeaf(a, off, n, ld);
  const n1 = split(n);
  const n2 = n - n1;
  if (!choleskyBlock(a, off, n1, ld)) return false;
  const off21 = off + n1 * ld;
  const off22 = off21 + n1;
  solveRightLowerTranspose(a, off, n1, ld, a, off21, n2, ld);
  gemm(false, true, n2, n2, n1, -1, a, off21, ld, a, off21, ld, a, off22, ld, "lower");
  return choleskyBlock(a, off22, n2, ld);
}

/** Unblocked Cholesky–Banachiewicz: L_ij = (A_ij − Σ_{k<j} L_ik L_jk) / L_jj, sums over contiguous rows. */
function choleskyLeaf(a: Float64Array, off: number, n: number, ld: number): boolean {
  for (let i = 0; i < n; i++) {
    const ri = off + i * ld;
    for (let j = 0; j <= i; j++) {
      const rj = off + j * ld;
      let s = a[ri + j];
      for (let k = 0; k < j; k++) s -= a[ri + k] * a[rj + k];
      if (i === j) {
        // `!(s > 0)` also rejects NaN, so a matrix with non-finite entries fails here rather than later.
        if (!(s > 0) || s === Number.POSITIVE_INFINITY) return false;
        a[ri + i] = Math.sqrt(s);
      } else {
        a[ri + j] = s / a[rj + j];
      }
    }
  }
  return true;
}

/**
 * X Lᵀ = B for X (m × p), overwriting B; L is p × p lower (`dtrsm` side R, lower, transposed). Splitting L's order:
 *   X1 L11ᵀ = B1,  B2 ← B2 − X1 L21ᵀ,  X2 L22ᵀ = B2.
 */
export function solveRightLowerTranspose(
  l: Float64Array,
  lOff: number,
  p: number,
  ld: number,
  b: Float64Array,
  bOff: number,
  m: number,
  ldb: number,
): void {
  if (p <= LEAF) {
    // Row by row: x_j = (b_j − Σ_{q<j} x_q L_jq) / L_jj, dot products of contiguous rows; four rows of B at once
    // share each load of L_jq.
    let i = 0;
    for (; i + 3 < m; i += 4) {
      const r0 = bOff + i * ldb;
      const r1 = r0 + ldb;
      const r2 = r1 + ldb;
      const r3 = r2 + ldb;
      for (let j = 0; j < p; j++) {
        const rj = lOff + j * ld;
        let s0 = b[r0 + j];
        let s1 = b[r1 + j];
        let s2 = b[r2 + j];
        let s3 = b[r3 + j];
        for (let q = 0; q < j; q++) {
          const ljq = l[rj + q];
          s0 -= b[r0 + q] * ljq;
          s1 -= b[r1 + q] * ljq;
          s2 -= b[r2 + q] * ljq;
          s3 -= b[r3 + q] * ljq;
        }
        const ljj = l[rj + j];
        b[r0 + j] = s0 / ljj;
        b[r1 + j] = s1 / ljj;
        b[r2 + j] = s2 / ljj;
        b[r3 + j] = s3 / ljj;
      }
    }
    for (; i < m; i++) {
      const ri = bOff + i * ldb;
      for (let j = 0; j < p; j++) {
        const rj = lOff + j * ld;
        let s = b[ri + j];
        for (let q = 0; q < j; q++) s -= b[ri + q] * l[rj + q];
        b[ri + j] = s / l[rj + j];
      }
    }
    return;
  }
  const p1 = split(p);
  const p2 = p - p1;
  solveRightLowerTranspose(l, lOff, p1, ld, b, bOff, m, ldb);
  gemm(false, true, m, p2, p1, -1, b, bOff, ldb, l, lOff + p1 * ld, ld, b, bOff + p1, ldb);
  solveRightLowerTranspose(l, lOff + p1 * ld + p1, p2, ld, b, bOff + p1, m, ldb);
}

/**
 * L X = B for X (p × m), overwriting B; L is p × p lower (`dtrsm` side L, lower). Splitting L's order:
 *   L11 X1 = B1,  B2 ← B2 − L21 X1,  L22 X2 = B2.
 */
export function solveLeftLower(
  l: Float64Array,
  lOff: number,
  p: number,
  ld: number,
  b: Float64Array,
  bOff: number,
  m: number,
  ldb: number,
): void {
  if (p <= LEAF) {
    // Forward substitution a whole row at a time: X_i = (B_i − Σ_{k<i} L_ik X_k) / L_ii over contiguous rows,
    // four earlier rows per sweep so each element of X_i is loaded and stored once per four updates.
    for (let i = 0; i < p; i++) {
      const ri = lOff + i * ld;
      const xi = bOff + i * ldb;
      let k = 0;
      for (; k + 3 < i; k += 4) {
        const l0 = l[ri + k];
        const l1 = l[ri + k + 1];
        const l2 = l[ri + k + 2];
        const l3 = l[ri + k + 3];
        const x0 = bOff + k * ldb;
        const x1 = x0 + ldb;
        const x2 = x1 + ldb;
        const x3 = x2 + ldb;
        for (let j = 0; j < m; j++) {
          b[xi + j] -= l0 * b[x0 + j] + l1 * b[x1 + j] + l2 * b[x2 + j] + l3 * b[x3 + j];
        }
      }
      for (; k < i; k++) {
        const lik = l[ri + k];
        const xk = bOff + k * ldb;
        for (let j = 0; j < m; j++) b[xi + j] -= lik * b[xk + j];
      }
      const lii = l[ri + i];
      for (let j = 0; j < m; j++) b[xi + j] /= lii;
    }
    return;
  }
  const p1 = split(p);
  const p2 = p - p1;
  solveLeftLower(l, lOff, p1, ld, b, bOff, m, ldb);
  gemm(false, false, p2, m, p1, -1, l, lOff + p1 * ld, ld, b, bOff, ldb, b, bOff + p1 * ldb, ldb);
  solveLeftLower(l, lOff + p1 * ld + p1, p2, ld, b, bOff + p1 * ldb, m, ldb);
}

/**
 * B ← B T for B (m × p) and T p × p lower (`dtrmm` side R, lower), in place. Splitting T's order:
 *   B1 ← B1 T11 + B2 T21,  B2 ← B2 T22  (B1 first: it reads the old B2).
 */
export function multiplyRightLower(
  t: Float64Array,
  tOff: number,
  p: number,
  ld: number,
  b: Float64Array,
  bOff: number,
  m: number,
  ldb: number,
): void {
  if (p <= LEAF) {
    // (B T)_ij = Σ_{q≥j} B_iq T_qj. T is copied transposed (p ≤ LEAF, so ≤ 1024 values) to make the sum a dot
    // product of contiguous rows; ascending j only reads entries q ≥ j that are not yet overwritten. Four rows of B
    // share each load of Tᵀ.
    const tt = leafScratch;
    for (let q = 0; q < p; q++) {
      for (let j = 0; j <= q; j++) tt[j * LEAF + q] = t[tOff + q * ld + j];
    }
    let i = 0;
    for (; i + 3 < m; i += 4) {
      const r0 = bOff + i * ldb;
      const r1 = r0 + ldb;
      const r2 = r1 + ldb;
      const r3 = r2 + ldb;
      for (let j = 0; j < p; j++) {
        const rj = j * LEAF;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let q = j; q < p; q++) {
          const tjq = tt[rj + q];
          s0 += b[r0 + q] * tjq;
          s1 += b[r1 + q] * tjq;
          s2 += b[r2 + q] * tjq;
          s3 += b[r3 + q] * tjq;
        }
        b[r0 + j] = s0;
        b[r1 + j] = s1;
        b[r2 + j] = s2;
        b[r3 + j] = s3;
      }
    }
    for (; i < m; i++) {
      const ri = bOff + i * ldb;
      for (let j = 0; j < p; j++) {
        const rj = j * LEAF;
        let s = 0;
        for (let q = j; q < p; q++) s += b[ri + q] * tt[rj + q];
        b[ri + j] = s;
      }
    }
    return;
  }
  const p1 = split(p);
  const p2 = p - p1;
  multiplyRightLower(t, tOff, p1, ld, b, bOff, m, ldb);
  gemm(false, false, m, p1, p2, 1, b, bOff + p1, ldb, t, tOff + p1 * ld, ld, b, bOff, ldb);
  multiplyRightLower(t, tOff + p1 * ld + p1, p2, ld, b, bOff + p1, m, ldb);
}

/**
 * B ← Lᵀ B for B (p × m) and L p × p lower (`dtrmm` side L, lower, transposed), in place. Splitting L's order:
 *   B1 ← L11ᵀ B1 + L21ᵀ B2,  B2 ← L22ᵀ B2.
 */
export function multiplyLeftLowerTranspose(
  l: Float64Array,
  lOff: number,
  p: number,
  ld: number,
  b: Float64Array,
  bOff: number,
  m: number,
  ldb: number,
): void {
  if (p <= LEAF) {
    // (Lᵀ B)_i = Σ_{k≥i} L_ki B_k: ascending i only reads rows k ≥ i, which are not yet overwritten. Later rows are
    // added four per sweep, so each element of B_i is loaded and stored once per four updates.
    for (let i = 0; i < p; i++) {
      const xi = bOff + i * ldb;
      const lii = l[lOff + i * ld + i];
      for (let j = 0; j < m; j++) b[xi + j] *= lii;
      let k = i + 1;
      for (; k + 3 < p; k += 4) {
        const l0 = l[lOff + k * ld + i];
        const l1 = l[lOff + (k + 1) * ld + i];
        const l2 = l[lOff + (k + 2) * ld + i];
        const l3 = l[lOff + (k + 3) * ld + i];
        const x0 = bOff + k * ldb;
        const x1 = x0 + ldb;
        const x2 = x1 + ldb;
        const x3 = x2 + ldb;
        for (let j = 0; j < m; j++) {
          b[xi + j] += l0 * b[x0 + j] + l1 * b[x1 + j] + l2 * b[x2 + j] + l3 * b[x3 + j];
        }
      }
      for (; k < p; k++) {
        const lki = l[lOff + k * ld + i];
        const xk = bOff + k * ldb;
        for (let j = 0; j < m; j++) b[xi + j] += lki * b[xk + j];
      }
    }
    return;
  }
  const p1 = split(p);
  const p2 = p - p1;
  multiplyLeftLowerTranspose(l, lOff, p1, ld, b, bOff, m, ldb);
  gemm(true, false, p1, m, p2, 1, l, lOff + p1 * ld, ld, b, bOff + p1 * ldb, ldb, b, bOff, ldb);
  multiplyLeftLowerTranspose(l, lOff + p1 * ld + p1, p2, ld, b, bOff + p1 * ldb, m, ldb);
}

/**
 * L ← L⁻¹ in place for the n × n lower block (`dtrtri`). With L = [L11 0; L21 L22],
 *   L⁻¹ = [L11⁻¹ 0; −L22⁻¹ L21 L11⁻¹  L22⁻¹],
 * formed as L11 ← L11⁻¹, L21 ← −L21 L11⁻¹, L21 ← L22⁻¹ L21 (a solve with the still-uninverted L22), L22 ← L22⁻¹.
 */
export function invertLowerBlock(a: Float64Array, off: number, n: number, ld: number): void {
  if (n <= LEAF) {
    // Z_ij = −Z_ii Σ_{j≤k<i} L_ik Z_kj row by row; ascending j reads L_ik (k ≥ j) before it is overwritten.
    for (let i = 0; i < n; i++) {
      const ri = off + i * ld;
      const zii = 1 / a[ri + i];
      for (let j = 0; j < i; j++) {
        let s = 0;
        for (let k = j; k < i; k++) s += a[ri + k] * a[off + k * ld + j];
        a[ri + j] = -zii * s;
      }
      a[ri + i] = zii;
    }
    return;
  }
  const n1 = split(n);
  const n2 = n - n1;
  const off21 = off + n1 * ld;
  const off22 = off21 + n1;
  invertLowerBlock(a, off, n1, ld);
  multiplyRightLower(a, off, n1, ld, a, off21, n2, ld);
  for (let i = 0; i < n2; i++) {
    const r = off21 + i * ld;
    for (let j = 0; j < n1; j++) a[r + j] = -a[r + j];
  }
  solveLeftLower(a, off22, n2, ld, a, off21, n1, ld);
  invertLowerBlock(a, off22, n2, ld);
}

/**
 * Lower triangle of Lᵀ L in place (`dlauum`); applied to Z = L⁻¹ it gives (L Lᵀ)⁻¹ = Zᵀ Z. With L = [L11 0; L21 L22],
 *   Lᵀ L = [L11ᵀL11 + L21ᵀL21  ·;  L22ᵀ L21  L22ᵀL22].
 */
export function lowerGramBlock(a: Float64Array, off: number, n: number, ld: number): void {
  if (n <= LEAF) {
    // (LᵀL)_ij = Σ_{k≥i} L_ki L_kj for j ≤ i; ascending i only reads rows k ≥ i, and row i is read before written
    // (its diagonal, used by every j, last).
    for (let i = 0; i < n; i++) {
      const ri = off + i * ld;
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let k = i; k < n; k++) {
          const rk = off + k * ld;
          s += a[rk + i] * a[rk + j];
        }
        a[ri + j] = s;
      }
    }
    return;
  }
  const n1 = split(n);
  const n2 = n - n1;
  const off21 = off + n1 * ld;
  const off22 = off21 + n1;
  lowerGramBlock(a, off, n1, ld);
  gemm(true, false, n1, n1, n2, 1, a, off21, ld, a, off21, ld, a, off, ld, "lower");
  multiplyLeftLowerTranspose(a, off22, n2, ld, a, off21, n1, ld);
  lowerGramBlock(a, off22, n2, ld);
}
