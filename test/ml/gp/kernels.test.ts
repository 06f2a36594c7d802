import { describe, expect, it } from "vitest";
import {
  ConstantKernel,
  DotProductKernel,
  ExponentiationKernel,
  ExpSineSquaredKernel,
  type Kernel,
  kernelFromJSON,
  MaternKernel,
  ProductKernel,
  RationalQuadraticKernel,
  RBFKernel,
  SumKernel,
  sumOf,
  WhiteKernel,
} from "../../../src/ml/gp/kernels/index.js";
import { createMatrix, type Matrix } from "../../../src/ml/linalg/matrix.js";
import { Rng } from "../../../src/ml/random.js";

function randomMatrix(rows: number, cols: number, rng: Rng): Matrix {
  const m = createMatrix(rows, cols);
  for (let i = 0; i < m.data.length; i++) m.data[i] = rng.normal();
  return m;
}

const rng = new Rng(42);
const X = randomMatrix(7, 2, rng);
const Y = randomMatrix(4, 2, rng);

const white = new WhiteKernel({ noiseLevel: 0.3 });
// Every kernel, as scikit-learn's test_kernels.py does: leaves, fixed bounds, sums, products and nesting.
const kernels: { name: string; kernel: Kernel; hasWhite?: boolean }[] = [
  { name: "Constant", kernel: new ConstantKernel({ constantValue: 2.5 }) },
  { name: "White", kernel: white, hasWhite: true },
  { name: "RBF", kernel: new RBFKernel({ lengthScale: 0.8 }) },
  { name: "ExpSineSquared", kernel: new ExpSineSquaredKernel({ lengthScale: 1.3, periodicity: 2.1 }) },
  { name: "DotProduct", kernel: new DotProductKernel({ sigma0: 0.7 }) },
  { name: "Matern 0.5", kernel: new MaternKernel({ lengthScale: 1.2, nu: 0.5 }) },
  { name: "Matern 1.5", kernel: new MaternKernel({ lengthScale: 0.9, nu: 1.5 }) },
  { name: "Matern 2.5", kernel: new MaternKernel({ lengthScale: 1.7, nu: 2.5 }) },
  { name: "RationalQuadratic", kernel: new RationalQuadraticKernel({ lengthScale: 0.6, alpha: 1.9 }) },
  {
    name: "Constant·RBF + White",
    kernel: new SumKernel(new ProductKernel(new ConstantKernel({ constantValue: 3 }), new RBFKernel()), white),
    hasWhite: true,
  },
  {
    name: "RBF · ExpSineSquared (fixed periodicity) + DotProduct",
    kernel: sumOf(
      new ProductKernel(
        new RBFKernel({ lengthScale: 2 }),
        new ExpSineSquaredKernel({ lengthScale: 0.9, periodicity: 1.5, periodicityBounds: "fixed" }),
      ),
      new DotProductKernel({ sigma0: 0.2 }),
    ),
  },
  { name: "ARD RBF", kernel: new RBFKernel({ lengthScale: [0.8, 1.6] }) },
  {
    name: "ARD RBF, one dimension fixed",
    kernel: new RBFKernel({ lengthScale: [1.3, 0.7], lengthScaleBounds: [[1e-2, 1e2], "fixed"] }),
  },
  { name: "Exponentiation RBF^2.5", kernel: new ExponentiationKernel(new RBFKernel({ lengthScale: 1.1 }), 2.5) },
  {
    name: "Exponentiation (C·Matern 2.5)^0.5 + White",
    kernel: sumOf(
      new ExponentiationKernel(
        new ProductKernel(new ConstantKernel({ constantValue: 2 }), new MaternKernel({ nu: 2.5 })),
        0.5,
      ),
      white,
    ),
    hasWhite: true,
  },
  {
    name: "RationalQuadratic (fixed alpha) · Matern 2.5",
    kernel: new ProductKernel(
      new RationalQuadraticKernel({ lengthScale: 1.1, alpha: 0.5, alphaBounds: "fixed" }),
      new MaternKernel({ lengthScale: 0.7, nu: 2.5 }),
    ),
  },
];

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

