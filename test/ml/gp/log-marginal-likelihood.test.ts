import { describe, expect, it } from "vitest";
import {
  ConstantKernel,
  DotProductKernel,
  ExponentiationKernel,
  ExpSineSquaredKernel,
  GaussianProcessRegressor,
  type Kernel,
  LogMarginalLikelihoodWorkspace,
  logMarginalLikelihoodAt,
  MaternKernel,
  productOf,
  RationalQuadraticKernel,
  RBFKernel,
  sumOf,
  WhiteKernel,
} from "../../../src/ml/gp/index.js";
import { choleskyInverse, choleskySolve, choleskyWithJitter } from "../../../src/ml/linalg/cholesky.js";
import { addToDiagonal, type Matrix } from "../../../src/ml/linalg/matrix.js";
import { Rng } from "../../../src/ml/random.js";
import { expectRelClose, referenceX, referenceX2, referenceY } from "./fixtures.js";

const noise = () => new WhiteKernel({ noiseLevel: 0.05 });
/** Every kernel type, alone (plus noise) and composed: the LML gradient must match finite differences for each. */
const cases: { name: string; kernel: () => Kernel; X: Matrix }[] = [
  { name: "Constant + White", kernel: () => sumOf(new ConstantKernel({ constantValue: 0.7 }), noise()), X: referenceX },
  { name: "RBF + White", kernel: () => sumOf(new RBFKernel({ lengthScale: 1.3 }), noise()), X: referenceX },
  {
    name: "ARD RBF + White (2-D)",
    kernel: () => sumOf(new RBFKernel({ lengthScale: [2, 0.5] }), noise()),
    X: referenceX2,
  },
  {
    name: "ARD RBF, one dimension fixed (2-D)",
    kernel: () => sumOf(new RBFKernel({ lengthScale: [1.5, 0.8], lengthScaleBounds: [[1e-2, 1e2], "fixed"] }), noise()),
    X: referenceX2,
  },
  {
    name: "ExpSineSquared + White",
    kernel: () => sumOf(new ExpSineSquaredKernel({ lengthScale: 1.2, periodicity: 5 }), noise()),
    X: referenceX,
  },
  {
    name: "DotProduct + White (2-D)",
    kernel: () => sumOf(new DotProductKernel({ sigma0: 0.8 }), noise()),
    X: referenceX2,
  },
  {
    name: "Matern 0.5 + White",
    kernel: () => sumOf(new MaternKernel({ nu: 0.5, lengthScale: 2 }), noise()),
    X: referenceX,
  },
  { name: "Matern 1.5 + White", kernel: () => sumOf(new MaternKernel({ nu: 1.5 }), noise()), X: referenceX },
  {
    name: "Matern 2.5 + White",
    kernel: () => sumOf(new MaternKernel({ nu: 2.5, lengthScale: 1.4 }), noise()),
    X: referenceX,
  },
  {
    name: "RationalQuadratic + White",
    kernel: () => sumOf(new RationalQuadraticKernel({ lengthScale: 1.1, alpha: 0.7 }), noise()),
    X: referenceX,
  },
  {
    name: "Exponentiation (RBF³) + White",
    kernel: () => sumOf(new ExponentiationKernel(new RBFKernel({ lengthScale: 2.5 }), 3), noise()),
    X: referenceX,
  },
  {
    name: "Exponentiation of a sum, (C·RBF + C·Matern)^1.5 + White",
    kernel: () =>
      sumOf(
        new ExponentiationKernel(
          sumOf(
            productOf(new ConstantKernel({ constantValue: 0.6 }), new RBFKernel({ lengthScale: 1.7 })),
            productOf(new ConstantKernel({ constantValue: 0.3 }), new MaternKernel({ nu: 2.5 })),
          ),
          1.5,
        ),
        noise(),
      ),
    X: referenceX,
  },
  {
    name: "C·RBF + C·ExpSineSquared(p fixed)·RBF + White (the forecaster's shape)",
    kernel: () =>
      sumOf(
        productOf(new ConstantKernel({ constantValue: 0.5 }), new RBFKernel({ lengthScale: 3 })),
        productOf(
          new ConstantKernel({ constantValue: 1.2 }),
          new ExpSineSquaredKernel({ lengthScale: 0.9, periodicity: 6, periodicityBounds: "fixed" }),
          new RBFKernel({ lengthScale: 8 }),
        ),
        noise(),
      ),
    X: referenceX,
  },
  {
    name: "C·ARD RBF · DotProduct + White (2-D)",
    kernel: () =>
      sumOf(
        productOf(
          new ConstantKernel({ constantValue: 0.4 }),
          new RBFKernel({ lengthScale: [3, 1.2] }),
          new DotProductKernel({ sigma0: 1.5 }),
        ),
        noise(),
      ),
    X: referenceX2,
  },
];

