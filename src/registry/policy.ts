/**
 * A model's release policy: `auto` or `manual`, and the gate conditions a version must meet to reach production
 * (see `gate.ts`). The conditions are checked inside the transaction of the move they guard, against the version
 * `production` points at in that transaction, so a champion that changes meanwhile cannot be skipped.
 */
import type { Kysely, Transaction } from "kysely";
import { invalidInput, SlipwayError } from "../core/index.js";
import type { Database } from "../store/index.js";
import { audit } from "./audit.js";
import {
  evaluateGate,
  failedSummary,
  formatGateCondition,
  type GateCheck,
  type GateCondition,
  gateProblems,
  normalizeCondition,
} from "./gate.js";
import type { ReleasePolicy } from "./registry.js";
import type { Actor, ReleaseDeps } from "./releases.js";

export interface PolicyState {
  policy: ReleasePolicy;
  gate: GateCondition[];
}

export async function policyOf(deps: ReleaseDeps, model: string): Promise<ReleasePolicy> {
  return (await policyIn(deps.db, model)).policy;
}

/** The model's policy and gate conditions; SLP_MODEL_NOT_FOUND for an unknown model. */
export async function policyIn(db: Kysely<Database>, model: string): Promise<PolicyState> {
  const row = await db
    .selectFrom("models")
    .select(["release_policy", "release_gate_json"])
    .where("name", "=", model)
    .executeTakeFirst();
  if (!row) throw notFound(model);
  return { policy: row.release_policy as ReleasePolicy, gate: JSON.parse(row.release_gate_json) as GateCondition[] };
}

/** Sets a model's release policy (audited as `policy`); returns the policy before. */
export async function setPolicy(
  deps: ReleaseDeps,
  model: string,
  policy: ReleasePolicy,
  by: Actor,
): Promise<{ model: string; from: ReleasePolicy; to: ReleasePolicy }> {
  const r = await updatePolicy(deps, model, { policy }, by);
  return { model, from: r.from.policy, to: r.to.policy };
}

/**
 * Sets the policy, the gate conditions, or both, in one transaction: a `policy` audit row when the policy is given,
 * a `policy.gate` row (conditions before and after) when the conditions are. `gate: []` removes every condition.
 */
export async function updatePolicy(
  deps: ReleaseDeps,
  model: string,
  change: { policy?: ReleasePolicy; gate?: readonly GateCondition[] },
  by: Actor,
): Promise<{ model: string; from: PolicyState; to: PolicyState }> {
  const gate = change.gate?.map(normalizeCondition);
  if (gate !== undefined) {
    const problems = gateProblems(gate, "/gate");
    if (problems.length > 0) throw invalidInput("invalid gate conditions", problems);
  }
  return deps.db.transaction().execute(async (trx) => {
    const from = await policyIn(trx, model);
    const to: PolicyState = { policy: change.policy ?? from.policy, gate: gate ?? from.gate };
    await trx
      .updateTable("models")
      .set({ release_policy: to.policy, release_gate_json: JSON.stringify(to.gate) })
      .where("name", "=", model)
      .execute();
    const now = deps.clock.now();
    if (change.policy !== undefined) {
      await audit(
        trx,
        now,
        by.actor,
        "policy",
        model,
        null,
        null,
        null,
        `${from.policy} -> ${to.policy}: ${by.reason}`,
      );
    }
    if (gate !== undefined) {
      const what = `gate ${gateText(from.gate)} -> ${gateText(to.gate)}: ${by.reason}`;
      await audit(trx, now, by.actor, "policy.gate", model, null, null, null, what);
    }
    return { model, from, to };
  });
}

/** Conditions in the CLI's syntax, `none` for none. */
export function gateText(gate: readonly GateCondition[]): string {
  return gate.length === 0 ? "none" : gate.map(formatGateCondition).join(", ");
}

/**
 * Checks `version` against the model's gate conditions inside `trx`; null when the policy has none. The champion
 * is the version `production` points at; a version checked against itself is its own champion.
 */
export async function checkGateIn(
  trx: Transaction<Database>,
  model: string,
  version: number,
  gate: readonly GateCondition[],
): Promise<GateCheck | null> {
  if (gate.length === 0) return null;
  const metricsOf = async (v: number) => {
    const row = await trx
      .selectFrom("model_versions")
      .select("metrics_json")
      .where("model", "=", model)
      .where("version", "=", v)
      .executeTakeFirstOrThrow();
    return JSON.parse(row.metrics_json) as Record<string, number>;
  };
  const production = await trx
    .selectFrom("aliases")
    .select("version")
    .where("model", "=", model)
    .where("alias", "=", "production")
    .executeTakeFirst();
  const champion = production ? { version: production.version, metrics: await metricsOf(production.version) } : null;
  return evaluateGate(gate, { version, metrics: await metricsOf(version) }, champion);
}

/**
 * Audits a forced release inside the move's transaction (`gate.override`: the failed bounds and the reason). The
 * alias column stays empty: only alias moves carry one, which is what rollback reads.
 */
export async function auditOverride(
  trx: Transaction<Database>,
  now: number,
  model: string,
  check: GateCheck,
  by: Actor,
): Promise<void> {
  const what = `${failedSummary(check)}: ${by.reason}`;
  await audit(trx, now, by.actor, "gate.override", model, null, check.championVersion, check.candidateVersion, what);
}

/** Audits a promotion or an approval the gate refused (`promote.refused`, `approve.refused`), in its own transaction. */
export async function auditRefusal(
  deps: ReleaseDeps,
  model: string,
  action: "promote.refused" | "approve.refused",
  check: GateCheck,
  by: Actor,
): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const what = `${failedSummary(check)}: ${by.reason}`;
    await audit(
      trx,
      deps.clock.now(),
      by.actor,
      action,
      model,
      null,
      check.championVersion,
      check.candidateVersion,
      what,
    );
  });
}

export function notFound(model: string): SlipwayError {
  return new SlipwayError("SLP_MODEL_NOT_FOUND", `no model named ${model}`, [{ field: "model", reason: "not found" }]);
}