describe("kernels", () => {
  for (const { name, kernel, hasWhite } of kernels) {
    describe(name, () => {
      it("has an analytic gradient matching central finite differences of K in log space", () => {
        const theta = kernel.theta;
        const { K, gradient } = kernel.kWithGradient(X);
        expect(gradient).toHaveLength(theta.length);
        expect(Array.from(K.data)).toEqual(Array.from(kernel.k(X).data));
        const h = 1e-6;
        for (let i = 0; i < theta.length; i++) {
          const plus = theta.slice();
          const minus = theta.slice();
          plus[i] += h;
          minus[i] -= h;
          const kp = kernel.withTheta(plus).k(X).data;
          const km = kernel.withTheta(minus).k(X).data;
          const fd = kp.map((v, j) => (v - km[j]) / (2 * h));
          const diff = gradient[i].data.map((v, j) => v - fd[j]);
          // Central differences: truncation O(h²) ≈ 1e-12 and cancellation ~1e-16·|K|/h ≈ 1e-10.
          expect(maxAbs(diff)).toBeLessThan(1e-7 * Math.max(1, maxAbs(fd)));
        }
      });

      it("agrees with the diagonal of the full matrix", () => {
        const K = kernel.k(X);
        const d = kernel.diag(X);
        for (let i = 0; i < X.rows; i++) expect(d[i]).toBeCloseTo(K.data[i * X.rows + i], 12);
      });

      it("gives K(X) = K(X, X), symmetric", () => {
        const K = kernel.k(X);
        const n = X.rows;
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(K.data[i * n + j]).toBe(K.data[j * n + i]);
        // Like scikit-learn's test_auto_vs_cross, White is exempt: K(X, Y) carries no noise even when Y is X.
        if (hasWhite) return;
        const KXX = kernel.k(X, X);
        for (let i = 0; i < K.data.length; i++) expect(KXX.data[i]).toBeCloseTo(K.data[i], 12);
      });

      it("computes cross-covariances of shape n × m", () => {
        const KXY = kernel.k(X, Y);
        expect([KXY.rows, KXY.cols]).toEqual([X.rows, Y.rows]);
        const KYX = kernel.k(Y, X);
        for (let i = 0; i < X.rows; i++) {
          for (let j = 0; j < Y.rows; j++) expect(KYX.data[j * X.rows + i]).toBeCloseTo(KXY.data[i * Y.rows + j], 12);
        }
      });

      it("round-trips θ and JSON", () => {
        const again = kernel.withTheta(kernel.theta);
        const viaJSON = kernelFromJSON(JSON.parse(JSON.stringify(kernel.toJSON())));
        expect(viaJSON.toJSON()).toEqual(kernel.toJSON());
        expect(viaJSON.hyperparameters).toEqual(kernel.hyperparameters);
        const K = kernel.k(X, Y).data;
        expect(Array.from(viaJSON.k(X, Y).data)).toEqual(Array.from(K));
        for (let i = 0; i < K.length; i++) expect(again.k(X, Y).data[i]).toBeCloseTo(K[i], 12);
      });

      it("writes exactly `count` values of a row (and of each gradient row) at the given offsets", () => {
        const p = kernel.theta.length;
        const n = X.rows;
        const { K, gradient } = kernel.kWithGradient(X);
        const i = 4;
        const out = new Float64Array(n + 6).fill(Number.NaN);
        const grad = new Float64Array(3 + p * (n + 2)).fill(Number.NaN);
        kernel.kRow(X, i, undefined, 3, out, 2, grad, 3, n + 2);
        expect(Array.from(out.subarray(2, 5))).toEqual(Array.from(K.data.subarray(i * n, i * n + 3)));
        expect(out.filter((v) => !Number.isNaN(v))).toHaveLength(3);
        for (let t = 0; t < p; t++) {
          const row = grad.subarray(3 + t * (n + 2), 3 + t * (n + 2) + 3);
          expect(Array.from(row)).toEqual(Array.from(gradient[t].data.subarray(i * n, i * n + 3)));
        }
        expect(grad.filter((v) => !Number.isNaN(v))).toHaveLength(3 * p);
      });

      it("lists only free hyperparameters in θ and its bounds", () => {
        const free = kernel.hyperparameters.filter((h) => h.bounds !== "fixed");
        expect(kernel.theta).toHaveLength(free.length);
        expect(kernel.bounds.lower).toHaveLength(free.length);
        free.forEach((h, i) => {
          expect(kernel.theta[i]).toBeCloseTo(Math.log(h.value), 14);
          if (h.bounds !== "fixed") expect(kernel.bounds.upper[i]).toBeCloseTo(Math.log(h.bounds[1]), 14);
        });
      });
    });
  }

  it("drops fixed hyperparameters from θ and the gradient, and keeps their values under withTheta", () => {
    const k = new RationalQuadraticKernel({ lengthScale: 2, alpha: 0.5, alphaBounds: "fixed" });
    expect(k.hyperparameters.map((h) => h.name)).toEqual(["alpha", "length_scale"]);
    expect(Array.from(k.theta)).toEqual([Math.log(2)]);
    expect(k.gradient(X)).toHaveLength(1);
    const moved = k.withTheta(new Float64Array([Math.log(3)]));
    expect(moved.alpha).toBe(0.5);
    expect(moved.lengthScale).toBeCloseTo(3, 14);
    const fixedConstant = new ConstantKernel({ constantValue: 2, constantValueBounds: "fixed" });
    const product = new ProductKernel(fixedConstant, new RBFKernel({ lengthScale: 1.5 }));
    expect(product.theta).toHaveLength(1);
    expect(product.gradient(X)).toHaveLength(1);
    expect(() => product.withTheta(new Float64Array(2))).toThrow(
      expect.objectContaining({ code: "SLP_INPUT_INVALID" }),
    );
  });

  it("names composite hyperparameters like scikit-learn", () => {
    const k = new SumKernel(new ProductKernel(new ConstantKernel(), new RBFKernel()), new WhiteKernel());
    expect(k.hyperparameters.map((h) => h.name)).toEqual([
      "k1__k1__constant_value",
      "k1__k2__length_scale",
      "k2__noise_level",
    ]);
  });

  it("matches closed forms", () => {
    const a = createMatrix(1, 2);
    const b = createMatrix(1, 2);
    a.data.set([0.3, -1.2]);
    b.data.set([1.1, 0.4]);
    const d2 = 0.8 ** 2 + 1.6 ** 2;
    const d = Math.sqrt(d2);
    const val = (k: Kernel) => k.k(a, b).data[0];
    expect(val(new RBFKernel({ lengthScale: 2 }))).toBeCloseTo(Math.exp(-d2 / 8), 15);
    expect(val(new MaternKernel({ lengthScale: 2, nu: 0.5 }))).toBeCloseTo(Math.exp(-d / 2), 15);
    const r = d / 2;
    expect(val(new MaternKernel({ lengthScale: 2, nu: 1.5 }))).toBeCloseTo(
      (1 + Math.sqrt(3) * r) * Math.exp(-Math.sqrt(3) * r),
      15,
    );
    expect(val(new RationalQuadraticKernel({ lengthScale: 2, alpha: 3 }))).toBeCloseTo((1 + d2 / 24) ** -3, 15);
    expect(val(new ExpSineSquaredKernel({ lengthScale: 2, periodicity: 3 }))).toBeCloseTo(
      Math.exp((-2 * Math.sin((Math.PI * d) / 3) ** 2) / 4),
      15,
    );
    expect(val(new DotProductKernel({ sigma0: 2 }))).toBeCloseTo(4 + 0.33 - 0.48, 15);
    expect(val(white)).toBe(0);
  });

  it("rejects invalid hyperparameters and JSON with the offending path", () => {
    expect(() => new RBFKernel({ lengthScale: -1 })).toThrow(expect.objectContaining({ code: "SLP_INPUT_INVALID" }));
    expect(() => new RBFKernel({ lengthScaleBounds: [2, 1] })).toThrow(
      expect.objectContaining({ code: "SLP_INPUT_INVALID" }),
    );
    const bad = {
      type: "sum",
      k1: { type: "rbf", lengthScale: 1, lengthScaleBounds: "fixed" },
      k2: { type: "matern", lengthScale: 0, lengthScaleBounds: "fixed", nu: 1.5 },
    };
    expect(() => kernelFromJSON(bad)).toThrow(
      expect.objectContaining({ details: [expect.objectContaining({ field: "/k2/lengthScale" })] }),
    );
    expect(() => kernelFromJSON({ type: "matern", lengthScale: 1, lengthScaleBounds: "fixed", nu: 3 })).toThrow(
      expect.objectContaining({ details: [expect.objectContaining({ field: "/nu" })] }),
    );
    expect(() => kernelFromJSON({ type: "spline" })).toThrow(
      expect.objectContaining({ details: [expect.objectContaining({ field: "/type" })] }),
    );
    expect(() => kernelFromJSON({ type: "product", k1: null, k2: {} })).toThrow(
      expect.objectContaining({ details: [expect.objectContaining({ field: "/k1" })] }),
    );
    expect(() => new RBFKernel().k(X, createMatrix(2, 3))).toThrow(
      expect.objectContaining({ code: "SLP_INPUT_INVALID" }),
    );
  });
});

