/**
 * C += A · op(B) where op(B) is packed once and reused for many A: the recurrent products of an LSTM, h_{t−1} W_hhᵀ
 * forward and ∂Z_t W_hh backward, multiply the same W_hh at every one of the T steps of a batch. `linalg/gemm`
 * repacks B on every call; at these shapes (B × 4H × H = 32 × 128 × 32) that packing and the blocking loops cost
 * about as much as the multiply. Here B is packed into the WebAssembly SIMD micro-kernel's memory once per
 * batch and each step only packs its A (the small one) and runs the kernel (`linalg/simd-kernel.ts`, 2 × 8 tiles).
 *
 * The sums are those of `gemm` for k ≤ 256 (each tile sums over k in order from zero, then is added into C), so
 * both paths give bit-identical results; where WebAssembly SIMD is unavailable, or the operands do not fit the
 * kernel's memory, `multiplyAdd` simply calls `gemm`. The kernel instance is shared by every product in the
 * process (JavaScript is single-threaded and a product is only valid until the next `pack` anywhere, which
 * `multiplyAdd` checks and repairs by packing again).
 */
import { gemm } from "../linalg/gemm.js";
import { createSimdKernel, type SimdKernel } from "../linalg/simd-kernel.js";

const MR = 2;
const NR = 8;
/** Above this depth gemm splits k into blocks (its KC), so the sums would no longer match it. */
const MAX_DEPTH = 256;

let kernel: SimdKernel | null | undefined;
let forceGeneric = false;
/** The product whose B is in the kernel's memory now. */
let packedOwner: PackedProduct | null = null;

/** Makes every product use `gemm` (tests compare the two paths). */
export function setPackedProductGeneric(generic: boolean): void {
  forceGeneric = generic;
  packedOwner = null;
}

function simd(): SimdKernel | null {
  if (kernel === undefined) kernel = createSimdKernel() ?? null;
  return forceGeneric ? null : kernel;
}

export class PackedProduct {
  private trans = false;
  private k = 0;
  private n = 0;
  private B: Float64Array = new Float64Array(0);
  private bOff = 0;
  private ldb = 0;

  /**
   * Sets op(B) (k × n; op(B)[p, j] = B[bOff + p·ldb + j], or B[bOff + j·ldb + p] when `trans`) and packs it. B
   * must not change until the products that use it are done.
   */
  pack(trans: boolean, k: number, n: number, B: Float64Array, bOff: number, ldb: number): void {
    this.trans = trans;
    this.k = k;
    this.n = n;
    this.B = B;
    this.bOff = bOff;
    this.ldb = ldb;
    packedOwner = null;
    const kern = simd();
    if (kern === null || k > MAX_DEPTH || this.heapNeed() * 8 > kern.heap.byteLength) return;
    const P = kern.heap;
    const panels = Math.ceil(n / NR);
    for (let q = 0; q < panels; q++) {
      const base = q * NR * k;
      for (let c = 0; c < NR; c++) {
        const j = q * NR + c;
        let dst = base + c;
        if (j >= n) {
          for (let p = 0; p < k; p++, dst += NR) P[dst] = 0;
        } else if (trans) {
          let src = bOff + j * ldb;
          for (let p = 0; p < k; p++, dst += NR) P[dst] = B[src++];
        } else {
          let src = bOff + j;
          for (let p = 0; p < k; p++, dst += NR, src += ldb) P[dst] = B[src];
        }
      }
    }
    packedOwner = this;
  }

  /** Doubles of kernel memory: the B panels, one A micro-panel (reused per row pair), one tile per B panel. */
  private heapNeed(): number {
    const panels = Math.ceil(this.n / NR);
    return panels * NR * this.k + MR * this.k + panels * MR * NR;
  }

  /** C[cOff + i·ldc + j] += Σ_p A[aOff + i·lda + p] · op(B)[p, j] for i < m, j < n. */
  multiplyAdd(m: number, A: Float64Array, aOff: number, lda: number, C: Float64Array, cOff: number, ldc: number): void {
    const { k, n } = this;
    const kern = simd();
    if (kern === null || k > MAX_DEPTH || this.heapNeed() * 8 > kern.heap.byteLength) {
      gemm(false, this.trans, m, n, k, 1, A, aOff, lda, this.B, this.bOff, this.ldb, C, cOff, ldc);
      return;
    }
    if (packedOwner !== this) this.pack(this.trans, k, n, this.B, this.bOff, this.ldb);
    const P = kern.heap;
    const panels = Math.ceil(n / NR);
    const aBase = panels * NR * k;
    const out = aBase + MR * k;
    for (let i0 = 0; i0 < m; i0 += MR) {
      // Pack rows i0, i0 + 1 of A, k-major (a zero row past the end).
      const two = i0 + 1 < m;
      let src0 = aOff + i0 * lda;
      let src1 = src0 + lda;
      let dst = aBase;
      for (let p = 0; p < k; p++, dst += MR) {
        P[dst] = A[src0++];
        P[dst + 1] = two ? A[src1++] : 0;
      }
      kern.panel(k, aBase * 8, 0, out * 8, panels);
      const r0 = cOff + i0 * ldc;
      const r1 = r0 + ldc;
      for (let q = 0; q < panels; q++) {
        const t = out + q * MR * NR;
        const j0 = q * NR;
        const width = Math.min(NR, n - j0);
        for (let c = 0; c < width; c++) C[r0 + j0 + c] += P[t + c];
        if (two) for (let c = 0; c < width; c++) C[r1 + j0 + c] += P[t + NR + c];
      }
    }
  }
}
