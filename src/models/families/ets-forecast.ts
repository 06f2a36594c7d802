import type { Frame } from "../../core/index.js";
import { SlipwayError } from "../../core/index.js";
import type { TimeIndex } from "../../features/index.js";
import {
  type EtsConfig,
  type EtsError,
  type EtsFit,
  type EtsSeason,
  type EtsSmoothing,
  type EtsTrend,
  errorOf,
  etsForecastVariance,
  etsPointForecast,
  etsSimulatedQuantiles,
  fitEts,
  isNonlinear,
  selectEts,
} from "../../ml/ets/index.js";
import { Rng } from "../../ml/random.js";
import { normalQuantile } from "../../ml/stats/normal.js";
import type { FitOptions, FittedModel, ForecastRow, ModelState, Signature, TrainSpec } from "../estimator.js";
import { forecastRows, StepForecaster, seriesFromFrame } from "../series.js";
import { choiceParam, numberParam } from "./family-helpers.js";
import { forecastSignature } from "./linear-forecast.js";
import { stepGrid, wholePeriod } from "./step-grid.js";

/** The `error`, `trend` and `seasonal` parameters: one model's component, or "auto" to choose it by AICc. */
export type EtsErrorParam = "auto" | EtsError;
export type EtsTrendParam = "auto" | EtsTrend;
export type EtsSeasonParam = "auto" | EtsSeason;

interface StatesJson {
  level: number;
  trend: number;
  season: number[];
}

/**
 * Exponential smoothing forecaster: the ETS(E, T, S) model with the lowest AICc among the errors, trends and
 * seasons allowed by `error`, `trend` and `seasonal` (see ml/ets/select-ets.ts), parameters and initial states by
 * maximum likelihood. Intervals: the analytic forecast variance for the linear models (additive error, season
 * none or additive), and simulated quantiles (2000 paths from the run's seed) for a multiplicative error or
 * season, which have no closed form.
 *
 * A champion's replay (`hyperparametersFrom`) keeps its model (trend, season, period) and smoothing parameters
 * (α, β, γ, φ) and re-estimates only the initial states on the new rows — they belong to where the data starts,
 * while the smoothing parameters are what the model learnt about how the series moves.
 */
interface EtsForecastJson {
  timeIndex: TimeIndex;
  /** Step index of the first grid position, and the grid's length (observed steps and gaps). */
  firstStep: number;
  gridLength: number;
  lastStep: number;
  model: string;
  config: EtsConfig;
  smoothing: EtsSmoothing;
  initial: StatesJson;
  final: StatesJson;
  sigma2: number;
  logLikelihood: number;
  aic: number;
  aicc: number;
  bic: number;
  observations: number;
  parameters: number;
  /**
   * The models compared when the model was chosen (AICc null where one could not be fitted); a replay keeps the
   * comparison of the fit it replays, on that fit's rows.
   */
  candidates: { model: string; aicc: number | null }[];
  /** True when the smoothing parameters came from another fit and only initial states were estimated. */
  replayed: boolean;
  /** Seed of the interval simulation (multiplicative error or season), so a model's intervals are reproducible. */
  simulationSeed: number;
}

/** Paths drawn for a nonlinear model's intervals: the 2.5% quantile then rests on ~50 draws. */
const SIMULATION_PATHS = 2000;

class EtsForecaster extends StepForecaster {
  readonly family = "ets" as const;
  private readonly finalSeason: Float64Array;

  constructor(
    signature: Signature,
    private readonly json: EtsForecastJson,
    private readonly fitted: Float64Array,
  ) {
    super(signature, json.timeIndex, json.lastStep);
    this.finalSeason = Float64Array.from(json.final.season);
  }

  protected forecastSteps(steps: Float64Array, level: number): ForecastRow[] {
    const { config, smoothing, sigma2, firstStep, gridLength, timeIndex } = this.json;
    const lastPosition = gridLength - 1;
    let horizon = 0;
    for (let i = 0; i < steps.length; i++) horizon = Math.max(horizon, Math.round(steps[i]) - firstStep - lastPosition);
    const final = { level: this.json.final.level, trend: this.json.final.trend, season: this.finalSeason };
    const point = etsPointForecast(config, smoothing, final, gridLength, horizon);
    const z = normalQuantile(0.5 + level / 2);
    const simulated = isNonlinear(config) && horizon > 0;
    const halfWidthAhead = new Float64Array(horizon);
    let bounds: Float64Array[] = [];
    if (simulated) {
      const rng = new Rng(this.json.simulationSeed);
      const tails = [(1 - level) / 2, (1 + level) / 2];
      bounds = etsSimulatedQuantiles(
        config,
        smoothing,
        final,
        gridLength,
        sigma2,
        horizon,
        tails,
        rng,
        SIMULATION_PATHS,
      );
    } else if (horizon > 0) {
      const variance = etsForecastVariance(config, smoothing, sigma2, horizon);
      for (let h = 0; h < horizon; h++) halfWidthAhead[h] = z * Math.sqrt(variance[h]);
    }
    const mean = new Float64Array(steps.length);
    const halfWidth = new Float64Array(steps.length);
    const ahead = new Int32Array(steps.length); // h ≥ 1 ahead of the data, 0 in-sample
    const oneStep = z * Math.sqrt(sigma2);
    const relative = errorOf(config) === "multiplicative";
    for (let i = 0; i < steps.length; i++) {
      const position = Math.round(steps[i]) - firstStep;
      if (position > lastPosition) {
        const h = position - lastPosition;
        ahead[i] = h;
        mean[i] = point[h - 1];
        halfWidth[i] = halfWidthAhead[h - 1];
      } else {
        // A time inside the data: the one-step-ahead fitted value (before the first step, the first one).
        mean[i] = this.fitted[Math.max(0, position)];
        // σ is relative under a multiplicative error: the one-step sd is σ μ_t.
        halfWidth[i] = relative ? oneStep * Math.abs(mean[i]) : oneStep;
      }
    }
    const rows = forecastRows(timeIndex, steps, mean, halfWidth);
    if (simulated) {
      for (let i = 0; i < rows.length; i++) {
        const h = ahead[i];
        if (h === 0) continue;
        const row = rows[i] as ForecastRow;
        row.lower = bounds[0][h - 1];
        row.upper = bounds[1][h - 1];
      }
    }
    return rows;
  }

