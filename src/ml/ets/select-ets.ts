import { SlipwayError } from "../../core/index.js";
import type { EtsConfig, EtsError, EtsSeason, EtsTrend } from "./ets-model.js";
import { etsName, freeParameterCount, observedCount } from "./ets-model.js";
import { type EtsFit, fitEts } from "./fit-ets.js";

/** Which models to consider: a fixed error, trend or season, or "auto" for every admissible one. */
export interface EtsSearch {
  /** Seasonal period m in steps (an integer ≥ 2), or null for a series without a season. */
  period: number | null;
  /** Default "auto". */
  error?: EtsError | "auto";
  trend: EtsTrend | "auto";
  season: EtsSeason | "auto";
  maxIterations?: number;
}

export interface EtsCandidate {
  name: string;
  config: EtsConfig;
  /** +∞ when the fit failed or had too few observations for its parameters. */
  aicc: number;
  error?: string;
}

export interface EtsSelection {
  best: EtsFit;
  /** Every model fitted, in search order, with its AICc. */
  candidates: EtsCandidate[];
}

/**
 * The largest period "auto" models seasonally: with more, the m − 1 free seasonal states swamp the data and the
 * likelihood surface flattens (R's forecast::ets ignores seasonality above 24 for the same reason).
 */
export const MAX_AUTO_PERIOD = 24;

const ERRORS: readonly EtsError[] = ["additive", "multiplicative"];
const TRENDS: readonly EtsTrend[] = ["none", "additive", "damped"];
const SEASONS: readonly EtsSeason[] = ["none", "additive", "multiplicative"];

/**
 * Fits every admissible ETS(E, T, S) of the search and keeps the one with the lowest AICc (Hyndman et al. 2008,
 * ch. 7; Hyndman & Khandakar 2008; FPP3 §8.6), the earlier one in A < M error, N < A < M season, N < A < Ad
 * trend order on a tie. Under "auto": a season needs a period of 2 … 24 and two complete seasons of data; a
 * multiplicative error or season needs strictly positive data; a model needs more observations than
 * parameters + 1 (so AICc is finite). When the error is "auto", an additive error is not combined with a
 * multiplicative season: ETS(A,·,M) divides by states that an additive error can push to zero, so it is
 * numerically unstable, and R's forecast::ets leaves it out of its automatic search for that reason (ETS(M,·,M)
 * takes its place). A fixed choice that breaks a data requirement is refused with `SLP_TRAIN_FAILED` naming the
 * parameter.
 */
export function selectEts(y: Float64Array, search: EtsSearch): EtsSelection {
  const n = observedCount(y);
  const m = search.period;
  const positive = isStrictlyPositive(y);
  const seasonalPossible = m !== null && Number.isInteger(m) && m >= 2 && n >= 2 * m;
  const errorSearch = search.error ?? "auto";
  if (search.season !== "auto" && search.season !== "none") {
    if (m === null || !Number.isInteger(m) || m < 2) {
      throw refuse("period", `a ${search.season} season needs a whole seasonal period ≥ 2; got ${m ?? "none"}`);
    }
    if (n < 2 * m) {
      throw refuse("seasonal", `a seasonal model needs two complete seasons (${2 * m} observations); got ${n}`);
    }
    if (search.season === "multiplicative" && !positive) {
      throw refuse("seasonal", "a multiplicative season needs strictly positive data");
    }
  }
  if (errorSearch === "multiplicative" && !positive) {
    throw refuse("error", "a multiplicative error needs strictly positive data");
  }
  const errors = errorSearch !== "auto" ? [errorSearch] : ERRORS.filter((e) => e === "additive" || positive);
  const trends = search.trend === "auto" ? TRENDS : [search.trend];
  const seasons =
    search.season !== "auto"
      ? [search.season]
      : SEASONS.filter(
          (s) =>
            s === "none" || (seasonalPossible && (m as number) <= MAX_AUTO_PERIOD && (s === "additive" || positive)),
        );
  const forms: { error: EtsError; season: EtsSeason }[] = [];
  for (const error of errors) {
    for (const season of seasons) {
      // The unstable ETS(A,·,M) is left out unless the error was fixed to additive (see above); with the
      // season fixed to multiplicative and the error on auto, ETS(M,·,M) remains.
      if (errorSearch === "auto" && error === "additive" && season === "multiplicative") continue;
      forms.push({ error, season });
    }
  }

  const candidates: EtsCandidate[] = [];
  let best: EtsFit | null = null;
  for (const { error, season } of forms) {
    for (const trend of trends) {
      const config: EtsConfig = { error, trend, season, period: season === "none" ? 1 : (m as number) };
      const name = etsName(config);
      const k = freeParameterCount(config) + 1;
      if (n - k - 1 < 1) {
        candidates.push({ name, config, aicc: Number.POSITIVE_INFINITY, error: `needs more than ${k + 1} values` });
        continue;
      }
      const fit = fitEts(y, config, search.maxIterations ? { maxIterations: search.maxIterations } : {});
      if (!Number.isFinite(fit.aicc)) {
        candidates.push({ name, config, aicc: Number.POSITIVE_INFINITY, error: "no admissible fit" });
        continue;
      }
      candidates.push({ name, config, aicc: fit.aicc });
      if (best === null || fit.aicc < best.aicc) best = fit;
    }
  }
  if (best === null) {
    throw new SlipwayError(
      "SLP_TRAIN_FAILED",
      `no exponential smoothing model could be fitted to ${n} observations: ${candidates
        .map((c) => `${c.name} ${c.error}`)
        .join("; ")}`,
      [{ field: "/params", reason: "no admissible ETS model" }],
    );
  }
  return { best, candidates };
}

function refuse(param: string, message: string): SlipwayError {
  return new SlipwayError("SLP_TRAIN_FAILED", message, [{ field: `/params/${param}`, reason: message }]);
}

function isStrictlyPositive(y: Float64Array): boolean {
  for (let i = 0; i < y.length; i++) if (y[i] <= 0) return false; // NaN compares false: a gap is not a refusal
  return true;
}
