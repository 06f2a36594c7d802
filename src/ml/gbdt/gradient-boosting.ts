/**
 * The boosting loop, after scikit-learn's `gradient_boosting.py` and XGBoost's `hist` updater (Friedman 2001;
 * Chen & Guestrin 2016): bin the training rows once, start every row at the objective's best constant, then each
 * round compute gradients and hessians of the current raw scores, grow one tree per output on them, and add its
 * leaf values (learning rate included) to the raw scores of the training and validation rows. With early
 * stopping the validation loss is tracked per round and the model keeps the rounds up to the best one.
 */
import { invalidInput, SlipwayError } from "../../core/index.js";
import { Rng } from "../random.js";
import { BinMapper, type GbdtMatrix } from "./bin-mapper.js";
import { TreeGrower } from "./grower.js";
import { HistogramLayout, type HistogramSource, slotMatrix } from "./histogram.js";
import { createLoss, type Loss, quantileOf } from "./losses.js";
import { GbdtModel } from "./model.js";
import { type GbdtParams, type ResolvedGbdtParams, resolveParams } from "./params.js";
import { addTreeBinned } from "./predictor.js";
import { categoryTablesOf, TreeEnsemble } from "./tree-ensemble.js";
import { float64Array, PARALLEL_CELLS, TreeKernels } from "./tree-kernels.js";

/** Run-time options of {@link trainGbdt} (they do not change the model's parameters). */
export interface GbdtTrainOptions {
  /** A validation set for early stopping; when given, no training rows are held out. */
  validation?: { X: GbdtMatrix; y: Float64Array };
  /** The generator for subsampling and binning; default `new Rng(params.seed)`. */
  rng?: Rng;
  /**
   * Threads for histogram building and partitioning, 1 or 2 (more are treated as 2). Default: 2 when the
   * training rows × features reach 1e6, else 1. The model does not depend on it (see `tree-kernels.ts`).
   */
  threads?: number;
}

function rowsView(X: GbdtMatrix, start: number, end: number): GbdtMatrix {
  return { rows: end - start, cols: X.cols, data: X.data.subarray(start * X.cols, end * X.cols) };
}

function checkData(X: GbdtMatrix, y: Float64Array, field: string): void {
  if (!Number.isInteger(X.rows) || !Number.isInteger(X.cols) || X.rows < 0 || X.cols < 1) {
    throw invalidInput("the feature matrix needs a non-negative row count and at least one column", [
      { field, reason: `got ${X.rows} × ${X.cols}` },
    ]);
  }
  if (X.data.length !== X.rows * X.cols) {
    throw invalidInput("matrix data length does not match its shape", [
      { field, reason: `expected ${X.rows * X.cols} values, got ${X.data.length}` },
    ]);
  }
  if (y.length !== X.rows) {
    throw invalidInput("the target needs one value per row", [
      { field, reason: `${X.rows} rows, ${y.length} targets` },
    ]);
  }
}

/**
 * Trains a gradient-boosted tree model on `X` (row-major, NaN = missing) and `y` (class codes 0 … K − 1 for
 * classification). See {@link GbdtParams} for the parameters and their defaults.
 */
