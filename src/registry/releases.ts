/**
 * Staged release: the per-model policy, approval requests, and rollback. Under `auto` a promotion moves
 * `production` at once; under `manual` it moves `staging` and opens an approval request, which a person approves
 * (moving `production`) or rejects. Each step is one transaction with its audit rows; events go out after commit.
 */
import type { Kysely } from "kysely";
import { type Clock, type EventBus, SlipwayError } from "../core/index.js";
import type { Database } from "../store/index.js";
import { audit, moveAliasIn } from "./audit.js";
import { type GateCheck, gateFailure } from "./gate.js";
import { auditOverride, auditRefusal, checkGateIn, policyIn } from "./policy.js";

/** Who does a release step, and why (both go to the audit log). */
export interface Actor {
  actor: string;
  reason: string;
}

export interface ApprovalRequest {
  id: number;
  model: string;
  version: number;
  state: "pending" | "approved" | "rejected" | "superseded";
  requestedBy: string;
  requestedAt: string;
  reason: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionReason: string | null;
}

/** What a promotion did: moved the alias (`released`), or moved `staging` and waits for approval. */
export interface PromoteResult {
  model: string;
  alias: string;
  from: number | null;
  to: number;
  status: "released" | "pending_approval";
  approval: ApprovalRequest | null;
  /** The check of the policy's gate conditions; null when none was made (no conditions, or another alias). */
  gate: GateCheck | null;
}

/** A release step that may override a failed gate: `force` with the reason, audited as `gate.override`. */
export interface ForceableActor extends Actor {
  force?: boolean;
}

/** What an approval did: moved `production`, closed the request, and the gate check made at approval. */
export interface ApproveResult {
  model: string;
  alias: string;
  from: number | null;
  to: number;
  approval: ApprovalRequest;
  gate: GateCheck | null;
}

/** The registry's view a release step needs (see `Registry`). */
export interface ReleaseDeps {
  db: Kysely<Database>;
  bus: EventBus;
  clock: Clock;
  /** Throws SLP_MODEL_NOT_FOUND unless the version exists. */
  checkVersion(model: string, version: number): Promise<void>;
}

/**
 * Promotes `version`: to `alias` when one other than `production` is named; else to `production` under the
 * `auto` policy, or to `staging` with a new approval request under `manual` (an older pending request of the model
 * is superseded). A promotion towards production must pass the policy's gate conditions, checked in the move's
 * transaction; a failure is audited as `promote.refused` and refused with SLP_GATE_FAILED unless `force` is set.
 */
