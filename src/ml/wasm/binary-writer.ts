/**
 * A minimal WebAssembly binary writer (https://webassembly.github.io/spec/core/binary/): the numeric kernels
 * assemble their few dozen instructions here, so the package ships no binary.
 */

/** The slice of the WebAssembly JS API the kernels use: @types/node 20 and lib ES2023 do not declare it. */
export interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer; grow(pages: number): number };
}

/** The global WebAssembly object, or undefined where there is none. */
export function webAssembly(): WebAssemblyApi | undefined {
  return (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
}

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
export const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
export const MAGIC_AND_VERSION = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;
export const localGet = (i: number): number[] => [0x20, ...uleb(i)];
export const localSet = (i: number): number[] => [0x21, ...uleb(i)];
export const localTee = (i: number): number[] => [0x22, ...uleb(i)];
export const i32Const = (v: number): number[] => [0x41, ...sleb(v)];
export const I32_EQZ = 0x45;
export const I32_GE_S = 0x4e;
export const I32_ADD = 0x6a;
export const I32_SUB = 0x6b;
export const I32_MUL = 0x6c;
export const I32_AND = 0x71;
export const I32_OR = 0x72;
export const I32_SHL = 0x74;
export const I32_SHR_U = 0x76;
export const F64_NE = 0x62;
export const F64_GT = 0x64;
export const F64_ADD = 0xa0;
export const BLOCK = [0x02, 0x40];
export const LOOP = [0x03, 0x40];
export const END = 0x0b;
export const brIf = (depth: number): number[] => [0x0d, ...uleb(depth)];
export const br = (depth: number): number[] => [0x0c, ...uleb(depth)];
/** memarg: alignment exponent, then offset. */
export const i32Load = (offset: number): number[] => [0x28, 2, ...uleb(offset)];
export const i32Load8U = (offset: number): number[] => [0x2d, 0, ...uleb(offset)];
export const f64Load = (offset: number): number[] => [0x2b, 3, ...uleb(offset)];
export const f64Store = (offset: number): number[] => [0x39, 3, ...uleb(offset)];

/** Appends instructions and nested instruction lists to one code array. */
export function codeWriter(): { code: number[]; emit: (...parts: (number | number[])[]) => void } {
  const code: number[] = [];
  return {
    code,
    emit: (...parts) => {
      for (const p of parts) {
        if (typeof p === "number") code.push(p);
        else code.push(...p);
      }
    },
  };
}
