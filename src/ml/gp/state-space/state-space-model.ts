/**
 * A one-dimensional GP kernel as a linear time-invariant state-space model (Hartikainen & Särkkä, "Kalman filtering
 * and smoothing solutions to temporal Gaussian process regression models", MLSP 2010; Solin, "Stochastic
 * differential equation methods for spatio-temporal Gaussian process regression", 2016, ch. 4):
 *   s(x + Δ) = A(Δ) s(x) + w,  w ~ N(0, Q(Δ)),   f(x) = H s(x),   y = f(x) + ε,  ε ~ N(0, noise).
 * Exact for Matérn ν ∈ {½, 3⁄2, 5⁄2}, Constant and DotProduct; ExpSineSquared is its cosine series cut where the
 * left-out variance is below a tolerance. Sums stack states (block-diagonal A), products of stationary kernels take
 * Kronecker products (A = A₁ ⊗ A₂, P∞ = P∞₁ ⊗ P∞₂), constant factors scale the covariance, and White terms of the
 * top-level sum become the observation noise. Anything else (RBF, RationalQuadratic, Exponentiation, a White inside
 * a product) has no finite state-space form here: `stateSpaceModel` returns undefined and the dense path is used.
 */
import type { KernelJSON } from "../kernels/index.js";
import { periodicSeries } from "./periodic-series.js";

/** Periodic series cut-off: left-out variance per unit of the periodic term's variance. */
export const PERIODIC_TOLERANCE = 1e-9;
/** More harmonics than this (ℓ below ~0.25 periods) and the kernel is left to the dense path. */
export const MAX_HARMONICS = 24;

/** One block of states (a term of the top-level sum). Matrices are dense row-major dim × dim. */
interface Block {
  dim: number;
  H: Float64Array;
  /** Stationary covariance P∞, or undefined for a non-stationary block (DotProduct). */
  pinf: Float64Array | undefined;
  /** Prior covariance of the state at the first input x₀. */
  initial(x0: number): Float64Array;
  /** A(Δ) for Δ ≥ 0. */
  transition(dt: number): Float64Array;
  /** Q(Δ); stationary blocks use P∞ − A P∞ Aᵀ. */
  processNoise?(dt: number): Float64Array;
  /** No process noise at all (Constant, DotProduct, an undamped periodic series): f is linear in the initial state. */
  deterministic: boolean;
  /**
   * What H and A(Δ) depend on (the initial covariance aside): equal keys give equal basis functions H A(x − x₀),
   * so a deterministic basis can be reused across hyperparameters that only change variances.
   */
  basisKey: string;
}

/**
 * A model cut into its stochastic blocks (a smaller filter) and its deterministic ones (regression terms whose
 * initial state is marginalised in closed form), with where each part's states sit in the full state vector.
 */
export interface ModelParts {
  stochastic: StateSpaceModel;
  deterministic: StateSpaceModel;
  stochasticIndex: Int32Array;
  deterministicIndex: Int32Array;
}

/** A(Δ) in compressed sparse rows (Kronecker products of rotations are mostly zeros) and a dense Q(Δ). */
export interface Discretization {
  rowStart: Int32Array;
  colIndex: Int32Array;
  values: Float64Array;
  Q: Float64Array;
}

export class StateSpaceModel {
  readonly dim: number;
  readonly H: Float64Array;
  /** The blocks' basis keys, joined (see `Block.basisKey`). */
  readonly basisKey: string;
  private readonly offsets: number[];

  constructor(
    private readonly blocks: Block[],
    /** Observation noise from the kernel's White terms (excluding any extra jitter the caller adds). */
    readonly whiteNoise: number,
    /** Variance the periodic truncation leaves out, summed over the periodic terms (a bound on the kernel error). */
    readonly truncation: number,
    /** Harmonics kept per ExpSineSquared factor, in the order the kernel lists them. */
    readonly harmonics: readonly number[],
  ) {
    let d = 0;
    this.offsets = [];
    for (const b of blocks) {
      this.offsets.push(d);
      d += b.dim;
    }
    this.dim = d;
    this.H = new Float64Array(d);
    for (let i = 0; i < blocks.length; i++) this.H.set(blocks[i].H, this.offsets[i]);
    this.basisKey = blocks.map((b) => b.basisKey).join("+");
  }

  /** The stochastic and deterministic parts, or undefined when one of them is empty. */
  split(): ModelParts | undefined {
    const stochastic: Block[] = [];
    const deterministic: Block[] = [];
    const sIndex: number[] = [];
    const dIndex: number[] = [];
    for (let i = 0; i < this.blocks.length; i++) {
      const b = this.blocks[i];
      (b.deterministic ? deterministic : stochastic).push(b);
      const index = b.deterministic ? dIndex : sIndex;
      for (let j = 0; j < b.dim; j++) index.push(this.offsets[i] + j);
    }
    if (deterministic.length === 0) return undefined;
    return {
      stochastic: new StateSpaceModel(stochastic, this.whiteNoise, 0, []),
      deterministic: new StateSpaceModel(deterministic, 0, 0, []),
      stochasticIndex: Int32Array.from(sIndex),
      deterministicIndex: Int32Array.from(dIndex),
    };
  }

