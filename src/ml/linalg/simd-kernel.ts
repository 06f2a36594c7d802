/**
 * The GEMM micro-kernel in WebAssembly SIMD (128-bit, two float64 lanes), assembled here from a few dozen
 * instructions so the package ships no binary. JavaScript arithmetic on Float64Array is scalar; a 2 × 8 tile in
 * eight f64x2 accumulators does the same work in half the instructions and keeps every accumulator in a register.
 * Measured under Node 20 on x86-64 (V8 allocates xmm0–15 only): 2 × 8 and 5 × 4 tiles ran at ~26 GFlop/s in L1,
 * 4 × 4 at ~22, 6 × 4 and 4 × 6 (which spill) at ~14, the scalar JavaScript kernel at ~5. {@link createSimdKernel}
 * returns undefined where WebAssembly SIMD is unavailable, and `gemm.ts` then uses its scalar twin.
 *
 * The function computed, `panel(kc, a, b, out, tiles)` (byte addresses into the module's own memory):
 *   for t < tiles:  out_t[r][c] = Σ_{k<kc} a[k][r] · b_t[k][c]   (r < 2, c < 8)
 * where `a` is one packed 2 × kc micro-panel of A (2 values per k) and b_t = b + t · kc · 64 bytes the t-th packed
 * kc × 8 micro-panel of B; out_t is 16 row-major doubles at out + 128 t. Each lane multiplies then adds (no fused
 * multiply-add), in k order, so the sums are bit-identical to the scalar kernel's. The caller adds out_t into C.
 */
import {
  BLOCK,
  br,
  brIf,
  codeWriter,
  END,
  I32,
  I32_ADD,
  I32_EQZ,
  I32_SUB,
  i32Const,
  LOOP,
  localGet,
  localSet,
  MAGIC_AND_VERSION,
  name,
  section,
  uleb,
  V128,
  vec,
  webAssembly,
} from "../wasm/binary-writer.js";

/** 64 KiB WebAssembly pages: room for the packed A (MC × KC) and B (KC × NC) blocks and the output tiles. */
const PAGES = 48;

/** The compiled kernel and a Float64Array view of its memory (fixed size, so the view never detaches). */
export interface SimdKernel {
  panel(kc: number, a: number, b: number, out: number, tiles: number): void;
  heap: Float64Array;
}

/** Instantiates the kernel synchronously (the module is under 1 KiB), or undefined without WebAssembly SIMD. */
export function createSimdKernel(): SimdKernel | undefined {
  const wasm = webAssembly();
  if (wasm === undefined) return undefined;
  const bytes = assemble();
  if (!wasm.validate(bytes)) return undefined;
  const { panel, memory } = new wasm.Instance(new wasm.Module(bytes)).exports;
  const buffer = (memory as { buffer?: unknown } | undefined)?.buffer;
  if (typeof panel !== "function" || !(buffer instanceof ArrayBuffer)) return undefined;
  return {
    // The export's signature is the one assembled below: five i32 parameters, no result.
    panel: panel as SimdKernel["panel"],
    heap: new Float64Array(buffer),
  };
}

/** Byte capacity of the kernel's memory. */
export const SIMD_HEAP_BYTES = PAGES * 65536;

const simd = (op: number): number[] => [0xfd, ...uleb(op)];
/** memarg: alignment exponent, then offset. */
const v128Load = (offset: number): number[] => [...simd(0x00), 4, ...uleb(offset)];
const v128Store = (offset: number): number[] => [...simd(0x0b), 4, ...uleb(offset)];
const load64Splat = (offset: number): number[] => [...simd(0x0a), 3, ...uleb(offset)];
const V128_ZERO = [...simd(0x0c), ...new Array<number>(16).fill(0)];
const F64X2_ADD = simd(0xf0);
const F64X2_MUL = simd(0xf2);

/** Rows of the register tile, and its columns in f64x2 pairs: a 2 × 8 tile in eight accumulators. */
const TILE_ROWS = 2;
const TILE_PAIRS = 4;

/** The module: one memory, one function `panel(kc, a, b, out, tiles)`. */
function assemble(): Uint8Array<ArrayBuffer> {
  const accumulators = TILE_ROWS * TILE_PAIRS;
  const aStride = 8 * TILE_ROWS;
  const bStride = 16 * TILE_PAIRS;
  // Parameters 0–4, then locals: pa, k (i32); the accumulators, one B row in pairs and a splatted A value (v128).
  const [KC, A, B, OUT, TILES, PA, K] = [0, 1, 2, 3, 4, 5, 6];
  const ACC = 7;
  const BROW = ACC + accumulators;
  const S = BROW + TILE_PAIRS;
  const { code, emit } = codeWriter();
  emit(BLOCK, LOOP, localGet(TILES), I32_EQZ, brIf(1)); // while (tiles > 0)
  for (let r = 0; r < accumulators; r++) emit(V128_ZERO, localSet(ACC + r));
  emit(localGet(A), localSet(PA), localGet(KC), localSet(K));
  emit(BLOCK, LOOP, localGet(K), I32_EQZ, brIf(1)); // while (k > 0)
  for (let c = 0; c < TILE_PAIRS; c++) emit(localGet(B), v128Load(16 * c), localSet(BROW + c));
  for (let r = 0; r < TILE_ROWS; r++) {
    // acc[r][pair c] += splat(a_r) · b[2c .. 2c+1]
    emit(localGet(PA), load64Splat(8 * r), localSet(S));
    for (let c = 0; c < TILE_PAIRS; c++) {
      const acc = ACC + r * TILE_PAIRS + c;
      emit(localGet(acc), localGet(S), localGet(BROW + c), F64X2_MUL, F64X2_ADD, localSet(acc));
    }
  }
  emit(localGet(PA), i32Const(aStride), I32_ADD, localSet(PA));
  emit(localGet(B), i32Const(bStride), I32_ADD, localSet(B));
  emit(localGet(K), i32Const(1), I32_SUB, localSet(K), br(0), END, END);
  // b now points at the next micro-panel of B, as packed.
  for (let r = 0; r < accumulators; r++) emit(localGet(OUT), localGet(ACC + r), v128Store(16 * r));
  emit(localGet(OUT), i32Const(16 * accumulators), I32_ADD, localSet(OUT));
  emit(localGet(TILES), i32Const(1), I32_SUB, localSet(TILES), br(0), END, END, END);
  const body = [
    ...vec([
      [...uleb(2), I32],
      [...uleb(accumulators + TILE_PAIRS + 1), V128],
    ]),
    ...code,
  ];
  return new Uint8Array([
    ...MAGIC_AND_VERSION,
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [I32]]), 0]])),
    ...section(3, vec([[0]])),
    ...section(5, vec([[0x00, ...uleb(PAGES)]])),
    ...section(
      7,
      vec([
        [...name("panel"), 0x00, 0],
        [...name("memory"), 0x02, 0],
      ]),
    ),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ]);
}
