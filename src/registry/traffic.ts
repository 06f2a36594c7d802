/**
 * Canary and shadow releases of a model. A canary sends `share` of the production traffic to another version (the
 * serving side routes by the `x-routing-key` header when present, so a key always lands on the same side); a
 * shadow version sees a copy of the traffic and its answers are logged, never returned. Each change is audited and
 * bumps the alias epoch, so every server picks it up as it does an alias move.
 */
import type { Kysely } from "kysely";
import type { Clock } from "../core/index.js";
import { type EventBus, invalidInput, SlipwayError } from "../core/index.js";
import type { Database } from "../store/index.js";
import { audit, bumpAliasEpoch } from "./audit.js";
import type { Actor } from "./releases.js";

export interface TrafficSplit {
  model: string;
  kind: "canary" | "shadow";
  version: number;
  /** The canary's share of production traffic in (0, 1]; 1 for a shadow (every request is copied). */
  share: number;
  updatedAt: string;
}

export interface TrafficDeps {
  db: Kysely<Database>;
  bus: EventBus;
  clock: Clock;
  checkVersion(model: string, version: number): Promise<void>;
}

/** Starts or changes (steps up, steps down) a canary. */
export function setCanary(deps: TrafficDeps, model: string, version: number, share: number, by: Actor) {
  if (!(typeof share === "number" && share > 0 && share <= 1)) {
    throw invalidInput("share must be a number in (0, 1]", [{ field: "share", reason: `got ${share}` }]);
  }
  return set(deps, model, "canary", version, share, by);
}

export function setShadow(deps: TrafficDeps, model: string, version: number, by: Actor) {
  return set(deps, model, "shadow", version, 1, by);
}

/** Ends a canary or a shadow; SLP_RELEASE_CONFLICT when there is none. */
export async function endSplit(
  deps: TrafficDeps,
  model: string,
  kind: "canary" | "shadow",
  by: Actor,
): Promise<TrafficSplit> {
  const ended = await deps.db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom("traffic_splits")
      .selectAll()
      .where("model", "=", model)
      .where("kind", "=", kind)
      .executeTakeFirst();
    if (!row) {
      throw new SlipwayError("SLP_RELEASE_CONFLICT", `model ${model} has no ${kind}`, [
        { field: "model", reason: `no ${kind} to end` },
      ]);
    }
    await trx.deleteFrom("traffic_splits").where("model", "=", model).where("kind", "=", kind).execute();
    const now = deps.clock.now();
    await audit(trx, now, by.actor, `${kind}.end`, model, null, row.version, null, by.reason);
    await bumpAliasEpoch(trx);
    return toSplit(row);
  });
  deps.bus.emit("model.alias.moved", { model, alias: kind, from: ended.version, to: null, reason: by.reason });
  return ended;
}

export async function trafficSplits(deps: TrafficDeps, model?: string): Promise<TrafficSplit[]> {
  let q = deps.db.selectFrom("traffic_splits").selectAll().orderBy("model").orderBy("kind");
  if (model !== undefined) q = q.where("model", "=", model);
  return (await q.execute()).map(toSplit);
}

async function set(
  deps: TrafficDeps,
  model: string,
  kind: "canary" | "shadow",
  version: number,
  share: number,
  by: Actor,
): Promise<TrafficSplit & { from: { version: number; share: number } | null }> {
  await deps.checkVersion(model, version);
  const result = await deps.db.transaction().execute(async (trx) => {
    const now = deps.clock.now();
    const before = await trx
      .selectFrom("traffic_splits")
      .selectAll()
      .where("model", "=", model)
      .where("kind", "=", kind)
      .executeTakeFirst();
    await trx
      .insertInto("traffic_splits")
      .values({ model, kind, version, share, updated_at: now })
      .onConflict((oc) => oc.columns(["model", "kind"]).doUpdateSet({ version, share, updated_at: now }))
      .execute();
    const what = kind === "canary" ? `share ${share}: ${by.reason}` : by.reason;
    await audit(trx, now, by.actor, `${kind}.set`, model, null, before?.version ?? null, version, what);
    await bumpAliasEpoch(trx);
    return {
      model,
      kind,
      version,
      share,
      updatedAt: new Date(now).toISOString(),
      from: before ? { version: before.version, share: before.share } : null,
    };
  });
  deps.bus.emit("model.alias.moved", {
    model,
    alias: kind,
    from: result.from?.version ?? null,
    to: version,
    reason: by.reason,
  });
  return result;
}

function toSplit(row: Database["traffic_splits"]): TrafficSplit {
  return {
    model: row.model,
    kind: row.kind,
    version: row.version,
    share: row.share,
    updatedAt: new Date(Number(row.updated_at)).toISOString(),
  };
}