describe("ARD and exponentiation", () => {
  it("reduces ARD with equal length scales to the isotropic kernel, and a one-element list to isotropic", () => {
    const iso = new RBFKernel({ lengthScale: 1.7 });
    const ard = new RBFKernel({ lengthScale: [1.7, 1.7] });
    expect(ard.isAnisotropic).toBe(true);
    expect(new RBFKernel({ lengthScale: [1.7] }).isAnisotropic).toBe(false);
    const a = ard.k(X, Y).data;
    const b = iso.k(X, Y).data;
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 14);
    // dK/d log ℓ (isotropic) is the sum of the per-dimension gradients.
    const gi = iso.gradient(X)[0].data;
    const [g0, g1] = ard.gradient(X);
    for (let i = 0; i < gi.length; i++) expect(g0.data[i] + g1.data[i]).toBeCloseTo(gi[i], 14);
  });

  it("keeps per-dimension bounds and fixed dimensions through withTheta and JSON", () => {
    const k = new RBFKernel({ lengthScale: [2, 3], lengthScaleBounds: [[0.1, 10], "fixed"] });
    expect(k.theta).toHaveLength(1);
    expect(k.toJSON()).toEqual({ type: "rbf", lengthScale: [2, 3], lengthScaleBounds: [[0.1, 10], "fixed"] });
    const moved = k.withTheta(new Float64Array([Math.log(4)]));
    expect(Array.from(moved.lengthScale as Float64Array)).toEqual([4, 3]);
    const shared = new RBFKernel({ lengthScale: [2, 3], lengthScaleBounds: [0.5, 5] });
    expect(shared.toJSON().lengthScaleBounds).toEqual([0.5, 5]);
    expect(kernelFromJSON(JSON.parse(JSON.stringify(shared.toJSON()))).toJSON()).toEqual(shared.toJSON());
    expect(() => new RBFKernel({ lengthScale: [1, 2], lengthScaleBounds: [[1, 2]] })).toThrow(
      expect.objectContaining({ code: "SLP_INPUT_INVALID" }),
    );
    expect(() => kernelFromJSON({ type: "rbf", lengthScale: [1, "x"], lengthScaleBounds: "fixed" })).toThrow(
      expect.objectContaining({ details: [expect.objectContaining({ field: "/lengthScale/1" })] }),
    );
    expect(() => kernelFromJSON({ type: "rbf", lengthScale: [1, 2], lengthScaleBounds: [[1, 2], "loose"] })).toThrow(
      expect.objectContaining({ details: [expect.objectContaining({ field: "/lengthScaleBounds/1" })] }),
    );
  });

  it("names exponentiated hyperparameters kernel__… and raises values and the diagonal to the power", () => {
    const inner = new ProductKernel(new ConstantKernel({ constantValue: 2 }), new RBFKernel({ lengthScale: 1.5 }));
    const k = new ExponentiationKernel(inner, 3);
    expect(k.hyperparameters.map((h) => h.name)).toEqual(["kernel__k1__constant_value", "kernel__k2__length_scale"]);
    const a = k.k(X, Y).data;
    const b = inner.k(X, Y).data;
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i] ** 3, 13);
    expect(Array.from(k.diag(X))).toEqual(Array.from(inner.diag(X), (v) => v ** 3));
    expect(() => new ExponentiationKernel(inner, Number.NaN)).toThrow(
      expect.objectContaining({ code: "SLP_INPUT_INVALID" }),
    );
    expect(() => kernelFromJSON({ type: "exponentiation", kernel: { type: "white" }, exponent: 2 })).toThrow(
      expect.objectContaining({ details: [expect.objectContaining({ field: "/kernel/noiseLevel" })] }),
    );
  });
});

