/**
 * The one level-3 kernel every blocked routine in `linalg/` reduces to: C += α · op(A) · op(B) on sub-blocks of
 * row-major arrays (offset + leading dimension, as BLAS `dgemm` with beta = 1). It follows the GotoBLAS / BLIS
 * design (Goto & van de Geijn, "Anatomy of high-performance matrix multiplication", ACM TOMS 34(3), 2008): a
 * KC × NC block of op(B) and an MC × KC block of op(A) are packed into contiguous, micro-panel-ordered buffers, so
 * the 2 × 8 register-blocked micro-kernel streams both operands sequentially whatever the transposes, from L1 (an
 * A micro-panel) and L2 (the B block). The micro-kernel is WebAssembly SIMD where available (`simd-kernel.ts`),
 * else the scalar JavaScript twin below; both read the same packed layout and give the same sums in the same order.
 */
import { SlipwayError } from "../../core/index.js";
import { createSimdKernel, SIMD_HEAP_BYTES, type SimdKernel } from "./simd-kernel.js";

/** Rows of a register tile (see `simd-kernel.ts` for why 2 × 8). */
const MR = 2;
/** Columns of a register tile. */
const NR = 8;
/** Depth of a packed block: a 2 × 256 A micro-panel (4 KiB) stays in L1. */
const KC = 256;
/** Rows of op(A) packed at once. */
const MC = 128;
/** Columns of op(B) packed at once: a 256 × 512 B block (1 MiB) is sized to an L2. */
const NC = 512;

// Layout of the kernel's heap (in doubles): packed A block, packed B block, then one output tile per B
// micro-panel. Fixed offsets, so gemm never allocates; gemm is not re-entrant (it never calls user code), so one
// heap is safe in single-threaded JavaScript.
const A_BASE = 0;
const B_BASE = A_BASE + MC * KC;
const OUT_BASE = B_BASE + KC * NC;
const HEAP_DOUBLES = OUT_BASE + (NC / NR) * MR * NR;
// A module-load invariant between the two files' constants, not a runtime condition.
if (HEAP_DOUBLES * 8 > SIMD_HEAP_BYTES) {
  throw new SlipwayError("SLP_INTERNAL", "gemm blocking exceeds the SIMD kernel's memory", [
    { field: "HEAP_DOUBLES", reason: `${HEAP_DOUBLES * 8} bytes > ${SIMD_HEAP_BYTES}` },
  ]);
}

/** The scalar micro-kernel, with the WebAssembly kernel's contract on a plain heap (addresses in bytes). */
function createScalarKernel(): SimdKernel {
  const heap = new Float64Array(HEAP_DOUBLES);
  return { heap, panel: (kc, a, b, out, tiles) => scalarPanel(heap, kc, a >> 3, b >> 3, out >> 3, tiles) };
}

// Kernels are created on first use, so importing linalg costs nothing: `undefined` until tried, then the SIMD
// kernel or null where WebAssembly SIMD is unavailable.
let simdKernel: SimdKernel | null | undefined;
let scalarKernel: SimdKernel | undefined;
let preferScalar = false;

function simd(): SimdKernel | null {
  if (simdKernel === undefined) simdKernel = createSimdKernel() ?? null;
  return simdKernel;
}

/** The micro-kernel in use: SIMD unless unavailable or a test asked for the scalar one. */
function activeKernel(): SimdKernel {
  const fast = preferScalar ? null : simd();
  if (fast !== null) return fast;
  scalarKernel ??= createScalarKernel();
  return scalarKernel;
}

/** Which micro-kernel `gemm` uses: "simd" (the default where WebAssembly SIMD exists) or "scalar" (for tests). */
export function setGemmKernel(kind: "simd" | "scalar"): void {
  preferScalar = kind === "scalar";
}

/** True when the WebAssembly SIMD micro-kernel is available. */
export function hasSimdGemm(): boolean {
  return simd() !== null;
}

/** Which part of a square C block to update: all of it, or only the lower triangle including the diagonal. */
export type GemmTriangle = "full" | "lower";

