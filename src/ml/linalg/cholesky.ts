/**
 * Cholesky factorisation A = L Lᵀ of symmetric positive-definite matrices, triangular solves and the
 * log-determinant (Golub & Van Loan, Matrix Computations, 4th ed., §4.2). Row-major throughout; inner loops
 * allocate nothing, and every routine can write into a caller's buffer. The O(n³) routines (factorisation,
 * inverse, solves with many right-hand sides) are the recursive blocked forms of `blocked.ts`.
 */
import { invalidInput, SlipwayError } from "../../core/index.js";
import { choleskyBlock, invertLowerBlock, lowerGramBlock, solveLeftLower } from "./blocked.js";
import { assertShape, assertSquare, createMatrix, type Matrix, mirrorLower } from "./matrix.js";

/**
 * Overwrites the lower triangle of `a` with L (upper triangle zeroed) and returns true, or returns false as soon
 * as a pivot is not positive and finite (then `a` is partly overwritten). Only the lower triangle of `a` is read.
 * Recursive blocked (see `blocked.ts`): the n³/3 flops run in the packed GEMM kernel, not a dot-product loop.
 */
export function choleskyInPlace(a: Matrix): boolean {
  assertSquare(a, "a");
  const n = a.rows;
  const d = a.data;
  if (!choleskyBlock(d, 0, n, n)) return false;
  for (let i = 0; i < n; i++) d.fill(0, i * n + i + 1, (i + 1) * n);
  return true;
}

export interface JitterOptions {
  /** First jitter tried after the plain factorisation fails (default 1e-10). */
  initialJitter?: number;
  /** Largest jitter tried, inclusive; the jitter grows ×10 per retry (default 1e-6). */
  maxJitter?: number;
  /** Buffer for L (n × n); a new one is allocated when absent. */
  out?: Matrix;
}

/** A lower Cholesky factor of A + jitter·I. */
export interface CholeskyFactor {
  L: Matrix;
  /** The absolute amount added to the diagonal; 0 when A itself was factorised. */
  jitter: number;
}

/**
 * Factorises A (left untouched), first as given, then adding jitter 1e-10, 1e-9, … up to `maxJitter` to the
 * diagonal: round-off can make a kernel matrix with near-duplicate inputs numerically indefinite, and a tiny
 * diagonal shift is the standard remedy (Rasmussen & Williams, GPML, §3.4.3 / appendix A.4). Returns undefined
 * if every attempt fails.
 */
export function tryCholeskyWithJitter(a: Matrix, options: JitterOptions = {}): CholeskyFactor | undefined {
  assertSquare(a, "a");
  const n = a.rows;
  const initial = options.initialJitter ?? 1e-10;
  const max = options.maxJitter ?? 1e-6;
  const L = options.out ?? createMatrix(n, n);
  assertShape(L, n, n, "out");
  let jitter = 0;
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0) {
      // Powers of ten computed directly, so repeated ×10 does not accumulate rounding.
      jitter = initial * 10 ** (attempt - 1);
      if (jitter > max * (1 + 1e-12)) return undefined;
    }
    L.data.set(a.data);
    if (jitter > 0) for (let i = 0; i < n; i++) L.data[i * n + i] += jitter;
    if (choleskyInPlace(L)) return { L, jitter };
  }
}

/** As {@link tryCholeskyWithJitter}, but throws `SLP_TRAIN_FAILED` when no jitter up to the limit suffices. */
export function choleskyWithJitter(a: Matrix, options: JitterOptions = {}): CholeskyFactor {
  const factor = tryCholeskyWithJitter(a, options);
  if (factor === undefined) {
    throw new SlipwayError("SLP_TRAIN_FAILED", "matrix is not positive definite, even with diagonal jitter", [
      { field: "jitter", reason: `tried up to ${options.maxJitter ?? 1e-6}; increase alpha (the noise level)` },
    ]);
  }
  return factor;
}

/** Solves L x = b by forward substitution; `out` may be `b` itself. */
export function solveLower(L: Matrix, b: Float64Array, out: Float64Array = new Float64Array(b.length)): Float64Array {
  const n = checkVector(L, b, out);
  const d = L.data;
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = b[i];
    for (let k = 0; k < i; k++) s -= d[ri + k] * out[k];
    out[i] = s / d[ri + i];
  }
  return out;
}

