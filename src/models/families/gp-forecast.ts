import { type Frame, invalidInput } from "../../core/index.js";
import type { TimeIndex } from "../../features/index.js";
import {
  ConstantKernel,
  DotProductKernel,
  ExpSineSquaredKernel,
  GaussianProcessRegressor,
  type GaussianProcessState,
  type Kernel,
  type KernelJSON,
  kernelFromJSON,
  MaternKernel,
  productOf,
  RBFKernel,
  StateSpaceGaussianProcess,
  sumOf,
  WhiteKernel,
} from "../../ml/gp/index.js";
import { type Matrix, matrixFrom } from "../../ml/linalg/matrix.js";
import { Rng } from "../../ml/random.js";
import { normalQuantile } from "../../ml/stats/normal.js";
import type { FitOptions, FittedModel, ForecastRow, ModelState, Signature, TrainSpec } from "../estimator.js";
import { forecastRows, StepForecaster, seriesFromFrame } from "../series.js";
import { choiceParam, numberParam } from "./family-helpers.js";
import { forecastSignature } from "./linear-forecast.js";

/**
 * Gaussian-process forecaster. Time becomes x = step / scale − offset, where scale is the seasonal period (one
 * season = 1) or a tenth of the series, and offset centres the training x. The trend is one of
 *   `linear`  a least-squares line removed first (the deterministic mean of the original trend variant; default),
 *   `kernel`  a C · DotProduct term inside the GP, so the slope's uncertainty widens the intervals,
 *   `none`    neither (a stationary series).
 * The GP models what remains with
 *   C₁ · ExpSineSquared(ℓ, p = 1) · RBF(decay)  (seasonality that may evolve slowly; when there is a season)
 * + C₂ · RBF(ℓ ≥ 1 season)                      (smooth departures from the trend)
 * + White                                        (observation noise).
 * With `season: "stable"` the seasonal term has no decay (C₁ · ExpSineSquared): one shape repeats every season, as
 * in a temperature record; `auto` backtests both.
 * Bounds keep each term in its role: a seasonal amplitude that cannot vanish (on trending series the highest
 * marginal likelihood may otherwise switch seasonality off and extrapolate badly), a smooth term that cannot
 * oscillate faster than a season. Hyperparameters maximise the log marginal likelihood from seeded restarts.
 *
 * Past STATE_SPACE_MIN_POINTS observations (or with `solver: "state-space"`) the GP is solved in O(n) by a Kalman
 * filter over the kernel's state-space form, which needs Matérn 5⁄2 in place of the smooth RBF, a seasonal shape
 * no sharper than ℓ = 0.5 (its cosine series stays short), and an undamped season: a decaying one makes every
 * harmonic a noisy state, and on 20,000 daily points the fit took 8× as long (124 s against 15 s) for the same
 * held-out error, the decay running to its bound. Slow change is left to the smooth term. The bundle then keeps
 * the filtered state at the last observation instead of an n × n factor.
 */
type Trend = "linear" | "kernel" | "none";
const TRENDS: readonly Trend[] = ["linear", "kernel", "none"];
/** `log` models log(y): multiplicative growth and seasons become additive, intervals stay positive. */
type Transform = "none" | "log";
const TRANSFORMS: readonly Transform[] = ["none", "log"];
/** `evolving`: the seasonal shape may drift over the years (a decaying RBF factor); `stable`: it repeats exactly. */
type Season = "evolving" | "stable";
const SEASONS: readonly Season[] = ["evolving", "stable"];
/** `dense`: exact Cholesky, O(n³); `state-space`: Kalman filter, O(n); `auto`: state-space past the threshold. */
type Solver = "dense" | "state-space";
const SOLVERS: readonly (Solver | "auto")[] = ["auto", "dense", "state-space"];
/** Above this many observations `auto` solves by the Kalman filter (a dense fit of 2,000 points takes minutes). */
export const STATE_SPACE_MIN_POINTS = 2000;

interface GpForecastJson {
  timeIndex: TimeIndex;
  period: number | null;
  scale: number;
  /** Subtracted from step / scale, so a DotProduct trend pivots around the data's middle. */
  xOffset: number;
  trend: Trend;
  /** Absent in bundles written before transforms existed, which means `none`. */
  transform?: Transform;
  trendIntercept: number;
  trendSlope: number;
  lastStep: number;
  /** Absent in bundles written before the state-space solver existed, which means `dense`. */
  solver?: Solver;
  /** Absent in bundles written before the option existed, which means `evolving` (or undamped, state-space). */
  season?: Season;
  gp: Omit<GaussianProcessState, "xTrain" | "yTrain" | "dualCoef" | "L" | "alpha" | "kernel"> & {
    kernel: KernelJSON;
    alpha: number;
    n: number;
    /** State-space solver: the input of the last observation, where the filtered state (blobs) sits. */
    filteredX?: number;
  };
}

/** Mean and standard deviation of the (detrended, transformed) series at inputs x, from either solver. */
type Predictor = (x: Matrix) => { mean: Float64Array; std: Float64Array };