export async function promote(
  deps: ReleaseDeps,
  model: string,
  version: number,
  by: ForceableActor & { alias?: string; action?: string },
): Promise<PromoteResult> {
  await deps.checkVersion(model, version);
  const alias = by.alias ?? "production";
  const action = by.action ?? "promote";
  const { force } = by;
  const who: Actor = { actor: by.actor, reason: by.reason };
  const outcome = await deps.db.transaction().execute(async (trx) => {
    const now = deps.clock.now();
    if (alias !== "production") {
      const from = await moveAliasIn(trx, now, model, alias, version, { ...who, action });
      return { kind: "moved" as const, alias, from, gate: null };
    }
    const { policy, gate: conditions } = await policyIn(trx, model);
    const gate = await checkGateIn(trx, model, version, conditions);
    if (gate && !gate.passed) {
      if (!force) return { kind: "refused" as const, gate };
      gate.forced = true;
      await auditOverride(trx, now, model, gate, who);
    }
    if (policy !== "manual") {
      const from = await moveAliasIn(trx, now, model, "production", version, { ...who, action });
      return { kind: "moved" as const, alias, from, gate };
    }
    const from = await moveAliasIn(trx, now, model, "staging", version, { ...who, action });
    const pending = await trx
      .selectFrom("approval_requests")
      .select(["id", "version"])
      .where("model", "=", model)
      .where("state", "=", "pending")
      .execute();
    for (const p of pending) {
      await trx
        .updateTable("approval_requests")
        .set({ state: "superseded", decided_by: who.actor, decided_at: now, decision_reason: `version ${version}` })
        .where("id", "=", p.id)
        .execute();
      await audit(trx, now, who.actor, "approval.supersede", model, null, p.version, version, who.reason);
    }
    const row = await trx
      .insertInto("approval_requests")
      .values({ model, version, state: "pending", requested_by: who.actor, requested_at: now, reason: who.reason })
      .returning("id")
      .executeTakeFirstOrThrow();
    await audit(trx, now, who.actor, "approval.request", model, null, null, version, who.reason);
    return { kind: "staged" as const, from, id: row.id, gate };
  });
  if (outcome.kind === "refused") {
    await auditRefusal(deps, model, "promote.refused", outcome.gate, who);
    throw gateFailure(model, version, outcome.gate);
  }
  if (outcome.kind === "moved") {
    const { from } = outcome;
    deps.bus.emit("model.alias.moved", { model, alias: outcome.alias, from, to: version, reason: who.reason });
    return { model, alias: outcome.alias, from, to: version, status: "released", approval: null, gate: outcome.gate };
  }
  const { from, id } = outcome;
  deps.bus.emit("model.alias.moved", { model, alias: "staging", from, to: version, reason: who.reason });
  const approval = await requestById(deps, id);
  deps.bus.emit("model.approval.requested", {
    model,
    version,
    requestId: id,
    requestedBy: who.actor,
    reason: who.reason,
  });
  return { model, alias: "staging", from, to: version, status: "pending_approval", approval, gate: outcome.gate };
}

/**
 * Approves the pending request for `version`: `production` moves to it (audited as `approve`). The policy's gate
 * conditions are checked again, against the production version of the moment: a failure is audited as
 * `approve.refused` and leaves the request pending, unless `force` is set.
 */
export async function approve(
  deps: ReleaseDeps,
  model: string,
  version: number,
  by: ForceableActor,
): Promise<ApproveResult> {
  const { force } = by;
  const who: Actor = { actor: by.actor, reason: by.reason };
  const outcome = await deps.db.transaction().execute(async (trx) => {
    const id = await takePending(trx, model, version);
    const gate = await checkGateIn(trx, model, version, (await policyIn(trx, model)).gate);
    const now = deps.clock.now();
    if (gate && !gate.passed) {
      if (!force) return { kind: "refused" as const, gate };
      gate.forced = true;
      await auditOverride(trx, now, model, gate, who);
    }
    await decide(trx, id, "approved", who, now);
    const from = await moveAliasIn(trx, now, model, "production", version, { ...who, action: "approve" });
    return { kind: "approved" as const, id, from, gate };
  });
  if (outcome.kind === "refused") {
    await auditRefusal(deps, model, "approve.refused", outcome.gate, who);
    throw gateFailure(model, version, outcome.gate);
  }
  const { id, from, gate } = outcome;
  deps.bus.emit("model.alias.moved", { model, alias: "production", from, to: version, reason: who.reason });
  deps.bus.emit("model.approval.decided", { model, version, requestId: id, decision: "approved", ...who });
  return { model, alias: "production", from, to: version, approval: await requestById(deps, id), gate };
}

/** Rejects the pending request for `version` (audited as `reject`); `staging` and `production` stay. */
export async function reject(deps: ReleaseDeps, model: string, version: number, by: Actor): Promise<ApprovalRequest> {
  const id = await deps.db.transaction().execute(async (trx) => {
    const id = await takePending(trx, model, version);
    const now = deps.clock.now();
    await decide(trx, id, "rejected", by, now);
    await audit(trx, now, by.actor, "reject", model, null, null, version, by.reason);
    return id;
  });
  deps.bus.emit("model.approval.decided", { model, version, requestId: id, decision: "rejected", ...by });
  return requestById(deps, id);
}

/**
 * Moves `production` back to the version it held before the current one (audited as `rollback`). Rollbacks undo
 * in turn: after 1 → 2 → 3, one rollback gives 2 and a second gives 1.
 */