/**
 * C[i, j] += α Σ_p op(A)[i, p] · op(B)[p, j] for 0 ≤ i < m, 0 ≤ j < n, 0 ≤ p < k, where element (r, c) of a matrix
 * X is `X[xOff + r·ldx + c]` and op(X) is X or Xᵀ. With `triangle` "lower", C is a diagonal block (m = n) and only
 * j ≤ i is computed and written (BLAS `dsyrk` when op(B) = op(A)ᵀ): tiles wholly above the diagonal are skipped,
 * which halves the work.
 */
export function gemm(
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
  triangle: GemmTriangle = "full",
): void {
  if (m <= 0 || n <= 0 || k <= 0 || alpha === 0) return;
  const kernel = activeKernel();
  const lower = triangle === "lower";
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    // In lower mode, rows above jc meet only tiles above the diagonal.
    const iStart = lower ? jc - (jc % MC) : 0;
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      packB(kernel.heap, transB, kc, nc, B, bOff, ldb, pc, jc);
      for (let ic = iStart; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packA(kernel.heap, transA, mc, kc, alpha, A, aOff, lda, ic, pc);
        macroKernel(kernel, mc, nc, kc, ic, jc, C, cOff, ldc, lower);
      }
    }
  }
}

/** Packs op(B)[pc .. pc+kc, jc .. jc+nc] into NR-wide column panels, kk-major: panel q holds columns q·NR … */
function packB(
  P: Float64Array,
  transB: boolean,
  kc: number,
  nc: number,
  B: Float64Array,
  bOff: number,
  ldb: number,
  pc: number,
  jc: number,
): void {
  const panels = Math.ceil(nc / NR);
  for (let q = 0; q < panels; q++) {
    const j0 = jc + q * NR;
    const width = Math.min(NR, nc - q * NR);
    const base = B_BASE + q * NR * kc;
    for (let c = 0; c < NR; c++) {
      const j = j0 + c;
      let dst = base + c;
      if (c >= width) {
        for (let kk = 0; kk < kc; kk++, dst += NR) P[dst] = 0;
      } else if (transB) {
        // op(B)[p, j] = B[j, p]: a contiguous row of B.
        let src = bOff + j * ldb + pc;
        for (let kk = 0; kk < kc; kk++, dst += NR) P[dst] = B[src++];
      } else {
        let src = bOff + pc * ldb + j;
        for (let kk = 0; kk < kc; kk++, dst += NR, src += ldb) P[dst] = B[src];
      }
    }
  }
}

/** Packs α · op(A)[ic .. ic+mc, pc .. pc+kc] into MR-tall row panels, kk-major. */
function packA(
  P: Float64Array,
  transA: boolean,
  mc: number,
  kc: number,
  alpha: number,
  A: Float64Array,
  aOff: number,
  lda: number,
  ic: number,
  pc: number,
): void {
  const panels = Math.ceil(mc / MR);
  for (let q = 0; q < panels; q++) {
    const i0 = ic + q * MR;
    const height = Math.min(MR, mc - q * MR);
    const base = A_BASE + q * MR * kc;
    for (let r = 0; r < MR; r++) {
      const i = i0 + r;
      let dst = base + r;
      if (r >= height) {
        for (let kk = 0; kk < kc; kk++, dst += MR) P[dst] = 0;
      } else if (transA) {
        let src = aOff + pc * lda + i;
        for (let kk = 0; kk < kc; kk++, dst += MR, src += lda) P[dst] = alpha * A[src];
      } else {
        let src = aOff + i * lda + pc;
        for (let kk = 0; kk < kc; kk++, dst += MR) P[dst] = alpha * A[src++];
      }
    }
  }
}

/**
 * Multiplies every A micro-panel by the B micro-panels it meets (one kernel call per A micro-panel) and adds the
 * resulting MR × NR tiles into C.
 */