function defaultKernel(seasonal: boolean, trend: Trend, solver: Solver, seasonShape: Season): Kernel {
  const stateSpace = solver === "state-space";
  const terms: Kernel[] = [];
  if (trend === "kernel") {
    terms.push(
      productOf(
        new ConstantKernel({ constantValue: 0.1, constantValueBounds: [1e-5, 1e2] }),
        new DotProductKernel({ sigma0: 1, sigma0Bounds: [1e-3, 1e2] }),
      ),
    );
  }
  const smooth = productOf(
    new ConstantKernel({ constantValue: 0.5, constantValueBounds: [1e-3, 1e2] }),
    stateSpace
      ? new MaternKernel({ nu: 2.5, lengthScale: 3, lengthScaleBounds: [1, 1e3] })
      : new RBFKernel({ lengthScale: 3, lengthScaleBounds: [1, 1e3] }),
  );
  const noise = new WhiteKernel({ noiseLevel: 0.05, noiseLevelBounds: [1e-5, 1] });
  if (!seasonal) return sumOf(smooth, ...terms, noise);
  const shape = new ExpSineSquaredKernel({
    lengthScale: 1,
    lengthScaleBounds: [stateSpace ? 0.5 : 0.1, 10],
    periodicity: 1,
    periodicityBounds: "fixed",
  });
  const season =
    seasonShape === "stable"
      ? productOf(new ConstantKernel({ constantValue: 1, constantValueBounds: [1e-2, 1e2] }), shape)
      : productOf(
          new ConstantKernel({ constantValue: 1, constantValueBounds: [1e-2, 1e2] }),
          shape,
          new RBFKernel({ lengthScale: 20, lengthScaleBounds: [3, 1e4] }),
        );
  return sumOf(season, smooth, ...terms, noise);
}

class GpForecaster extends StepForecaster {
  readonly family = "gp" as const;

  constructor(
    signature: Signature,
    private readonly json: GpForecastJson,
    private readonly predictor: Predictor,
    private readonly blobs: Record<string, Float64Array>,
  ) {
    super(signature, json.timeIndex, json.lastStep);
  }

  protected forecastSteps(steps: Float64Array, level: number): ForecastRow[] {
    const { scale, xOffset, trendIntercept, trendSlope, timeIndex } = this.json;
    const x = matrixFrom(
      steps.length,
      1,
      steps.map((s) => s / scale - xOffset),
    );
    const p = this.predictor(x);
    const z = normalQuantile(0.5 + level / 2);
    const mean = p.mean.map((m, i) => m + trendIntercept + trendSlope * x.data[i]);
    const half = p.std.map((s) => z * s);
    const rows = forecastRows(timeIndex, steps, mean, half);
    if (this.json.transform === "log") {
      // Quantiles map through exp exactly; exp of the mean is the median, the better point forecast for MAE.
      for (const r of rows) {
        r.mean = Math.exp(r.mean);
        r.lower = Math.exp(r.lower);
        r.upper = Math.exp(r.upper);
      }
    }
    return rows;
  }

  describe(): Record<string, unknown> {
    return {
      kernel: this.json.gp.kernel,
      logMarginalLikelihood: this.json.gp.logMarginalLikelihood,
      trend: this.json.trend,
      trendPerStep: this.json.trendSlope / this.json.scale,
      transform: this.json.transform ?? "none",
      period: this.json.period,
      solver: this.json.solver ?? "dense",
      season: this.json.season ?? (this.json.solver === "state-space" ? "stable" : "evolving"),
    };
  }

  state(): ModelState {
    return { json: { ...this.json }, blobs: this.blobs };
  }
}

function build(signature: Signature, json: GpForecastJson, blobs: Record<string, Float64Array>): GpForecaster {
  const n = json.gp.n;
  const { filteredX, ...gpJson } = json.gp;
  if (json.solver === "state-space") {
    const gp = StateSpaceGaussianProcess.fromJSON({
      kernel: gpJson.kernel,
      alpha: gpJson.alpha,
      normalizeY: gpJson.normalizeY,
      yMean: gpJson.yMean,
      yStd: gpJson.yStd,
      n,
      logMarginalLikelihood: gpJson.logMarginalLikelihood,
      filtered: { x: filteredX ?? Number.NaN, mean: blobs.filteredMean, cov: blobs.filteredCov },
    });
    return new GpForecaster(signature, json, (x) => gp.predict(x), blobs);
  }
  const gp = GaussianProcessRegressor.fromJSON({
    ...gpJson,
    xTrain: matrixFrom(n, 1, blobs.xTrain),
    yTrain: blobs.yTrain,
    dualCoef: blobs.dualCoef,
    L: matrixFrom(n, n, blobs.L),
  });
  return new GpForecaster(signature, json, denseAnswer(gp), blobs);
}

function denseAnswer(gp: GaussianProcessRegressor): Predictor {
  return (x) => {
    const p = gp.predict(x, { returnStd: true });
    return { mean: p.mean, std: p.std as Float64Array };
  };
}

