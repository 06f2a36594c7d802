import { invalidInput } from "../../core/index.js";

/** A dense row-major matrix: element (i, j) is `data[i * cols + j]`. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

/** A zero-filled rows × cols matrix. */
export function createMatrix(rows: number, cols: number): Matrix {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw invalidInput("matrix dimensions must be non-negative integers", [
      { field: "shape", reason: `got ${rows} × ${cols}` },
    ]);
  }
  return { rows, cols, data: new Float64Array(rows * cols) };
}

/** Wraps `data` (not copied) as a rows × cols matrix, checking its length. */
export function matrixFrom(rows: number, cols: number, data: Float64Array): Matrix {
  if (data.length !== rows * cols) {
    throw invalidInput("matrix data length does not match its shape", [
      { field: "data", reason: `expected ${rows * cols} values for ${rows} × ${cols}, got ${data.length}` },
    ]);
  }
  return { rows, cols, data };
}

/** Copies equal-length rows into a new matrix (a convenience for tests and small literals). */
export function matrixFromRows(rowValues: readonly ArrayLike<number>[]): Matrix {
  const rows = rowValues.length;
  const cols = rows === 0 ? 0 : rowValues[0].length;
  const m = createMatrix(rows, cols);
  for (let i = 0; i < rows; i++) {
    const r = rowValues[i];
    if (r.length !== cols) {
      throw invalidInput("matrix rows differ in length", [
        { field: `/${i}`, reason: `expected ${cols} values, got ${r.length}` },
      ]);
    }
    for (let j = 0; j < cols; j++) m.data[i * cols + j] = r[j];
  }
  return m;
}

/** An n × 1 matrix holding a copy of `values` (one feature per row, e.g. a time axis). */
export function columnMatrix(values: ArrayLike<number>): Matrix {
  const m = createMatrix(values.length, 1);
  for (let i = 0; i < values.length; i++) m.data[i] = values[i];
  return m;
}

export function identityMatrix(n: number): Matrix {
  const m = createMatrix(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}

export function cloneMatrix(m: Matrix): Matrix {
  return { rows: m.rows, cols: m.cols, data: m.data.slice() };
}

/** Row i as a view (no copy) into the matrix's buffer. */
export function matrixRow(m: Matrix, i: number): Float64Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

/** The main diagonal of a square (or rectangular) matrix, copied. */
export function diagonal(m: Matrix): Float64Array {
  const k = Math.min(m.rows, m.cols);
  const out = new Float64Array(k);
  for (let i = 0; i < k; i++) out[i] = m.data[i * m.cols + i];
  return out;
}

/** Adds `value` (a scalar, or one value per row) to the diagonal, in place. */
export function addToDiagonal(m: Matrix, value: number | Float64Array): void {
  assertSquare(m, "matrix");
  const n = m.rows;
  if (typeof value === "number") {
    for (let i = 0; i < n; i++) m.data[i * n + i] += value;
    return;
  }
  if (value.length !== n) {
    throw invalidInput("diagonal length does not match the matrix", [
      { field: "value", reason: `expected ${n} values, got ${value.length}` },
    ]);
  }
  for (let i = 0; i < n; i++) m.data[i * n + i] += value[i];
}

/** Copies the strict lower triangle of a row-major n × n array onto its upper triangle, making it symmetric. */
export function mirrorLower(a: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) a[j * n + i] = a[i * n + j];
  }
}

export function transpose(m: Matrix, out: Matrix = createMatrix(m.cols, m.rows)): Matrix {
  assertShape(out, m.cols, m.rows, "out");
  const { rows, cols, data } = m;
  const o = out.data;
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    for (let j = 0; j < cols; j++) o[j * rows + i] = data[base + j];
  }
  return out;
}

/** C = A B. The i-k-j loop order keeps both inner accesses contiguous in row-major storage. */
export function matMul(a: Matrix, b: Matrix, out: Matrix = createMatrix(a.rows, b.cols)): Matrix {
  if (a.cols !== b.rows) {
    throw invalidInput("matrix product shapes do not agree", [
      { field: "b", reason: `${a.rows} × ${a.cols} times ${b.rows} × ${b.cols}` },
    ]);
  }
  assertShape(out, a.rows, b.cols, "out");
  const n = a.rows;
  const p = a.cols;
  const m = b.cols;
  const A = a.data;
  const B = b.data;
  const C = out.data;
  C.fill(0);
  for (let i = 0; i < n; i++) {
    const ci = i * m;
    for (let k = 0; k < p; k++) {
      const aik = A[i * p + k];
      if (aik === 0) continue;
      const bk = k * m;
      for (let j = 0; j < m; j++) C[ci + j] += aik * B[bk + j];
    }
  }
  return out;
}

/** y = A x. */
export function matVec(a: Matrix, x: Float64Array, out: Float64Array = new Float64Array(a.rows)): Float64Array {
  if (x.length !== a.cols || out.length !== a.rows) {
    throw invalidInput("matrix-vector shapes do not agree", [
      { field: "x", reason: `${a.rows} × ${a.cols} times a vector of ${x.length}` },
    ]);
  }
  const { rows, cols, data } = a;
  for (let i = 0; i < rows; i++) {
    let s = 0;
    const base = i * cols;
    for (let j = 0; j < cols; j++) s += data[base + j] * x[j];
    out[i] = s;
  }
  return out;
}

export function assertSquare(m: Matrix, name: string): void {
  if (m.rows !== m.cols) {
    throw invalidInput(`${name} must be square`, [{ field: name, reason: `got ${m.rows} × ${m.cols}` }]);
  }
}

export function assertShape(m: Matrix, rows: number, cols: number, name: string): void {
  if (m.rows !== rows || m.cols !== cols || m.data.length !== rows * cols) {
    throw invalidInput(`${name} has the wrong shape`, [
      { field: name, reason: `expected ${rows} × ${cols}, got ${m.rows} × ${m.cols}` },
    ]);
  }
}