  /** A(Δ) as a dense dim × dim matrix. */
  transition(dt: number): Float64Array {
    const A = new Float64Array(this.dim * this.dim);
    for (let i = 0; i < this.blocks.length; i++) {
      const b = this.blocks[i];
      placeBlock(A, this.dim, this.offsets[i], b.dim, b.transition(dt));
    }
    return A;
  }

  /** Block-diagonal prior covariance of the state at x₀. */
  initialCovariance(x0: number): Float64Array {
    const P = new Float64Array(this.dim * this.dim);
    for (let i = 0; i < this.blocks.length; i++) {
      const b = this.blocks[i];
      placeBlock(P, this.dim, this.offsets[i], b.dim, b.initial(x0));
    }
    return P;
  }

  discretize(dt: number): Discretization {
    const d = this.dim;
    const A = new Float64Array(d * d);
    const Q = new Float64Array(d * d);
    for (let i = 0; i < this.blocks.length; i++) {
      const b = this.blocks[i];
      const Ab = b.transition(dt);
      placeBlock(A, d, this.offsets[i], b.dim, Ab);
      const Qb = b.processNoise ? b.processNoise(dt) : stationaryNoise(Ab, b.pinf as Float64Array, b.dim);
      placeBlock(Q, d, this.offsets[i], b.dim, Qb);
    }
    return { ...toSparseRows(A, d), Q };
  }
}

/**
 * The state-space form of a kernel over one input column, or undefined when it has none (see the file comment).
 * `harmonics` pins the number of harmonics of each periodic factor (a previous model's `harmonics`), so that
 * likelihoods at nearby θ, as in a finite-difference gradient, use the same series and stay smooth in θ.
 */
export function stateSpaceModel(kernel: KernelJSON, harmonics?: readonly number[]): StateSpaceModel | undefined {
  const terms = kernel.type === "sum" ? flattenSum(kernel) : [kernel];
  let white = 0;
  let truncation = 0;
  const blocks: Block[] = [];
  const kept: number[] = [];
  for (const term of terms) {
    if (term.type === "white") {
      white += term.noiseLevel;
      continue;
    }
    const block = productBlock(flattenProduct(term), harmonics, kept);
    if (block === undefined) return undefined;
    blocks.push(block.block);
    truncation += block.truncation;
  }
  if (blocks.length === 0) return undefined;
  return new StateSpaceModel(blocks, white, truncation, kept);
}

function flattenSum(k: KernelJSON): KernelJSON[] {
  return k.type === "sum" ? [...flattenSum(k.k1), ...flattenSum(k.k2)] : [k];
}

function flattenProduct(k: KernelJSON): KernelJSON[] {
  return k.type === "product" ? [...flattenProduct(k.k1), ...flattenProduct(k.k2)] : [k];
}

/** One product term: constants multiply, DotProduct only with constants, other factors Kronecker-combined. */
function productBlock(
  factors: KernelJSON[],
  pinned: readonly number[] | undefined,
  kept: number[],
): { block: Block; truncation: number } | undefined {
  let scale = 1;
  let truncation = 0;
  let dotProduct: number | undefined;
  let stationary: Block | undefined;
  for (const f of factors) {
    if (f.type === "constant") {
      scale *= f.constantValue;
      continue;
    }
    if (f.type === "dot-product") {
      if (dotProduct !== undefined || stationary !== undefined) return undefined;
      dotProduct = f.sigma0;
      continue;
    }
    if (dotProduct !== undefined) return undefined;
    let leaf: Block | undefined;
    if (f.type === "matern") leaf = maternBlock(f.lengthScale, f.nu);
    else if (f.type === "exp-sine-squared") {
      const fixed = pinned?.[kept.length];
      const series =
        fixed === undefined
          ? periodicSeries(f.lengthScale, PERIODIC_TOLERANCE, MAX_HARMONICS)
          : periodicSeries(f.lengthScale, 0, fixed);
      if (fixed === undefined && series.tail > PERIODIC_TOLERANCE) return undefined;
      kept.push(series.weights.length - 1);
      leaf = periodicBlock(series.weights, f.periodicity);
      // The error of a product term's variance is its other factors' variance times this factor's tail.
      truncation = Math.max(truncation, series.tail);
    } else return undefined;
    stationary = stationary === undefined ? leaf : kroneckerBlock(stationary, leaf);
  }
  if (dotProduct !== undefined) return { block: dotProductBlock(dotProduct, scale), truncation: 0 };
  const base = stationary ?? constantBlock();
  return { block: scaledBlock(base, scale), truncation: truncation * scale };
}