  describe(): Record<string, unknown> {
    const j = this.json;
    const { alpha, beta, gamma, phi } = j.smoothing;
    return {
      model: j.model,
      aicc: j.aicc,
      aic: j.aic,
      bic: j.bic,
      logLikelihood: j.logLikelihood,
      alpha,
      ...(j.config.trend !== "none" ? { beta } : {}),
      ...(j.config.season !== "none" ? { gamma } : {}),
      ...(j.config.trend === "damped" ? { phi } : {}),
      // Relative to the level (a share of μ) under a multiplicative error.
      sigma: Math.sqrt(j.sigma2),
      period: j.config.season === "none" ? null : j.config.period,
      initialStates: j.initial,
      intervals: isNonlinear(j.config) ? "simulated" : "analytic",
      estimated: j.replayed ? "initial states (smoothing parameters replayed)" : "all parameters",
      candidates: j.candidates,
    };
  }

  state(): ModelState {
    return { json: { ...this.json }, blobs: { fitted: this.fitted } };
  }
}

export const etsForecastFamily = {
  fit(train: Frame, spec: TrainSpec, options: FitOptions = {}): FittedModel {
    const periodParam = numberParam(spec.params, "period", { min: 2, optional: true });
    const error = choiceParam<EtsErrorParam>(spec.params, "error", ["auto", "additive", "multiplicative"], "auto");
    const trend = choiceParam<EtsTrendParam>(spec.params, "trend", ["auto", "none", "additive", "damped"], "auto");
    const seasonal = choiceParam<EtsSeasonParam>(
      spec.params,
      "seasonal",
      ["auto", "none", "additive", "multiplicative"],
      "auto",
    );
    const series = seriesFromFrame(train, spec.timeColumn as string, spec.target, periodParam);
    const grid = stepGrid(series);
    const previous = options.hyperparametersFrom?.json as EtsForecastJson | undefined;
    let fit: EtsFit;
    let candidates: EtsForecastJson["candidates"] = [];
    if (previous) {
      fit = fitEts(grid.y, previous.config, { smoothing: previous.smoothing });
      candidates = previous.candidates;
      if (!Number.isFinite(fit.sse)) {
        throw new SlipwayError("SLP_TRAIN_FAILED", `${previous.model} cannot be replayed on these rows`, [
          { field: spec.target, reason: "inadmissible for the replayed model" },
        ]);
      }
    } else {
      const selection = selectEts(grid.y, {
        period: wholePeriod(series.period),
        error,
        trend,
        season: seasonal,
      });
      fit = selection.best;
      candidates = selection.candidates.map((c) => ({
        model: c.name,
        aicc: Number.isFinite(c.aicc) ? c.aicc : null,
      }));
    }
    const lastStep = series.steps[series.steps.length - 1];
    const json: EtsForecastJson = {
      timeIndex: series.timeIndex,
      firstStep: grid.firstStep,
      gridLength: grid.y.length,
      lastStep,
      model: fit.name,
      config: fit.config,
      smoothing: fit.smoothing,
      initial: statesJson(fit.initial),
      final: statesJson(fit.final),
      sigma2: fit.sigma2,
      logLikelihood: fit.logLikelihood,
      aic: fit.aic,
      aicc: fit.aicc,
      bic: fit.bic,
      observations: fit.observations,
      parameters: fit.parameters,
      candidates,
      replayed: previous !== undefined,
      simulationSeed: spec.seed,
    };
    return new EtsForecaster(forecastSignature(spec, series.timeIndex, lastStep), json, fit.fitted);
  },
  load(state: ModelState, signature: Signature): FittedModel {
    return new EtsForecaster(signature, state.json as unknown as EtsForecastJson, state.blobs.fitted);
  },
};

function statesJson(s: { level: number; trend: number; season: Float64Array }): StatesJson {
  return { level: s.level, trend: s.trend, season: Array.from(s.season) };
}
