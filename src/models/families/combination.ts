import { type Frame, invalidInput, SlipwayError } from "../../core/index.js";
import type {
  FitOptions,
  FittedModel,
  ForecastRow,
  ModelFamily,
  ModelFamilyName,
  ModelState,
  Signature,
  TrainSpec,
} from "../estimator.js";
import { notTabular } from "./family-helpers.js";

/**
 * A weighted combination of forecasters (Bates & Granger 1969; FPP3 §13.4): every member is fitted on the same
 * rows, the forecast mean is Σ wᵢ·meanᵢ and each interval bound is Σ wᵢ·boundᵢ at the same level, with weights
 * wᵢ ≥ 0 summing to 1. `auto` forms one from the candidates of its backtest (see models/train.ts); it is a family
 * like any other, whose hyperparameters are its members and their weights (`params.members`:
 * `[{ family, params?, weight }]`, weights normalised here).
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
export interface CombinationMemberSpec {
  family: ModelFamilyName;
  /** Parameters this member adds to the spec's (a variant of its family, such as a GP on log values). */
  params?: Record<string, unknown>;
  weight: number;
}

interface MemberJson extends CombinationMemberSpec {
  json: Record<string, unknown>;
  /** Names of the member's blobs, stored in the bundle as `<index>.<name>`. */
  blobNames: string[];
}

interface CombinationJson {
  members: MemberJson[];
  /** Members asked for that could not be fitted, with why. */
  dropped: { family: ModelFamilyName; params?: Record<string, unknown>; error: string }[];
}

/** How the combination finds its members' families (injected by families/index.ts, which lists them all). */
export type MemberFamilies = (family: ModelFamilyName) => Pick<ModelFamily, "fit" | "load">;

class CombinationForecaster implements FittedModel {
  readonly family = "combination" as const;

  constructor(
    readonly signature: Signature,
    private readonly members: { spec: CombinationMemberSpec; model: FittedModel }[],
    private readonly dropped: CombinationJson["dropped"],
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
    const blobs: Record<string, Float64Array> = {};
    const members: MemberJson[] = this.members.map(({ spec, model }, i) => {
      const s = model.state();
      for (const [name, array] of Object.entries(s.blobs)) blobs[`${i}.${name}`] = array;
      return { ...spec, json: s.json, blobNames: Object.keys(s.blobs) };
    });
    const json: CombinationJson = { members, dropped: this.dropped };
    return { json: { ...json }, blobs };
  }
}

/** The combination family, resolving its members' families with `families`. */
export function combinationFamily(families: MemberFamilies): Pick<ModelFamily, "fit" | "load"> {
  return {
    fit(train: Frame, spec: TrainSpec, options: FitOptions = {}): FittedModel {
      const previous = options.hyperparametersFrom?.json as CombinationJson | undefined;
      const asked: (CombinationMemberSpec & { from?: ModelState })[] = previous
        ? previous.members.map((m, i) => ({
            family: m.family,
            ...(m.params ? { params: m.params } : {}),
            weight: m.weight,
            from: memberState(options.hyperparametersFrom as ModelState, m, i),
          }))
        : memberSpecs(spec.params);
      const base = withoutMembers(spec.params);
      const fitted: { spec: CombinationMemberSpec; model: FittedModel }[] = [];
      const dropped: CombinationJson["dropped"] = [];
      for (const { from, ...member } of asked) {
        // Outside the try: a family this build lacks is a wrong request, not a member that failed to fit.
        const impl = families(member.family);
        const memberSpec = { ...spec, params: { ...base, ...member.params } };
        try {
          const model = impl.fit(train, memberSpec, from ? { hyperparametersFrom: from } : {});
          fitted.push({ spec: member, model });
        } catch (error) {
          // Recorded in the state and the description; the other members carry the forecast.
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
      const total = fitted.reduce((sum, m) => sum + m.spec.weight, 0);
      const members = fitted.map((m) => ({ ...m, spec: { ...m.spec, weight: m.spec.weight / total } }));
      return new CombinationForecaster((fitted[0] as { model: FittedModel }).model.signature, members, dropped);
    },

    load(state: ModelState, signature: Signature): FittedModel {
      const json = state.json as unknown as CombinationJson;
      const members = json.members.map((m, i) => ({
        spec: { family: m.family, ...(m.params ? { params: m.params } : {}), weight: m.weight },
        model: families(m.family).load(memberState(state, m, i), signature),
      }));
      return new CombinationForecaster(signature, members, json.dropped ?? []);
    },
  };
}

/** Member `i`'s own state: its JSON and its blobs without the `<i>.` prefix. */
function memberState(state: ModelState, member: MemberJson, i: number): ModelState {
  const blobs: Record<string, Float64Array> = {};
  for (const name of member.blobNames) blobs[name] = state.blobs[`${i}.${name}`] as Float64Array;
  return { json: member.json, blobs };
}

function withoutMembers(params: Record<string, unknown>): Record<string, unknown> {
  const { members: _, ...rest } = params;
  return rest;
}

/** Validates `params.members`: at least one member, each a family other than a combination and a positive weight. */
function memberSpecs(params: Record<string, unknown>): CombinationMemberSpec[] {
  const field = "/params/members";
  const raw = params.members;
  if (!Array.isArray(raw) || raw.length === 0) {
    throw invalidInput("a combination needs members", [{ field, reason: "expected a non-empty array" }]);
  }
  return raw.map((m: unknown, i) => {
    const at = `${field}/${i}`;
    if (typeof m !== "object" || m === null)
      throw invalidInput("a member is an object", [{ field: at, reason: "expected an object" }]);
    const { family, params: memberParams, weight } = m as Record<string, unknown>;
    if (typeof family !== "string" || family === "combination") {
      throw invalidInput("a member names a forecast family", [
        { field: `${at}/family`, reason: "expected a family other than combination" },
      ]);
    }
    if (typeof weight !== "number" || !Number.isFinite(weight) || weight <= 0) {
      throw invalidInput("a member's weight is a positive number", [
        { field: `${at}/weight`, reason: "expected a number > 0" },
      ]);
    }
    if (
      memberParams !== undefined &&
      (typeof memberParams !== "object" || memberParams === null || Array.isArray(memberParams))
    ) {
      throw invalidInput("a member's params are an object", [{ field: `${at}/params`, reason: "expected an object" }]);
    }
    return {
      family: family as ModelFamilyName,
      ...(memberParams ? { params: memberParams as Record<string, unknown> } : {}),
      weight,
    };
  });
}