/** ½ tr((a aᵀ − K⁻¹) ∂K/∂θ_t) with full matrices from kWithGradient: the textbook form of GPML eq. 5.9. */
function referenceGradient(kernel: Kernel, X: Matrix, y: Float64Array, alpha: number): Float64Array {
  const { K, gradient } = kernel.kWithGradient(X);
  addToDiagonal(K, alpha);
  const { L } = choleskyWithJitter(K);
  const a = choleskySolve(L, y);
  const Kinv = choleskyInverse(L).data;
  const n = X.rows;
  return Float64Array.from(gradient, (G) => {
    let s = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s += (a[i] * a[j] - Kinv[i * n + j]) * G.data[i * n + j];
    return 0.5 * s;
  });
}

describe("log marginal likelihood gradient", () => {
  for (const { name, kernel, X } of cases) {
    it(`matches central finite differences and the full-matrix form: ${name}`, () => {
      const k = kernel();
      const theta = k.theta;
      const gradient = new Float64Array(theta.length);
      const value = logMarginalLikelihoodAt(k, X, referenceY, 1e-10, gradient);
      expect(Number.isFinite(value)).toBe(true);
      expect(logMarginalLikelihoodAt(k, X, referenceY, 1e-10)).toBe(value);
      const reference = referenceGradient(k, X, referenceY, 1e-10);
      // The LML itself carries round-off of order cond(K)·ε·|LML| (up to ~3e-11 for the rank-deficient DotProduct
      // case), so h = 1e-4 balances cancellation (≲ 3e-7) against truncation h²·|f‴|/6 (≈ 1e-8 relative).
      const h = 1e-4;
      for (let t = 0; t < theta.length; t++) {
        const plus = theta.slice();
        const minus = theta.slice();
        plus[t] += h;
        minus[t] -= h;
        const fd =
          (logMarginalLikelihoodAt(k.withTheta(plus), X, referenceY, 1e-10) -
            logMarginalLikelihoodAt(k.withTheta(minus), X, referenceY, 1e-10)) /
          (2 * h);
        // Relative to |fd|, or absolute near a zero component.
        expect(Math.abs(gradient[t] - fd)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(fd)));
        expect(Math.abs(gradient[t] - reference[t])).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(reference[t])));
      }
    });
  }

  it("gives the same value and gradient with a reused workspace, across kernels and θ", () => {
    const workspace = new LogMarginalLikelihoodWorkspace(referenceX.rows);
    const rng = new Rng(5);
    for (const { kernel, X } of cases) {
      if (X !== referenceX) continue;
      const k = kernel();
      const theta = k.theta.map((t) => t + 0.3 * rng.normal());
      const g1 = new Float64Array(theta.length);
      const g2 = new Float64Array(theta.length);
      const fresh = logMarginalLikelihoodAt(k.withTheta(theta), X, referenceY, 1e-10, g1);
      const reused = logMarginalLikelihoodAt(k.withTheta(theta), X, referenceY, 1e-10, g2, workspace);
      expect(reused).toBe(fresh);
      expect(Array.from(g2)).toEqual(Array.from(g1));
    }
  });

  it("uses the jitter ladder like the fit, and returns −∞ with a zero gradient when nothing factorises", () => {
    // Duplicated inputs and no noise: K is singular, a 1e-10 jitter makes it definite.
    const X = { rows: 4, cols: 1, data: Float64Array.from([0, 0, 1, 1]) };
    const y = Float64Array.from([0.1, 0.1, 0.5, 0.5]);
    const k = new RBFKernel({ lengthScale: 1 });
    const gp = new GaussianProcessRegressor({ kernel: k, alpha: 0, optimize: false }).fit(X, y);
    expect(gp.toJSON().jitter).toBeGreaterThan(0);
    expectRelClose(logMarginalLikelihoodAt(k, X, y, 0), gp.logMarginalLikelihood(), 1e-12);
    const g = new Float64Array(1).fill(7);
    const indefinite = new DotProductKernel({ sigma0: 1 });
    const negativeAlpha = -1;
    expect(logMarginalLikelihoodAt(indefinite, X, y, negativeAlpha, g)).toBe(Number.NEGATIVE_INFINITY);
    expect(Array.from(g)).toEqual([0]);
  });

  it("rejects a workspace or gradient buffer of the wrong size", () => {
    const k = new RBFKernel();
    expect(() => logMarginalLikelihoodAt(k, referenceX, referenceY, 1e-10, new Float64Array(2))).toThrow(
      expect.objectContaining({ code: "SLP_INPUT_INVALID" }),
    );
    expect(() =>
      logMarginalLikelihoodAt(k, referenceX, referenceY, 1e-10, undefined, new LogMarginalLikelihoodWorkspace(3)),
    ).toThrow(expect.objectContaining({ code: "SLP_INPUT_INVALID" }));
  });
});