export function trainGbdt(
  X: GbdtMatrix,
  y: Float64Array,
  params: GbdtParams = {},
  options: GbdtTrainOptions = {},
): GbdtModel {
  checkData(X, y, "X");
  const p = resolveParams(params, y);
  const loss = createLoss(p.objective, p);

  // Validation rows: the caller's, or the last `validationFraction` of the training rows.
  let trainX = X;
  let trainY = y;
  let validX: GbdtMatrix | null = null;
  let validY: Float64Array | null = null;
  if (p.earlyStoppingRounds > 0) {
    if (options.validation) {
      checkData(options.validation.X, options.validation.y, "validation.X");
      if (options.validation.X.cols !== X.cols) {
        throw invalidInput("the validation set has a different number of features", [
          { field: "validation.X", reason: `expected ${X.cols} columns, got ${options.validation.X.cols}` },
        ]);
      }
      validX = options.validation.X;
      validY = options.validation.y;
    } else if (p.validationFraction > 0) {
      const held = Math.floor(X.rows * p.validationFraction);
      if (held >= 1 && X.rows - held >= 1) {
        trainX = rowsView(X, 0, X.rows - held);
        trainY = y.subarray(0, X.rows - held);
        validX = rowsView(X, X.rows - held, X.rows);
        validY = y.subarray(X.rows - held);
      }
    }
  }
  if (trainX.rows < 1) throw new SlipwayError("SLP_TRAIN_FAILED", "gradient boosting needs at least one training row");
  loss.checkTarget(trainY);
  if (validY) loss.checkTarget(validY);

  const rng = options.rng ?? new Rng(p.seed);
  const mapper = BinMapper.fit(trainX, { maxBins: p.maxBins, categoricalFeatures: p.categoricalFeatures, rng });
  const threads = options.threads ?? (trainX.rows * trainX.cols >= PARALLEL_CELLS ? 2 : 1);
  if (!Number.isInteger(threads) || threads < 1) {
    throw invalidInput("threads must be a positive integer", [{ field: "threads", reason: `got ${threads}` }]);
  }
  const state = new BoostingState(p, loss, mapper, trainX, trainY, validX, validY, rng, threads);
  try {
    return state.run();
  } finally {
    state.close();
  }
}

/** The arrays of one training run. */
class BoostingState {
  private readonly n: number;
  private readonly K: number;
  private readonly binned;
  private readonly kernels: TreeKernels;
  private readonly validBinned;
  private readonly ensemble: TreeEnsemble;
  private readonly grower: TreeGrower;
  private readonly baseline: Float64Array;
  private readonly raw: Float64Array;
  private readonly validRaw: Float64Array | null;
  private readonly grad: Float64Array;
  private readonly hess: Float64Array;
  private readonly sample: Int32Array;
  private readonly inSample: Uint8Array;
  private readonly allFeatures: Int32Array;
  private readonly featurePerm: Int32Array;
  private readonly residuals: Float64Array;

  constructor(
    private readonly p: ResolvedGbdtParams,
    private readonly loss: Loss,
    mapper: BinMapper,
    trainX: GbdtMatrix,
    private readonly y: Float64Array,
    validX: GbdtMatrix | null,
    private readonly validY: Float64Array | null,
    private readonly rng: Rng,
    threads: number,
  ) {
    this.n = trainX.rows;
    this.K = loss.outputs;
    const { n, K } = this;
    this.binned = mapper.transform(trainX);
    this.validBinned = validX ? mapper.transform(validX) : null;
    const layout = new HistogramLayout(mapper.binCount);
    this.ensemble = new TreeEnsemble(trainX.cols, K, categoryTablesOf(mapper));
    this.grad = float64Array(n * K, threads > 1);
    this.hess = float64Array(n * K, threads > 1);
    this.kernels = new TreeKernels(
      layout,
      this.binned.codes,
      slotMatrix(layout, this.binned.codes, n),
      n,
      this.grad,
      this.hess,
      mapper.isCategorical,
      p,
      threads,
    );
    this.grower = new TreeGrower(this.kernels, (f, b) => mapper.rawThreshold(f, b), p);
    this.baseline = loss.baseline(y);
    this.raw = new Float64Array(n * K);
    for (let i = 0; i < n * K; i++) this.raw[i] = this.baseline[i % K];
    this.validRaw = validX ? new Float64Array(validX.rows * K) : null;
    if (this.validRaw) for (let i = 0; i < this.validRaw.length; i++) this.validRaw[i] = this.baseline[i % K];
    this.sample = new Int32Array(n);
    this.inSample = new Uint8Array(n);
    this.allFeatures = new Int32Array(trainX.cols);
    for (let f = 0; f < trainX.cols; f++) this.allFeatures[f] = f;
    this.featurePerm = new Int32Array(trainX.cols);
    this.residuals = loss.leafQuantile === null ? new Float64Array(0) : new Float64Array(n);
  }

  /** Stops the helper thread, if any. */
  close(): void {
    this.kernels.close();
  }