/** Solves Lᵀ x = b by back substitution, reading L's columns; `out` may be `b` itself. */
export function solveLowerTranspose(
  L: Matrix,
  b: Float64Array,
  out: Float64Array = new Float64Array(b.length),
): Float64Array {
  const n = checkVector(L, b, out);
  const d = L.data;
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < n; k++) s -= d[k * n + i] * out[k];
    out[i] = s / d[i * n + i];
  }
  return out;
}

/** Solves A x = b given A's factor L (A = L Lᵀ); `out` may be `b` itself. */
export function choleskySolve(
  L: Matrix,
  b: Float64Array,
  out: Float64Array = new Float64Array(b.length),
): Float64Array {
  solveLower(L, b, out);
  return solveLowerTranspose(L, out, out);
}

/** Solves L X = B for an n × m right-hand side (blocked: the bulk of the work is GEMM). `out` may be `B` itself. */
export function solveLowerMatrix(L: Matrix, B: Matrix, out: Matrix = createMatrix(B.rows, B.cols)): Matrix {
  const n = checkMatrix(L, B, out);
  if (out !== B) out.data.set(B.data);
  solveLeftLower(L.data, 0, n, n, out.data, 0, B.cols, B.cols);
  return out;
}

/** Solves Lᵀ X = B for an n × m right-hand side: X_i = (B_i − Σ_{k>i} L_ki X_k) / L_ii. `out` may be `B`. */
export function solveLowerTransposeMatrix(L: Matrix, B: Matrix, out: Matrix = createMatrix(B.rows, B.cols)): Matrix {
  const n = checkMatrix(L, B, out);
  const m = B.cols;
  const d = L.data;
  const x = out.data;
  if (out !== B) x.set(B.data);
  for (let i = n - 1; i >= 0; i--) {
    const xi = i * m;
    for (let k = i + 1; k < n; k++) {
      const lki = d[k * n + i];
      if (lki === 0) continue;
      const xk = k * m;
      for (let j = 0; j < m; j++) x[xi + j] -= lki * x[xk + j];
    }
    const inv = 1 / d[i * n + i];
    for (let j = 0; j < m; j++) x[xi + j] *= inv;
  }
  return out;
}

/** Solves A X = B given A's factor L; `out` may be `B` itself. */
export function choleskySolveMatrix(L: Matrix, B: Matrix, out: Matrix = createMatrix(B.rows, B.cols)): Matrix {
  solveLowerMatrix(L, B, out);
  return solveLowerTransposeMatrix(L, out, out);
}

/**
 * A⁻¹ from A's factor L as Zᵀ Z with Z = L⁻¹ (LAPACK `dpotri`): the triangular inverse and the triangular product
 * each cost n³/3 flops and touch one triangle, a third of solving A X = I column by column (2n³), and the result
 * is exactly symmetric (the lower triangle is mirrored). `out` may be `L` itself.
 */
export function choleskyInverse(L: Matrix, out: Matrix = createMatrix(L.rows, L.rows)): Matrix {
  assertSquare(L, "L");
  const n = L.rows;
  assertShape(out, n, n, "out");
  const d = out.data;
  if (out !== L) d.set(L.data);
  invertLowerBlock(d, 0, n, n);
  lowerGramBlock(d, 0, n, n);
  mirrorLower(d, n);
  return out;
}

/** log det A = 2 Σ log L_ii for A = L Lᵀ; summing logs avoids the overflow of multiplying the pivots. */
export function logDeterminantFromCholesky(L: Matrix): number {
  assertSquare(L, "L");
  const n = L.rows;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(L.data[i * n + i]);
  return 2 * s;
}

function checkVector(L: Matrix, b: Float64Array, out: Float64Array): number {
  assertSquare(L, "L");
  const n = L.rows;
  if (b.length !== n || out.length !== n) {
    throw invalidInput("right-hand side length does not match the factor", [
      { field: "b", reason: `expected ${n} values, got ${b.length} (out ${out.length})` },
    ]);
  }
  return n;
}

function checkMatrix(L: Matrix, B: Matrix, out: Matrix): number {
  assertSquare(L, "L");
  const n = L.rows;
  assertShape(B, n, B.cols, "B");
  assertShape(out, n, B.cols, "out");
  return n;
}