export async function rollback(
  deps: ReleaseDeps,
  model: string,
  by: Actor,
): Promise<{ model: string; alias: string; from: number; to: number }> {
  await policyIn(deps.db, model); // SLP_MODEL_NOT_FOUND for an unknown model
  const { from, to } = await deps.db.transaction().execute(async (trx) => {
    const moves = await trx
      .selectFrom("audit_log")
      .select(["action", "to_version"])
      .where("model", "=", model)
      .where("alias", "=", "production")
      .orderBy("id")
      .execute();
    // The production versions in force, oldest first: a move pushes, a rollback pops.
    const stack: number[] = [];
    for (const m of moves) {
      if (m.to_version === null) continue;
      if (m.action === "rollback") stack.pop();
      else if (stack[stack.length - 1] !== m.to_version) stack.push(m.to_version);
    }
    const current = await trx
      .selectFrom("aliases")
      .select("version")
      .where("model", "=", model)
      .where("alias", "=", "production")
      .executeTakeFirst();
    const target = stack.length >= 2 && stack[stack.length - 1] === current?.version ? stack[stack.length - 2] : null;
    if (current === undefined || target === undefined || target === null) {
      throw new SlipwayError(
        "SLP_RELEASE_CONFLICT",
        `model ${model} has no earlier production version to roll back to`,
        [{ field: "model", reason: current === undefined ? "no production version" : "no earlier production version" }],
      );
    }
    const now = deps.clock.now();
    const from = await moveAliasIn(trx, now, model, "production", target, { ...by, action: "rollback" });
    return { from: from as number, to: target };
  });
  deps.bus.emit("model.alias.moved", { model, alias: "production", from, to, reason: by.reason });
  return { model, alias: "production", from, to };
}

/** Approval requests, newest first; of one model, and in one state, when given. */
export async function approvals(
  deps: ReleaseDeps,
  filter: { model?: string; state?: ApprovalRequest["state"] } = {},
): Promise<ApprovalRequest[]> {
  let q = deps.db.selectFrom("approval_requests").selectAll().orderBy("id", "desc");
  if (filter.model !== undefined) q = q.where("model", "=", filter.model);
  if (filter.state !== undefined) q = q.where("state", "=", filter.state);
  return (await q.execute()).map(toRequest);
}

async function takePending(trx: Kysely<Database>, model: string, version: number): Promise<number> {
  const row = await trx
    .selectFrom("approval_requests")
    .select("id")
    .where("model", "=", model)
    .where("version", "=", version)
    .where("state", "=", "pending")
    .executeTakeFirst();
  if (!row) {
    throw new SlipwayError("SLP_RELEASE_CONFLICT", `model ${model} has no pending approval for version ${version}`, [
      { field: "version", reason: "no pending approval request" },
    ]);
  }
  return row.id;
}

async function decide(
  trx: Kysely<Database>,
  id: number,
  state: "approved" | "rejected",
  by: Actor,
  now: number,
): Promise<void> {
  await trx
    .updateTable("approval_requests")
    .set({ state, decided_by: by.actor, decided_at: now, decision_reason: by.reason })
    .where("id", "=", id)
    .execute();
}

async function requestById(deps: ReleaseDeps, id: number): Promise<ApprovalRequest> {
  const row = await deps.db.selectFrom("approval_requests").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
  return toRequest(row);
}

function toRequest(row: {
  id: number;
  model: string;
  version: number;
  state: string;
  requested_by: string;
  requested_at: number;
  reason: string;
  decided_by: string | null;
  decided_at: number | null;
  decision_reason: string | null;
}): ApprovalRequest {
  const iso = (t: number | null) => (t === null ? null : new Date(Number(t)).toISOString());
  return {
    id: row.id,
    model: row.model,
    version: row.version,
    state: row.state as ApprovalRequest["state"],
    requestedBy: row.requested_by,
    requestedAt: iso(row.requested_at) as string,
    reason: row.reason,
    decidedBy: row.decided_by,
    decidedAt: iso(row.decided_at),
    decisionReason: row.decision_reason,
  };
}