function constantBlock(): Block {
  const one = Float64Array.of(1);
  return {
    dim: 1,
    H: one,
    pinf: one,
    initial: () => one.slice(),
    transition: () => one.slice(),
    processNoise: () => new Float64Array(1),
    deterministic: true,
    basisKey: "1",
  };
}

/**
 * f(x) = a + b·x with a ~ N(0, σ₀²), b ~ N(0, 1) has covariance σ₀² + x·x' (scikit-learn's DotProduct in 1-D); its
 * state (f, b) moves by A = [[1, Δ], [0, 1]] without noise.
 */
function dotProductBlock(sigma0: number, scale: number): Block {
  return {
    dim: 2,
    H: Float64Array.of(1, 0),
    pinf: undefined,
    initial: (x0) => Float64Array.of(sigma0 * sigma0 + x0 * x0, x0, x0, 1).map((v) => v * scale),
    transition: (dt) => Float64Array.of(1, dt, 0, 1),
    processNoise: () => new Float64Array(4),
    deterministic: true,
    basisKey: "x",
  };
}

/**
 * Matérn ν = p + ½ as the SDE of its spectral density's all-pole form, λ = √(2ν)/ℓ, unit variance:
 *   ν = ½: F = [−λ]; ν = 3⁄2: F = [[0, 1], [−λ², −2λ]]; ν = 5⁄2: F = [[0, 1, 0], [0, 0, 1], [−λ³, −3λ², −3λ]],
 * with stationary covariances P∞ = [1], diag(1, λ²), [[1, 0, −κ], [0, κ, 0], [−κ, 0, λ⁴]] (κ = λ²/3), and
 * A(Δ) = exp(FΔ) in closed form (F has the single eigenvalue −λ).
 */
function maternBlock(lengthScale: number, nu: 0.5 | 1.5 | 2.5): Block {
  const lam = Math.sqrt(2 * nu) / lengthScale;
  if (nu === 0.5) {
    const pinf = Float64Array.of(1);
    return {
      dim: 1,
      H: Float64Array.of(1),
      pinf,
      initial: () => pinf.slice(),
      transition: (dt) => Float64Array.of(Math.exp(-lam * dt)),
      deterministic: false,
      basisKey: `matern(0.5, ${lengthScale})`,
    };
  }
  if (nu === 1.5) {
    const pinf = Float64Array.of(1, 0, 0, lam * lam);
    return {
      dim: 2,
      H: Float64Array.of(1, 0),
      pinf,
      initial: () => pinf.slice(),
      transition: (dt) => {
        const e = Math.exp(-lam * dt);
        return Float64Array.of(e * (1 + lam * dt), e * dt, -e * lam * lam * dt, e * (1 - lam * dt));
      },
      deterministic: false,
      basisKey: `matern(1.5, ${lengthScale})`,
    };
  }
  const l2 = lam * lam;
  const kappa = l2 / 3;
  const pinf = Float64Array.of(1, 0, -kappa, 0, kappa, 0, -kappa, 0, l2 * l2);
  return {
    dim: 3,
    H: Float64Array.of(1, 0, 0),
    pinf,
    initial: () => pinf.slice(),
    transition: (dt) => matern52Transition(lam, dt),
    deterministic: false,
    basisKey: `matern(2.5, ${lengthScale})`,
  };
}

/**
 * exp(FΔ) for the ν = 5⁄2 companion matrix: with N = F + λI nilpotent (N³ = 0),
 * exp(FΔ) = e^{−λΔ} (I + NΔ + N²Δ²/2).
 */
function matern52Transition(lam: number, dt: number): Float64Array {
  const l2 = lam * lam;
  const l3 = l2 * lam;
  // N = F + λI.
  const N = [lam, 1, 0, 0, lam, 1, -l3, -3 * l2, -2 * lam];
  const N2 = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += N[i * 3 + k] * N[k * 3 + j];
      N2[i * 3 + j] = s;
    }
  }
  const e = Math.exp(-lam * dt);
  const A = new Float64Array(9);
  for (let i = 0; i < 9; i++) A[i] = e * ((i % 4 === 0 ? 1 : 0) + N[i] * dt + (N2[i] * dt * dt) / 2);
  return A;
}

/**
 * Harmonic j as the oscillator (c, s) rotating by jω₀Δ with P∞ = q_j² I; harmonic 0 is one constant state.
 * Observed through the cosine state: H = (1, 0) per harmonic.
 */