function macroKernel(
  kernel: SimdKernel,
  mc: number,
  nc: number,
  kc: number,
  ic: number,
  jc: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
  lower: boolean,
): void {
  const heap = kernel.heap;
  const panelsB = Math.ceil(nc / NR);
  for (let ir = 0; ir < mc; ir += MR) {
    const i0 = ic + ir;
    const height = Math.min(MR, mc - ir);
    // Lower mode: B micro-panels starting right of this A panel's last row lie wholly above the diagonal; the
    // ones needed are a prefix, since panels are packed left to right.
    const tiles = lower ? Math.min(panelsB, Math.max(0, Math.ceil((i0 + MR - jc) / NR))) : panelsB;
    if (tiles === 0) continue;
    kernel.panel(kc, (A_BASE + (ir / MR) * MR * kc) * 8, B_BASE * 8, OUT_BASE * 8, tiles);
    for (let q = 0; q < tiles; q++) {
      const j0 = jc + q * NR;
      const width = Math.min(NR, nc - q * NR);
      const t = OUT_BASE + q * MR * NR;
      if (height === MR && width === NR && !(lower && j0 + NR - 1 > i0)) {
        const r0 = cOff + i0 * ldc + j0;
        const r1 = r0 + ldc;
        for (let c = 0; c < NR; c++) {
          C[r0 + c] += heap[t + c];
          C[r1 + c] += heap[t + NR + c];
        }
        continue;
      }
      // Edge or diagonal tile: a masked store, O(m + n) of them per block.
      for (let r = 0; r < height; r++) {
        const i = i0 + r;
        const row = cOff + i * ldc;
        for (let c = 0; c < width; c++) {
          const j = j0 + c;
          if (lower && j > i) break;
          C[row + j] += heap[t + r * NR + c];
        }
      }
    }
  }
}

/** The scalar micro-kernel: `panel` of `simd-kernel.ts` on a Float64Array, with offsets in doubles. */
function scalarPanel(heap: Float64Array, kc: number, a0: number, b: number, out: number, tiles: number): void {
  for (let tile = 0; tile < tiles; tile++, out += MR * NR) {
    let a = a0;
    let c00 = 0;
    let c01 = 0;
    let c02 = 0;
    let c03 = 0;
    let c04 = 0;
    let c05 = 0;
    let c06 = 0;
    let c07 = 0;
    let c10 = 0;
    let c11 = 0;
    let c12 = 0;
    let c13 = 0;
    let c14 = 0;
    let c15 = 0;
    let c16 = 0;
    let c17 = 0;
    for (let kk = 0; kk < kc; kk++, a += MR, b += NR) {
      const x0 = heap[a];
      const x1 = heap[a + 1];
      const y0 = heap[b];
      const y1 = heap[b + 1];
      const y2 = heap[b + 2];
      const y3 = heap[b + 3];
      const y4 = heap[b + 4];
      const y5 = heap[b + 5];
      const y6 = heap[b + 6];
      const y7 = heap[b + 7];
      c00 += x0 * y0;
      c01 += x0 * y1;
      c02 += x0 * y2;
      c03 += x0 * y3;
      c04 += x0 * y4;
      c05 += x0 * y5;
      c06 += x0 * y6;
      c07 += x0 * y7;
      c10 += x1 * y0;
      c11 += x1 * y1;
      c12 += x1 * y2;
      c13 += x1 * y3;
      c14 += x1 * y4;
      c15 += x1 * y5;
      c16 += x1 * y6;
      c17 += x1 * y7;
    }
    heap[out] = c00;
    heap[out + 1] = c01;
    heap[out + 2] = c02;
    heap[out + 3] = c03;
    heap[out + 4] = c04;
    heap[out + 5] = c05;
    heap[out + 6] = c06;
    heap[out + 7] = c07;
    heap[out + 8] = c10;
    heap[out + 9] = c11;
    heap[out + 10] = c12;
    heap[out + 11] = c13;
    heap[out + 12] = c14;
    heap[out + 13] = c15;
    heap[out + 14] = c16;
    heap[out + 15] = c17;
  }
}
