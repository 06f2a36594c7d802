/**
 * Canary stepping by policy. `stepCanaries` is run periodically by every serving process (`slipway serve`,
 * `slipway up`); each call takes the steps that are due by the registry's clock:
 *
 * 1. claims the step (moving `next_step_at` on by one interval, compare-and-set), so that of several processes on
 *    one store exactly one takes it;
 * 2. with `max_latency_ratio`, compares the canary's p95 latency over the last interval with production's, from the
 *    prediction log: slower than that many times production's ends the canary (`canary.abort`); too few requests
 *    on either side to compare holds the share for another interval;
 * 3. raises the share by `step` (`canary.step`), or, when that reaches 1, promotes the version through the normal
 *    promotion (the policy and its gate conditions apply; under `manual` it is staged for approval) and ends the
 *    canary (`canary.end`); a promotion the gate refuses ends it as `canary.abort`.
 *
 * A canary whose version is already production is ended. Each change is one transaction with its audit row and
 * the alias epoch bump, guarded by the claimed step, so a change made by hand meanwhile wins.
 */
import type { Selectable } from "kysely";
import { isSlipwayError } from "../core/index.js";
import type { Database } from "../store/index.js";
import { audit, bumpAliasEpoch } from "./audit.js";
import { latencyP95, MIN_REQUESTS_TO_COMPARE } from "./canary-health.js";
import { type Actor, promote, type ReleaseDeps } from "./releases.js";
import { durationText, endIn } from "./traffic.js";

export interface CanaryStepOutcome {
  model: string;
  version: number;
  /** `hold`: latency could not be compared yet; `end`: the version was production already. */
  action: "step" | "hold" | "promote" | "abort" | "end" | "error";
  fromShare: number;
  toShare: number | null;
  reason: string;
  /** The failure, for `error` (the step is tried again an interval later). */
  error?: unknown;
}

const STEPPER: Omit<Actor, "reason"> = { actor: "slipway" };

/** Takes every canary step that is due; returns what was done, for the caller's log. */
export async function stepCanaries(deps: ReleaseDeps): Promise<CanaryStepOutcome[]> {
  const now = deps.clock.now();
  const due = await deps.db
    .selectFrom("traffic_splits")
    .selectAll()
    .where("kind", "=", "canary")
    .where("next_step_at", "is not", null)
    .where("next_step_at", "<=", now)
    .orderBy("model")
    .execute();
  const outcomes: CanaryStepOutcome[] = [];
  for (const row of due) {
    const base = { model: row.model, version: row.version, fromShare: row.share };
    try {
      const outcome = await stepOne(deps, row, now);
      if (outcome) outcomes.push(outcome);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      outcomes.push({ ...base, action: "error", toShare: null, reason, error });
    }
  }
  return outcomes;
}