export const gpForecastFamily = {
  fit(train: Frame, spec: TrainSpec, options: FitOptions = {}): FittedModel {
    // A replay keeps the champion's time scaling and trend form: its kernel is only meaningful on the same x.
    const previous = options.hyperparametersFrom?.json as GpForecastJson | undefined;
    const periodParam = numberParam(spec.params, "period", { min: 2, optional: true });
    const trend = previous?.trend ?? choiceParam(spec.params, "trend", TRENDS, "linear");
    const restarts = numberParam(spec.params, "restarts", { min: 0, max: 20, integer: true, default: 2 });
    const series = seriesFromFrame(
      train,
      spec.timeColumn as string,
      spec.target,
      previous ? previous.period : periodParam,
    );
    const transform = previous?.transform ?? choiceParam(spec.params, "transform", TRANSFORMS, "none");
    if (transform === "log" && series.y.some((v) => !(v > 0))) {
      throw invalidInput(`transform log needs positive values of ${spec.target}`, [
        { field: "/params/transform", reason: "log needs strictly positive values" },
      ]);
    }
    const y = transform === "log" ? series.y.map(Math.log) : series.y;
    const n = y.length;
    const scale = previous?.scale ?? series.period ?? Math.max(1, n / 10);
    const xRaw = series.steps.map((s) => s / scale);
    let xOffset = 0;
    for (let i = 0; i < n; i++) xOffset += xRaw[i] / n;
    const x = xRaw.map((v) => v - xOffset);
    let intercept = 0;
    let slope = 0;
    if (trend === "linear") [intercept, slope] = leastSquaresLine(x, y);
    const residual = y.map((v, i) => v - intercept - slope * x[i]);

    const solver = previous?.solver ?? chooseSolver(choiceParam(spec.params, "solver", SOLVERS, "auto"), n);
    // The state-space form has only the undamped season (see above).
    const asked = previous?.season ?? choiceParam(spec.params, "season", SEASONS, "evolving");
    const season: Season = solver === "state-space" ? "stable" : asked;
    const kernel = previous
      ? kernelFromJSON(previous.gp.kernel)
      : defaultKernel(series.period !== null, trend, solver, season);
    const gpOptions = {
      kernel,
      normalizeY: true,
      alpha: 1e-8,
      optimize: previous === undefined,
      restarts,
      rng: new Rng(spec.seed),
    };
    const lastStep = series.steps[n - 1];
    const X = matrixFrom(n, 1, x);
    const common = {
      timeIndex: series.timeIndex,
      period: series.period,
      scale,
      xOffset,
      trend,
      transform,
      trendIntercept: intercept,
      trendSlope: slope,
      lastStep,
      solver,
      season,
    };
    const signature = forecastSignature(spec, series.timeIndex, lastStep);
    if (solver === "state-space") {
      const gp = new StateSpaceGaussianProcess(gpOptions).fit(X, residual);
      const state = gp.toJSON();
      const json: GpForecastJson = {
        ...common,
        gp: {
          kernel: state.kernel,
          alpha: state.alpha,
          normalizeY: state.normalizeY,
          yMean: state.yMean,
          yStd: state.yStd,
          jitter: 0,
          logMarginalLikelihood: state.logMarginalLikelihood,
          n,
          filteredX: state.filtered.x,
        },
      };
      const blobs = { filteredMean: state.filtered.mean, filteredCov: state.filtered.cov };
      return new GpForecaster(signature, json, (xs) => gp.predict(xs), blobs);
    }
    const gp = new GaussianProcessRegressor(gpOptions).fit(X, residual);
    const state = gp.toJSON();
    const json: GpForecastJson = {
      ...common,
      gp: {
        kernel: state.kernel,
        alpha: 1e-8,
        normalizeY: state.normalizeY,
        yMean: state.yMean,
        yStd: state.yStd,
        jitter: state.jitter,
        logMarginalLikelihood: state.logMarginalLikelihood,
        n,
      },
    };
    const blobs = { xTrain: state.xTrain.data, yTrain: state.yTrain, dualCoef: state.dualCoef, L: state.L.data };
    return new GpForecaster(signature, json, denseAnswer(gp), blobs);
  },
  load(state: ModelState, signature: Signature): FittedModel {
    return build(signature, state.json as unknown as GpForecastJson, state.blobs);
  },
};

/** The solver for n observations: as asked, or under `auto` the Kalman filter past STATE_SPACE_MIN_POINTS. */
export function chooseSolver(asked: Solver | "auto", n: number): Solver {
  if (asked !== "auto") return asked;
  return n > STATE_SPACE_MIN_POINTS ? "state-space" : "dense";
}

/** Ordinary least-squares line y ≈ a + b·x. */
function leastSquaresLine(x: Float64Array, y: Float64Array): [number, number] {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
  }
  const b = sxx > 0 ? sxy / sxx : 0;
  return [my - b * mx, b];
}
