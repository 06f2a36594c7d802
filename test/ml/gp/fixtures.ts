import { expect } from "vitest";
import { columnMatrix, createMatrix, type Matrix } from "../../../src/ml/linalg/matrix.js";

/** numpy.linspace: i·step + start, with the last point pinned to `stop`. */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const step = (stop - start) / (num - 1);
  const out = new Float64Array(num);
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  out[num - 1] = stop;
  return out;
}

/** The scikit-learn reference data: X = linspace(0, 10, 30), y = sin(x) + 0.1·cos(3x) + 0.05·x. */
export const referenceX: Matrix = columnMatrix(linspace(0, 10, 30));
export const referenceY: Float64Array = referenceX.data.map((v) => Math.sin(v) + 0.1 * Math.cos(3 * v) + 0.05 * v);

/** The same points with a second column cos(x), for ARD references: X2 = column_stack([x, cos(x)]). */
export const referenceX2: Matrix = (() => {
  const m = createMatrix(30, 2);
  for (let i = 0; i < 30; i++) {
    m.data[2 * i] = referenceX.data[i];
    m.data[2 * i + 1] = Math.cos(referenceX.data[i]);
  }
  return m;
})();

export function expectRelClose(actual: number, expected: number, rel: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected));
}
