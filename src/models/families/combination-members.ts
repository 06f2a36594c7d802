import { invalidInput } from "../../core/index.js";
import type { FittedModel, ModelFamily, ModelFamilyName, ModelState } from "../estimator.js";

/** A member as asked for in `params.members`. */
export interface CombinationMemberSpec {
  family: ModelFamilyName;
  /** Parameters this member adds to the spec's (a variant of its family, such as a GP on log values). */
  params?: Record<string, unknown>;
  weight: number;
}

/** A member with the model fitted for it (weights normalised over the members that fitted). */
export interface FittedMember {
  spec: CombinationMemberSpec;
  model: FittedModel;
}

/** Members asked for that could not be fitted, with why. */
export type DroppedMember = { family: ModelFamilyName; params?: Record<string, unknown>; error: string };

interface MemberJson extends CombinationMemberSpec {
  json: Record<string, unknown>;
  /** Names of the member's blobs, stored in the bundle as `<index>.<name>`. */
  blobNames: string[];
}

/** The JSON state of a combination, forecasting or tabular. */
export interface CombinationJson {
  members: MemberJson[];
  dropped: DroppedMember[];
}

/** How the combination finds its members' families (injected by families/index.ts, which lists them all). */
export type MemberFamilies = (family: ModelFamilyName) => Pick<ModelFamily, "fit" | "load">;

/**
 * A combination's state: each member's JSON inside `members`, member `i`'s blobs as `<i>.<name>` (so two members'
 * arrays never collide, nor with the combination's own `blobs`, whose names have no such prefix).
 */
export function combinationState(
  members: FittedMember[],
  dropped: DroppedMember[],
  own: Record<string, Float64Array> = {},
): ModelState {
  const blobs: Record<string, Float64Array> = { ...own };
  const json: CombinationJson = {
    members: members.map(({ spec, model }, i) => {
      const s = model.state();
      for (const [name, array] of Object.entries(s.blobs)) blobs[`${i}.${name}`] = array;
      return { ...spec, json: s.json, blobNames: Object.keys(s.blobs) };
    }),
    dropped,
  };
  return { json: { ...json }, blobs };
}

/** Each stored member's spec and own state (its JSON, and its blobs without the `<i>.` prefix). */
export function storedMembers(state: ModelState): { spec: CombinationMemberSpec; state: ModelState }[] {
  const json = state.json as unknown as CombinationJson;
  return json.members.map((m, i) => {
    const blobs: Record<string, Float64Array> = {};
    for (const name of m.blobNames) blobs[name] = state.blobs[`${i}.${name}`] as Float64Array;
    return {
      spec: { family: m.family, ...(m.params ? { params: m.params } : {}), weight: m.weight },
      state: { json: m.json, blobs },
    };
  });
}

/** The blobs a combination keeps for itself: those without a member's `<i>.` prefix. */
export function ownBlobs(state: ModelState): Record<string, Float64Array> {
  return Object.fromEntries(Object.entries(state.blobs).filter(([name]) => !/^\d+\./.test(name)));
}

export function withoutMembers(params: Record<string, unknown>): Record<string, unknown> {
  const { members: _, ...rest } = params;
  return rest;
}

/** Validates `params.members`: at least one member, each a family other than a combination and a positive weight. */
export function memberSpecs(params: Record<string, unknown>): CombinationMemberSpec[] {
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
      throw invalidInput("a member names a family", [
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