describe("prepare", () => {
  it("specialises the periodic kernel to 1-D inputs without changing K(X) or its gradient beyond round-off", () => {
    const X1 = createMatrix(40, 1);
    for (let i = 0; i < 40; i++) X1.data[i] = 0.37 * i - 3;
    const kernel = sumOf(
      new ProductKernel(
        new ExpSineSquaredKernel({ lengthScale: 0.8, periodicity: 2.7 }),
        new ExponentiationKernel(new ExpSineSquaredKernel({ lengthScale: 1.4, periodicity: 5 }), 2),
      ),
      white,
    );
    const prepared = kernel.prepare(X1);
    expect(prepared).not.toBe(kernel);
    expect(prepared.toJSON()).toEqual(kernel.toJSON());
    const a = kernel.kWithGradient(X1);
    const b = prepared.kWithGradient(X1);
    for (let i = 0; i < a.K.data.length; i++) expect(Math.abs(b.K.data[i] - a.K.data[i])).toBeLessThan(1e-14);
    a.gradient.forEach((g, t) => {
      for (let i = 0; i < g.data.length; i++) expect(Math.abs(b.gradient[t].data[i] - g.data[i])).toBeLessThan(1e-13);
    });
    // Other inputs (or cross-covariances) take the general path.
    const other = createMatrix(3, 1);
    other.data.set([0.5, 1, 8]);
    expect(Array.from(prepared.k(other).data)).toEqual(Array.from(kernel.k(other).data));
    expect(Array.from(prepared.k(X1, other).data)).toEqual(Array.from(kernel.k(X1, other).data));
    // Nothing to precompute for several input columns or for kernels without per-point features.
    expect(kernel.prepare(X)).toBe(kernel);
    const rbf = new RBFKernel();
    expect(rbf.prepare(X1)).toBe(rbf);
  });
});