function periodicBlock(weights: Float64Array, periodicity: number): Block {
  const J = weights.length - 1;
  const dim = 1 + 2 * J;
  const H = new Float64Array(dim);
  const pinf = new Float64Array(dim * dim);
  H[0] = 1;
  pinf[0] = weights[0];
  for (let j = 1; j <= J; j++) {
    const c = 2 * j - 1;
    H[c] = 1;
    pinf[c * dim + c] = weights[j];
    pinf[(c + 1) * dim + c + 1] = weights[j];
  }
  const omega = (2 * Math.PI) / periodicity;
  return {
    dim,
    H,
    pinf,
    initial: () => pinf.slice(),
    transition: (dt) => {
      const A = new Float64Array(dim * dim);
      A[0] = 1;
      for (let j = 1; j <= J; j++) {
        const c = 2 * j - 1;
        const cos = Math.cos(j * omega * dt);
        const sin = Math.sin(j * omega * dt);
        A[c * dim + c] = cos;
        A[c * dim + c + 1] = -sin;
        A[(c + 1) * dim + c] = sin;
        A[(c + 1) * dim + c + 1] = cos;
      }
      return A;
    },
    // A rotation keeps q_j² I unchanged: the series is deterministic given its initial state.
    processNoise: () => new Float64Array(dim * dim),
    deterministic: true,
    basisKey: `cos(${periodicity}, ${J})`,
  };
}

/** The product of two stationary kernels: states are pairs, A = A₁ ⊗ A₂, P∞ = P∞₁ ⊗ P∞₂, H = H₁ ⊗ H₂. */
function kroneckerBlock(a: Block, b: Block): Block {
  const pinf = kron(a.pinf as Float64Array, a.dim, b.pinf as Float64Array, b.dim);
  return {
    dim: a.dim * b.dim,
    H: kron(a.H, 1, b.H, 1, a.dim, b.dim),
    pinf,
    initial: () => pinf.slice(),
    transition: (dt) => kron(a.transition(dt), a.dim, b.transition(dt), b.dim),
    processNoise:
      a.deterministic && b.deterministic ? () => new Float64Array(a.dim * b.dim * a.dim * b.dim) : undefined,
    deterministic: a.deterministic && b.deterministic,
    basisKey: `(${a.basisKey}×${b.basisKey})`,
  };
}

function scaledBlock(b: Block, scale: number): Block {
  if (scale === 1) return b;
  const pinf = b.pinf?.map((v) => v * scale);
  return {
    dim: b.dim,
    H: b.H,
    pinf,
    initial: (x0) => b.initial(x0).map((v) => v * scale),
    transition: (dt) => b.transition(dt),
    processNoise: b.processNoise
      ? (dt) => (b.processNoise as (dt: number) => Float64Array)(dt).map((v) => v * scale)
      : undefined,
    deterministic: b.deterministic,
    basisKey: b.basisKey,
  };
}

/** Kronecker product of an (ra × ca) and an (rb × cb) row-major matrix; square when only ra and rb are given. */
function kron(a: Float64Array, ra: number, b: Float64Array, rb: number, ca = ra, cb = rb): Float64Array {
  const cols = ca * cb;
  const out = new Float64Array(ra * rb * cols);
  for (let i = 0; i < ra; i++) {
    for (let j = 0; j < ca; j++) {
      const aij = a[i * ca + j];
      if (aij === 0) continue;
      for (let k = 0; k < rb; k++) {
        const row = (i * rb + k) * cols + j * cb;
        for (let l = 0; l < cb; l++) out[row + l] = aij * b[k * cb + l];
      }
    }
  }
  return out;
}

/** Q = P∞ − A P∞ Aᵀ, the noise that keeps a stationary state at its stationary covariance. */
function stationaryNoise(A: Float64Array, pinf: Float64Array, d: number): Float64Array {
  const T = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < d; k++) {
      const aik = A[i * d + k];
      if (aik === 0) continue;
      for (let j = 0; j < d; j++) T[i * d + j] += aik * pinf[k * d + j];
    }
  }
  const Q = pinf.slice();
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += T[i * d + k] * A[j * d + k];
      Q[i * d + j] -= s;
    }
  }
  return Q;
}

function placeBlock(target: Float64Array, d: number, offset: number, size: number, block: Float64Array): void {
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) target[(offset + i) * d + offset + j] = block[i * size + j];
  }
}

function toSparseRows(A: Float64Array, d: number): Omit<Discretization, "Q"> {
  const rowStart = new Int32Array(d + 1);
  let nnz = 0;
  for (let i = 0; i < d * d; i++) if (A[i] !== 0) nnz++;
  const colIndex = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  let p = 0;
  for (let i = 0; i < d; i++) {
    rowStart[i] = p;
    for (let j = 0; j < d; j++) {
      const v = A[i * d + j];
      if (v !== 0) {
        colIndex[p] = j;
        values[p++] = v;
      }
    }
  }
  rowStart[d] = p;
  return { rowStart, colIndex, values };
}
