import { describe, expect, it } from "vitest";
import {
  ConstantKernel,
  DotProductKernel,
  ExpSineSquaredKernel,
  GaussianProcessRegressor,
  hasStateSpaceForm,
  type Kernel,
  kalmanFilter,
  MaternKernel,
  productOf,
  RBFKernel,
  StateSpaceGaussianProcess,
  type StateSpaceModel,
  stateSpaceLogLikelihood,
  stateSpaceModel,
  sumOf,
  WhiteKernel,
} from "../../../../src/ml/gp/index.js";
import { columnMatrix } from "../../../../src/ml/linalg/matrix.js";
import { Rng } from "../../../../src/ml/random.js";

const C = (v: number) => new ConstantKernel({ constantValue: v, constantValueBounds: [1e-3, 1e3] });
const noise = () => new WhiteKernel({ noiseLevel: 0.05, noiseLevelBounds: [1e-5, 10] });
const periodic = (lengthScale: number) =>
  new ExpSineSquaredKernel({ lengthScale, lengthScaleBounds: [0.5, 10], periodicity: 1, periodicityBounds: "fixed" });

/** Kernels with an exact state-space form, and the periodic ones, whose 1e-9 series cut is the only difference. */
const KERNELS: [string, () => Kernel, number][] = [
  ["Matérn ½ + White", () => sumOf(new MaternKernel({ nu: 0.5, lengthScale: 2 }), noise()), 1e-12],
  ["C·Matérn 3⁄2 + White", () => sumOf(productOf(C(2), new MaternKernel({ nu: 1.5, lengthScale: 2 })), noise()), 1e-12],
  ["C·Matérn 5⁄2 + White", () => sumOf(productOf(C(2), new MaternKernel({ nu: 2.5, lengthScale: 2 })), noise()), 1e-12],
  [
    "DotProduct + Matérn 5⁄2 + White",
    () => sumOf(new DotProductKernel({ sigma0: 1.5 }), new MaternKernel({ nu: 2.5, lengthScale: 2 }), noise()),
    1e-11,
  ],
  ["Constant + Matérn ½ + White", () => sumOf(C(0.7), new MaternKernel({ nu: 0.5, lengthScale: 1 }), noise()), 1e-12],
  ["C·ExpSineSquared + White", () => sumOf(productOf(C(1.5), periodic(1)), noise()), 1e-9],
  [
    "C·ExpSineSquared·Matérn 3⁄2 + C·Matérn 5⁄2 + White",
    () =>
      sumOf(
        productOf(C(1.5), periodic(0.8), new MaternKernel({ nu: 1.5, lengthScale: 10 })),
        productOf(C(0.5), new MaternKernel({ nu: 2.5, lengthScale: 3 })),
        noise(),
      ),
    1e-8,
  ],
];

/** A trend + seasonal series on x = step / 12 (monthly, one season per unit), centred like the GP family does. */
function data(n: number, seed: number, gaps = false): { x: Float64Array; y: Float64Array } {
  const rng = new Rng(seed);
  const x = new Float64Array(n);
  let step = 0;
  for (let i = 0; i < n; i++) {
    x[i] = step / 12 - n / 24;
    step += gaps && rng.uniform(0, 1) < 0.2 ? 3 : 1;
  }
  const y = x.map((v) => 0.3 * v + Math.sin(2 * Math.PI * v) + 0.2 * rng.normal());
  return { x, y };
}