  run(): GbdtModel {
    const { p, loss, n, K } = this;
    const earlyStopping = this.validRaw !== null && this.validY !== null;
    const history: number[] = [];
    let best = Number.POSITIVE_INFINITY;
    let bestRound = -1;
    let round = 0;
    for (; round < p.maxRounds; round++) {
      loss.gradients(this.y, this.raw, this.grad, this.hess);
      const sample = p.subsample < 1 ? this.drawSample() : null;
      for (let k = 0; k < K; k++) {
        const source: HistogramSource = {
          slots: this.kernels.slots,
          cols: this.binned.cols,
          grad: this.grad.subarray(k * n, (k + 1) * n),
          hess: this.hess.subarray(k * n, (k + 1) * n),
          constantHessian: loss.constantHessian,
        };
        const features = p.colsampleByTree < 1 ? this.drawFeatures() : this.allFeatures;
        this.grower.grow(this.ensemble, source, sample, features);
        this.addLastTree(k, sample !== null);
      }
      if (earlyStopping) {
        const v = loss.meanLoss(this.validY!, this.validRaw!);
        history.push(v);
        if (v < best) {
          best = v;
          bestRound = round;
        } else if (round - bestRound >= p.earlyStoppingRounds) {
          round++;
          break;
        }
      }
    }
    const roundsTrained = Math.min(round, p.maxRounds);
    const kept = earlyStopping ? bestRound + 1 : roundsTrained;
    this.ensemble.truncate(kept * K);
    this.ensemble.freeze();
    return new GbdtModel({
      params: p,
      ensemble: this.ensemble,
      baseline: this.baseline,
      bestIteration: kept - 1,
      roundsTrained,
      validationLoss: Float64Array.from(history),
    });
  }

  /** Adds the tree just grown (output k) to the training and validation raw scores. */
  private addLastTree(k: number, subsampled: boolean): void {
    const { grower, ensemble, raw, K } = this;
    const t = ensemble.treeCount - 1;
    if (this.loss.leafQuantile !== null) this.refitLeaves(k);
    const rowIndex = grower.rowIndex;
    for (let l = 0; l < grower.leafCount; l++) {
      const v = ensemble.value[grower.leafNode[l]];
      const end = grower.leafEnd[l];
      for (let i = grower.leafStart[l]; i < end; i++) raw[rowIndex[i] * K + k] += v;
    }
    // Rows outside this round's subsample are not in any leaf range: route them through the tree.
    if (subsampled) addTreeBinned(ensemble, t, this.binned, raw, K, k, this.inSample);
    if (this.validBinned && this.validRaw) addTreeBinned(ensemble, t, this.validBinned, this.validRaw, K, k, null);
  }

  /** Sets each leaf of the last tree to the learning rate times the leafQuantile of its rows' residuals. */
  private refitLeaves(k: number): void {
    const { grower, ensemble, raw, y, K, residuals } = this;
    const q = this.loss.leafQuantile!;
    const rowIndex = grower.rowIndex;
    for (let l = 0; l < grower.leafCount; l++) {
      let m = 0;
      for (let i = grower.leafStart[l]; i < grower.leafEnd[l]; i++) {
        const r = rowIndex[i];
        residuals[m++] = y[r] - raw[r * K + k];
      }
      ensemble.value[grower.leafNode[l]] = this.p.learningRate * quantileOf(residuals.subarray(0, m), q);
    }
  }

  /** This round's rows: each kept with probability `subsample` (XGBoost's Bernoulli sampling), ascending. */
  private drawSample(): Int32Array {
    const { rng, sample, inSample, n } = this;
    const rate = this.p.subsample;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const keep = rng.next() < rate;
      inSample[i] = keep ? 1 : 0;
      if (keep) sample[m++] = i;
    }
    return sample.subarray(0, m);
  }

  /** This tree's features: round(colsample × cols) of them (at least one), uniformly, ascending. */
  private drawFeatures(): Int32Array {
    const perm = this.featurePerm;
    const cols = perm.length;
    const m = Math.max(1, Math.round(this.p.colsampleByTree * cols));
    for (let f = 0; f < cols; f++) perm[f] = f;
    for (let i = 0; i < m; i++) {
      const j = i + this.rng.int(cols - i);
      const t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    return perm.slice(0, m).sort();
  }
}