async function stepOne(
  deps: ReleaseDeps,
  row: Selectable<Database["traffic_splits"]>,
  now: number,
): Promise<CanaryStepOutcome | null> {
  const { model, version, share } = row;
  if (row.step === null || row.every_ms === null || row.next_step_at === null) return null;
  const everyMs = Number(row.every_ms);
  const dueAt = Number(row.next_step_at);
  const claimed = now + everyMs;
  const claim = await deps.db
    .updateTable("traffic_splits")
    .set({ next_step_at: claimed })
    .where("model", "=", model)
    .where("kind", "=", "canary")
    .where("version", "=", version)
    .where("next_step_at", "=", dueAt)
    .executeTakeFirst();
  if (Number(claim.numUpdatedRows) !== 1) return null; // another process took this step, or it changed by hand
  const only = { version, nextStepAt: claimed };
  const base = { model, version, fromShare: share };

  const production = await deps.db
    .selectFrom("aliases")
    .select("version")
    .where("model", "=", model)
    .where("alias", "=", "production")
    .executeTakeFirst();
  if (production?.version === version) {
    const reason = `version ${version} is production already`;
    return (await end(deps, model, "canary.end", reason, only))
      ? { ...base, action: "end", toShare: null, reason }
      : null;
  }

  let health = "latency not checked";
  if (row.max_latency_ratio !== null) {
    const ratio = row.max_latency_ratio;
    const window = { model, fromMs: now - everyMs, toMs: now };
    const canary = await latencyP95(deps.db, { ...window, route: "canary", version });
    const prod = await latencyP95(deps.db, { ...window, route: "production" });
    const over = `over the last ${durationText(everyMs)}`;
    if (canary.requests < MIN_REQUESTS_TO_COMPARE || prod.requests < MIN_REQUESTS_TO_COMPARE) {
      const reason =
        `latency not compared: ${canary.requests} canary and ${prod.requests} production requests ${over} ` +
        `(needs ${MIN_REQUESTS_TO_COMPARE} each); share held`;
      return { ...base, action: "hold", toShare: share, reason };
    }
    const c = canary.p95Ms as number;
    const p = prod.p95Ms as number;
    if (c > ratio * p) {
      const reason = `p95 latency ${ms(c)} > ${ratio} × production's ${ms(p)} ${over}`;
      return (await end(deps, model, "canary.abort", reason, only))
        ? { ...base, action: "abort", toShare: null, reason }
        : null;
    }
    health = `p95 latency ${ms(c)} ≤ ${ratio} × production's ${ms(p)} ${over}`;
  }

  // Shares are kept to 9 decimals so that steps such as 0.05 + 0.25 + … land on 1 exactly.
  const next = Math.round((share + (row.step as number)) * 1e9) / 1e9;
  if (next < 1) {
    const reason = `share ${share} -> ${next}: ${health}`;
    const stepped = await deps.db.transaction().execute(async (trx) => {
      const r = await trx
        .updateTable("traffic_splits")
        .set({ share: next, updated_at: now })
        .where("model", "=", model)
        .where("kind", "=", "canary")
        .where("version", "=", version)
        .where("next_step_at", "=", claimed)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return false;
      await audit(trx, now, STEPPER.actor, "canary.step", model, null, version, version, reason);
      await bumpAliasEpoch(trx);
      return true;
    });
    if (!stepped) return null;
    deps.bus.emit("model.alias.moved", { model, alias: "canary", from: version, to: version, reason });
    return { ...base, action: "step", toShare: next, reason };
  }

  let released: Awaited<ReturnType<typeof promote>>;
  try {
    released = await promote(deps, model, version, { ...STEPPER, reason: `canary schedule complete: ${health}` });
  } catch (error) {
    if (!isSlipwayError(error) || error.code !== "SLP_GATE_FAILED") throw error;
    const reason = `the release gate refused version ${version}: ${error.message}`;
    return (await end(deps, model, "canary.abort", reason, only))
      ? { ...base, action: "abort", toShare: null, reason }
      : null;
  }
  const reason =
    released.status === "released"
      ? `version ${version} promoted to production by its schedule`
      : `version ${version} staged for approval by its schedule (request ${released.approval?.id})`;
  await end(deps, model, "canary.end", reason, only);
  return { ...base, action: "promote", toShare: 1, reason };
}

/** Ends the canary the stepper claimed (audited as `action`); false when it changed meanwhile. */
async function end(
  deps: ReleaseDeps,
  model: string,
  action: "canary.end" | "canary.abort",
  reason: string,
  only: { version: number; nextStepAt: number },
): Promise<boolean> {
  const by = { ...STEPPER, reason };
  const ended = await deps.db
    .transaction()
    .execute((trx) => endIn(trx, deps.clock.now(), model, "canary", action, by, only));
  if (ended) deps.bus.emit("model.alias.moved", { model, alias: "canary", from: ended.version, to: null, reason });
  return ended !== null;
}

function ms(v: number): string {
  return `${Number(v.toPrecision(4))} ms`;
}