describe("state-space GP against the dense GP", () => {
  it.each(KERNELS)("%s: same log marginal likelihood and forecasts", (_, make, tolerance) => {
    for (const gaps of [false, true]) {
      const { x, y } = data(240, 3, gaps);
      const kernel = make();
      const dense = new GaussianProcessRegressor({ kernel, optimize: false }).fit(columnMatrix(x), y);
      const lml = dense.logMarginalLikelihood();
      expect(Math.abs(stateSpaceLogLikelihood(kernel, x, y, 1e-10) - lml)).toBeLessThanOrEqual(
        tolerance * Math.abs(lml),
      );
      const ss = new StateSpaceGaussianProcess({ kernel, optimize: false }).fit(columnMatrix(x), y);
      const last = x[x.length - 1];
      const xs = columnMatrix([last + 2, last, last + 0.25, last + 1 / 12]);
      const want = dense.predict(xs, { returnStd: true });
      const got = ss.predict(xs);
      for (let i = 0; i < 4; i++) {
        expect(got.mean[i]).toBeCloseTo(want.mean[i], 7);
        expect(got.std[i]).toBeCloseTo(want.std?.[i] as number, 7);
      }
    }
  });

  it("reaches the filter's steady state on a long regular grid and still matches the dense likelihood", () => {
    // 1,500 monthly points with x = i / 12: spacings differ in the last bits, and must count as one spacing.
    const { x, y } = data(1500, 5);
    const kernel = sumOf(productOf(C(1), new MaternKernel({ nu: 1.5, lengthScale: 0.5 })), noise());
    const dense = new GaussianProcessRegressor({ kernel, optimize: false }).fit(columnMatrix(x), y);
    const lml = dense.logMarginalLikelihood();
    expect(Math.abs(stateSpaceLogLikelihood(kernel, x, y, 1e-10) - lml)).toBeLessThanOrEqual(1e-11 * Math.abs(lml));
    const model = stateSpaceModel(kernel.toJSON());
    const run = kalmanFilter(model as StateSpaceModel, x, y, 0.05 + 1e-10);
    expect(run.steadyFrom).toBeGreaterThan(0);
    expect(run.steadyFrom).toBeLessThan(500);
  });

  it("takes inputs in any order, like the dense path", () => {
    const { x, y } = data(100, 8);
    const order = Array.from({ length: 100 }, (_, i) => (i * 37) % 100);
    const kernel = sumOf(productOf(C(2), new MaternKernel({ nu: 2.5, lengthScale: 2 })), noise());
    const sorted = new StateSpaceGaussianProcess({ kernel, optimize: false }).fit(columnMatrix(x), y);
    const shuffled = new StateSpaceGaussianProcess({ kernel, optimize: false }).fit(
      columnMatrix(order.map((i) => x[i])),
      Float64Array.from(order, (i) => y[i]),
    );
    expect(shuffled.logMarginalLikelihood()).toBeCloseTo(sorted.logMarginalLikelihood(), 9);
  });

  it("finds the dense optimum of the same kernel from the same starts", () => {
    const { x, y } = data(200, 11);
    const kernel = sumOf(
      productOf(C(1), new MaternKernel({ nu: 2.5, lengthScale: 3, lengthScaleBounds: [1e-2, 1e3] })),
      productOf(C(1), periodic(1)),
      noise(),
    );
    const options = { kernel, normalizeY: true, restarts: 2, rng: new Rng(4) };
    const dense = new GaussianProcessRegressor(options).fit(columnMatrix(x), y);
    const ss = new StateSpaceGaussianProcess({ ...options, rng: new Rng(4) }).fit(columnMatrix(x), y);
    expect(ss.logMarginalLikelihood()).toBeGreaterThanOrEqual(dense.logMarginalLikelihood() - 1e-3);
    expect(ss.optimizerRuns.map((r) => Array.from(r.start))).toEqual(
      dense.optimizerRuns.map((r) => Array.from(r.start)),
    );
  });

  it("conditions on later observations exactly as a fit on all of them, without refitting", () => {
    const { x, y } = data(150, 13);
    const kernel = sumOf(productOf(C(1.5), periodic(1)), productOf(C(0.5), new MaternKernel({ nu: 1.5 })), noise());
    const head = 120;
    const all = new StateSpaceGaussianProcess({ kernel, optimize: false, normalizeY: false }).fit(columnMatrix(x), y);
    const part = new StateSpaceGaussianProcess({ kernel, optimize: false, normalizeY: false })
      .fit(columnMatrix(x.subarray(0, head)), y.subarray(0, head))
      .condition(columnMatrix(x.subarray(head)), y.subarray(head));
    expect(part.logMarginalLikelihood()).toBeCloseTo(all.logMarginalLikelihood(), 9);
    const xs = columnMatrix([x[149] + 0.5, x[149] + 3]);
    const a = all.predict(xs);
    const b = part.predict(xs);
    for (let i = 0; i < 2; i++) {
      expect(b.mean[i]).toBeCloseTo(a.mean[i], 10);
      expect(b.std[i]).toBeCloseTo(a.std[i], 10);
    }
  });

  it("round-trips through its state with identical forecasts", () => {
    const { x, y } = data(90, 17);
    const kernel = sumOf(productOf(C(1), periodic(1)), noise());
    const gp = new StateSpaceGaussianProcess({ kernel, normalizeY: true, optimize: false }).fit(columnMatrix(x), y);
    const copy = StateSpaceGaussianProcess.fromJSON(gp.toJSON());
    const xs = columnMatrix([x[89] + 1, x[89] + 2]);
    expect(copy.predict(xs)).toEqual(gp.predict(xs));
  });
});

describe("state-space GP input checks", () => {
  const { x, y } = data(40, 1);
  const kernel = () => sumOf(productOf(C(1), new MaternKernel({ nu: 1.5 })), noise());

  it("says which kernels have a state-space form, within their bounds", () => {
    expect(hasStateSpaceForm(kernel())).toBe(true);
    expect(hasStateSpaceForm(sumOf(new RBFKernel(), noise()))).toBe(false);
    expect(hasStateSpaceForm(productOf(new DotProductKernel(), new MaternKernel()))).toBe(false);
    // A periodic length scale allowed down to 1e-5 would need thousands of harmonics.
    expect(hasStateSpaceForm(new ExpSineSquaredKernel())).toBe(false);
    expect(() => new StateSpaceGaussianProcess({ kernel: new RBFKernel() })).toThrowError(/state-space form/);
  });

  it("forecasts only at or after the last training input", () => {
    const gp = new StateSpaceGaussianProcess({ kernel: kernel(), optimize: false }).fit(columnMatrix(x), y);
    expect(() => gp.predict(columnMatrix([x[10]]))).toThrowError(/at or after the last training input/);
    expect(() => gp.condition(columnMatrix([x[10]]), Float64Array.of(1))).toThrowError(/at or after/);
  });

  it("rejects non-finite data, mismatched lengths and several input columns", () => {
    const gp = () => new StateSpaceGaussianProcess({ kernel: kernel(), optimize: false });
    expect(() => gp().fit(columnMatrix(x), y.subarray(1))).toThrowError(/same, non-zero number of rows/);
    const bad = y.slice();
    bad[3] = Number.NaN;
    expect(() => gp().fit(columnMatrix(x), bad)).toThrowError(/finite/);
    expect(() => gp().fit({ rows: 20, cols: 2, data: x }, y.subarray(0, 20))).toThrowError(/one input column/);
  });
});
