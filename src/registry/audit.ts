/** The audit log and alias moves inside a caller's transaction, shared by the registry and the release steps. */
import type { Transaction } from "kysely";
import type { Database } from "../store/index.js";

/** The `meta` key of the counter that grows with every alias move. */
export const ALIAS_EPOCH = "alias_epoch";

/**
 * Points `alias` at `version` inside `trx`, with its audit row and the alias epoch bump; returns the version it
 * pointed at before. The caller checks that the version exists and emits `model.alias.moved` after the commit.
 */
export async function moveAliasIn(
  trx: Transaction<Database>,
  now: number,
  model: string,
  alias: string,
  version: number,
  by: { actor: string; reason: string; action?: string },
): Promise<number | null> {
  const current = await trx
    .selectFrom("aliases")
    .select("version")
    .where("model", "=", model)
    .where("alias", "=", alias)
    .executeTakeFirst();
  await trx
    .insertInto("aliases")
    .values({ model, alias, version, updated_at: now })
    .onConflict((oc) => oc.columns(["model", "alias"]).doUpdateSet({ version, updated_at: now }))
    .execute();
  const from = current?.version ?? null;
  await audit(trx, now, by.actor, by.action ?? "alias.move", model, alias, from, version, by.reason);
  await bumpAliasEpoch(trx);
  return from;
}

/** Appends one audit row inside `trx` (every change is audited in its own transaction). */
export async function audit(
  trx: Transaction<Database>,
  at: number,
  actor: string,
  action: string,
  model: string,
  alias: string | null,
  from: number | null,
  to: number | null,
  reason: string,
): Promise<void> {
  await trx
    .insertInto("audit_log")
    .values({ at, actor, action, model, alias, from_version: from, to_version: to, reason })
    .execute();
}

export async function bumpAliasEpoch(trx: Transaction<Database>): Promise<void> {
  await trx
    .insertInto("meta")
    .values({ key: ALIAS_EPOCH, value: "1" })
    .onConflict((oc) =>
      oc.column("key").doUpdateSet((eb) => ({ value: eb.cast(eb(eb.cast("meta.value", "integer"), "+", 1), "text") })),
    )
    .execute();
}
