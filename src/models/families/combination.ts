import { type Frame, SlipwayError, type Task } from "../../core/index.js";
import type {
  FitOptions,
  FittedModel,
  ForecastRow,
  ModelFamily,
  ModelState,
  Signature,
  TrainSpec,
} from "../estimator.js";
import {
  type CombinationJson,
  type CombinationMemberSpec,
  combinationState,
  type DroppedMember,
  type FittedMember,
  type MemberFamilies,
  memberSpecs,
  ownBlobs,
  storedMembers,
  withoutMembers,
} from "./combination-members.js";
import { combinationScores, TabularCombination } from "./combination-tabular.js";
import { CONFORMAL_SCORES_BLOB } from "./conformal-interval.js";
import { notTabular } from "./family-helpers.js";

export type { CombinationMemberSpec, FittedMember, MemberFamilies } from "./combination-members.js";

/**
 * A weighted combination of models of one task, every member fitted on the same rows, with weights wᵢ ≥ 0 summing
 * to 1: forecasters here, tabular models in combination-tabular.ts. `auto` forms one (see models/train.ts); it is a
 * family like any other, whose hyperparameters are its members and their weights (`params.members`:
 * `[{ family, params?, weight }]`, weights normalised here). A forecast's mean is Σ wᵢ·meanᵢ and each interval
 * bound is Σ wᵢ·boundᵢ at the same level (Bates & Granger 1969; FPP3 §13.4).
 *
 * Bounds are averaged quantile by quantile rather than mixing the members' predictive distributions
 * (Lichtendahl, Grushka-Cockayne & Winkler 2013, "Is it better to average probabilities or quantiles?",
 * Management Science 59(7)): the quantile average has the same mean as the mixture but is sharper, and when the
 * members are calibrated with differing centres the mixture is underconfident, so the quantile average scores
 * better under proper scoring rules. It also needs only what each member reports (its bounds at the level asked),
 * where the mixture's quantiles would need every member's whole distribution.
 *
 * A member that fails to fit is dropped and the others' weights renormalised; the drop is recorded in the state
 * and the description. A replay (`hyperparametersFrom`) replays each member from its own state with the stored
 * weights, dropping (and renormalising over) any member that cannot be replayed on the new rows.
 */
class CombinationForecaster implements FittedModel {
  readonly family = "combination" as const;

  constructor(
    readonly signature: Signature,
    private readonly members: FittedMember[],
    private readonly dropped: DroppedMember[],
  ) {}

  forecast(horizon: number, level: number, seriesId?: string): ForecastRow[] {
    return this.combine(this.members.map((m) => m.model.forecast(horizon, level, seriesId)));
  }

  forecastAt(times: Float64Array, level: number, seriesId?: string): ForecastRow[] {
    return this.combine(this.members.map((m) => m.model.forecastAt(times, level, seriesId)));
  }

  /** Row by row, the weighted means of the members' means and bounds (the members answer the same times). */
  private combine(answers: ForecastRow[][]): ForecastRow[] {
    const first = answers[0] as ForecastRow[];
    return first.map((row, i) => {
      let mean = 0;
      let lower = 0;
      let upper = 0;
      for (let k = 0; k < answers.length; k++) {
        const w = (this.members[k] as { spec: CombinationMemberSpec }).spec.weight;
        const r = (answers[k] as ForecastRow[])[i] as ForecastRow;
        mean += w * r.mean;
        lower += w * r.lower;
        upper += w * r.upper;
      }
      return { time: row.time, mean, lower, upper };
    });
  }

  predict(): never {
    return notTabular(this.signature);
  }

  describe(): Record<string, unknown> {
    return {
      intervals: "weighted mean of the members' bounds (quantile averaging)",
      members: this.members.map(({ spec, model }) => ({
        family: spec.family,
        ...(spec.params ? { params: spec.params } : {}),
        weight: spec.weight,
        description: model.describe(),
      })),
      ...(this.dropped.length > 0 ? { dropped: this.dropped } : {}),
    };
  }

  state(): ModelState {
    return combinationState(this.members, this.dropped);
  }
}

/** The combination family for `task`, resolving its members' families with `families`. */
export function combinationFamily(task: Task, families: MemberFamilies): Pick<ModelFamily, "fit" | "load"> {
  return {
    fit(train: Frame, spec: TrainSpec, options: FitOptions = {}): FittedModel {
      const asked: (CombinationMemberSpec & { from?: ModelState })[] = options.hyperparametersFrom
        ? storedMembers(options.hyperparametersFrom).map((m) => ({ ...m.spec, from: m.state }))
        : memberSpecs(spec.params);
      const base = withoutMembers(spec.params);
      const fitted: FittedMember[] = [];
      const dropped: DroppedMember[] = [];
      for (const { from, ...member } of asked) {
        // Outside the try: a family this build lacks is a wrong request, not a member that failed to fit.
        const impl = families(member.family);
        const memberSpec = { ...spec, params: { ...base, ...member.params } };
        try {
          const model = impl.fit(train, memberSpec, from ? { hyperparametersFrom: from } : {});
          fitted.push({ spec: member, model });
        } catch (error) {
          // Recorded in the state and the description; the other members carry the prediction.
          dropped.push({
            family: member.family,
            ...(member.params ? { params: member.params } : {}),
            error: (error as Error).message,
          });
        }
      }
      if (fitted.length === 0) {
        throw new SlipwayError(
          "SLP_TRAIN_FAILED",
          `no member of the combination could fit: ${dropped.map((d) => `${d.family}: ${d.error}`).join("; ")}`,
          [{ field: "/params/members", reason: "every member failed" }],
        );
      }
      return combineFitted(task, fitted, train, spec, dropped);
    },

    load(state: ModelState, signature: Signature): FittedModel {
      const members = storedMembers(state).map(({ spec, state: own }) => ({
        spec,
        model: families(spec.family).load(own, signature),
      }));
      const dropped = (state.json as unknown as CombinationJson).dropped ?? [];
      if (task === "forecast") return new CombinationForecaster(signature, members, dropped);
      return new TabularCombination(signature, members, dropped, ownBlobs(state));
    },
  };
}

/**
 * The combination of members already fitted on `train` (as `auto` has them after scoring each alone), weights
 * normalised to sum to 1; a tabular regression calibrates its interval on the combination's held-out residuals.
 */
export function combineFitted(
  task: Task,
  members: FittedMember[],
  train: Frame,
  spec: TrainSpec,
  dropped: DroppedMember[] = [],
): FittedModel {
  const total = members.reduce((sum, m) => sum + m.spec.weight, 0);
  const normalised = members.map((m) => ({ ...m, spec: { ...m.spec, weight: m.spec.weight / total } }));
  const signature = (members[0] as FittedMember).model.signature;
  if (task === "forecast") return new CombinationForecaster(signature, normalised, dropped);
  const scores = combinationScores(normalised, train, spec);
  return new TabularCombination(signature, normalised, dropped, scores ? { [CONFORMAL_SCORES_BLOB]: scores } : {});
}
