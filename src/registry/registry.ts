import type { Kysely, Selectable } from "kysely";
import { type Clock, type EventBus, SlipwayError, type Task } from "../core/index.js";
import type { Database } from "../store/index.js";
import { ALIAS_EPOCH, audit, moveAliasIn } from "./audit.js";
import { stepCanaries } from "./canary-stepper.js";
import type { GateCondition } from "./gate.js";
import * as policy from "./policy.js";
import * as releases from "./releases.js";
import * as traffic from "./traffic.js";
import * as notes from "./version-notes.js";

export type ReleasePolicy = "auto" | "manual";

export interface ModelVersionRecord {
  model: string;
  version: number;
  runId: string;
  task: Task;
  family: string;
  artifactKey: string;
  metrics: Record<string, number>;
  lineage: Record<string, unknown>;
  createdAt: string;
  aliases: string[];
  /** Free text for people; null when none was set. */
  description: string | null;
  /** Key → value strings, keys in order. */
  tags: Record<string, string>;
}

export interface ModelSummary {
  name: string;
  task: Task;
  family: string;
  releasePolicy: ReleasePolicy;
  /** The release policy's gate conditions (see `gate.ts`); empty when none. */
  releaseGate: GateCondition[];
  aliases: Record<string, number>;
  versions: ModelVersionRecord[];
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  model: string;
  alias: string | null;
  fromVersion: number | null;
  toVersion: number | null;
  reason: string;
}

/** A model reference as users write it: `name`, `name@alias` or `name:version`. */
export interface ModelRef {
  name: string;
  alias?: string;
  version?: number;
}

/**
 * Model versions, aliases and the audit log. Every alias move writes its audit row and bumps the alias epoch in
 * the same transaction, so other processes polling the epoch never see a move without its record.
 */
export class Registry {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly bus: EventBus,
    private readonly clock: Clock,
  ) {}

  async ensureModel(name: string, task: Task, family: string, releasePolicy: ReleasePolicy = "auto"): Promise<void> {
    await this.db
      .insertInto("models")
      .values({ name, task, family, release_policy: releasePolicy, created_at: this.clock.now() })
      .onConflict((oc) => oc.column("name").doNothing())
      .execute();
  }

  /** Registers the next version (1, 2, …) of `model`; the bundle must already be in the artifact store. */
  async registerVersion(input: {
    model: string;
    task: Task;
    family: string;
    runId: string;
    artifactKey: string;
    metrics: Record<string, number>;
    lineage: Record<string, unknown>;
    releasePolicy?: ReleasePolicy;
    actor?: string;
  }): Promise<number> {
    await this.ensureModel(input.model, input.task, input.family, input.releasePolicy);
    const version = await this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom("model_versions")
        .select((eb) => eb.fn.max("version").as("max"))
        .where("model", "=", input.model)
        .executeTakeFirst();
      const next = Number(row?.max ?? 0) + 1;
      const now = this.clock.now();
      await trx
        .insertInto("model_versions")
        .values({
          model: input.model,
          version: next,
          run_id: input.runId,
          task: input.task,
          family: input.family,
          artifact_key: input.artifactKey,
          metrics_json: JSON.stringify(input.metrics),
          lineage_json: JSON.stringify(input.lineage),
          created_at: now,
        })
        .execute();
      await audit(trx, now, input.actor ?? "slipway", "register", input.model, null, null, next, `run ${input.runId}`);
      return next;
    });
    this.bus.emit("model.version.registered", { model: input.model, version, runId: input.runId });
    return version;
  }

  /** Points `alias` at `version` (audited); returns the version it pointed at before. */
  async moveAlias(
    model: string,
    alias: string,
    version: number,
    by: { actor: string; reason: string; action?: string },
  ): Promise<{ from: number | null; to: number }> {
    await this.getVersion(model, version);
    const from = await this.db
      .transaction()
      .execute((trx) => moveAliasIn(trx, this.clock.now(), model, alias, version, by));
    this.bus.emit("model.alias.moved", { model, alias, from, to: version, reason: by.reason });
    return { from, to: version };
  }

  /** The model's release policy (`auto` or `manual`). */
  policyOf(model: string): Promise<ReleasePolicy> {
    return policy.policyOf(this.releaseDeps, model);
  }

  /** The model's release policy and its gate conditions. */
  releasePolicyOf(model: string): Promise<policy.PolicyState> {
    return policy.policyIn(this.db, model);
  }

  /** Sets the model's release policy (audited). */
  setPolicy(model: string, to: ReleasePolicy, by: releases.Actor) {
    return policy.setPolicy(this.releaseDeps, model, to, by);
  }

  /** Sets the policy, the gate conditions, or both, in one transaction (audited as `policy`, `policy.gate`). */
  updatePolicy(model: string, change: { policy?: ReleasePolicy; gate?: readonly GateCondition[] }, by: releases.Actor) {
    return policy.updatePolicy(this.releaseDeps, model, change, by);
  }

  /**
   * Promotes a version under the model's policy, checking its gate conditions (see `releases.ts`); `force` with a
   * reason releases a version that fails them (audited as `gate.override`).
   */
  promote(model: string, version: number, by: releases.ForceableActor & { alias?: string; action?: string }) {
    return releases.promote(this.releaseDeps, model, version, by);
  }

  /** Approves a pending request, checking the gate conditions again against the production version of the moment. */
  approve(model: string, version: number, by: releases.ForceableActor) {
    return releases.approve(this.releaseDeps, model, version, by);
  }

  reject(model: string, version: number, by: releases.Actor) {
    return releases.reject(this.releaseDeps, model, version, by);
  }

  rollback(model: string, by: releases.Actor) {
    return releases.rollback(this.releaseDeps, model, by);
  }

  approvals(filter: { model?: string; state?: releases.ApprovalRequest["state"] } = {}) {
    return releases.approvals(this.releaseDeps, filter);
  }

  /** Sets tags of a version (audited as `version.tag`, one row a changed key; see `version-notes.ts`). */
  setTags(model: string, version: number, tags: Record<string, string>, by: releases.Actor) {
    return notes.updateTags(this.releaseDeps, model, version, { set: tags }, by);
  }

  /** Removes tags of a version (audited as `version.untag`); a key the version does not have is left alone. */
  removeTags(model: string, version: number, keys: readonly string[], by: releases.Actor) {
    return notes.updateTags(this.releaseDeps, model, version, { remove: keys }, by);
  }

  /** Sets and removes tags of a version in one transaction. */
  updateTags(
    model: string,
    version: number,
    change: { set?: Record<string, string>; remove?: readonly string[] },
    by: releases.Actor,
  ) {
    return notes.updateTags(this.releaseDeps, model, version, change, by);
  }

  /** Sets the description of a version; an empty text clears it (audited as `version.describe`). */
  describeVersion(model: string, version: number, text: string, by: releases.Actor) {
    return notes.describeVersion(this.releaseDeps, model, version, text, by);
  }

  /**
   * Starts or changes a canary: `share` of production traffic goes to `version` (see `traffic.ts`). With a
   * schedule, `stepCanaries` raises the share by `step` every `everyMs` and promotes the version at 1.
   */
  setCanary(
    model: string,
    version: number,
    share: number,
    by: releases.Actor,
    schedule?: { step: number; everyMs: number; maxLatencyRatio?: number },
  ) {
    return traffic.setCanary(this.releaseDeps, model, version, share, by, schedule);
  }

  /** Takes the canary steps that are due by the registry's clock (see `canary-stepper.ts`); serving processes poll it. */
  stepCanaries() {
    return stepCanaries(this.releaseDeps);
  }

  /** Starts or changes a shadow: `version` sees a copy of the traffic; its answers are logged, not returned. */
  setShadow(model: string, version: number, by: releases.Actor) {
    return traffic.setShadow(this.releaseDeps, model, version, by);
  }

  endCanary(model: string, by: releases.Actor) {
    return traffic.endSplit(this.releaseDeps, model, "canary", by);
  }

  endShadow(model: string, by: releases.Actor) {
    return traffic.endSplit(this.releaseDeps, model, "shadow", by);
  }

  /** Every canary and shadow (of one model when given). */
  trafficSplits(model?: string) {
    return traffic.trafficSplits(this.releaseDeps, model);
  }

  private get releaseDeps(): releases.ReleaseDeps {
    return {
      db: this.db,
      bus: this.bus,
      clock: this.clock,
      checkVersion: async (model, version) => {
        await this.getVersion(model, version);
      },
    };
  }

  /** A counter that grows with every alias move; servers poll it to notice moves made by other processes. */
  async aliasEpoch(): Promise<number> {
    const row = await this.db.selectFrom("meta").select("value").where("key", "=", ALIAS_EPOCH).executeTakeFirst();
    return row ? Number(row.value) : 0;
  }

  async getVersion(model: string, version: number): Promise<ModelVersionRecord> {
    const row = await this.db
      .selectFrom("model_versions")
      .selectAll()
      .where("model", "=", model)
      .where("version", "=", version)
      .executeTakeFirst();
    if (!row) {
      const exists = await this.db.selectFrom("models").select("name").where("name", "=", model).executeTakeFirst();
      throw new SlipwayError(
        "SLP_MODEL_NOT_FOUND",
        exists ? `model ${model} has no version ${version}` : `no model named ${model}`,
        [{ field: exists ? "version" : "model", reason: "not found" }],
      );
    }
    const aliases = await this.aliasesOf(model);
    const tags = await notes.tagsOf(this.db, model, version);
    return toRecord(
      row,
      Object.entries(aliases)
        .filter(([, v]) => v === version)
        .map(([a]) => a),
      tags.get(version) ?? {},
    );
  }

  /** `name@alias`, `name:version`, or a bare name (its production version, else its latest). */
  async resolve(ref: ModelRef): Promise<ModelVersionRecord> {
    if (ref.version !== undefined) return this.getVersion(ref.name, ref.version);
    const aliases = await this.aliasesOf(ref.name);
    if (ref.alias !== undefined) {
      const v = aliases[ref.alias];
      if (v === undefined) {
        throw new SlipwayError("SLP_MODEL_NOT_FOUND", `model ${ref.name} has no alias ${ref.alias}`, [
          { field: "alias", reason: "not found" },
        ]);
      }
      return this.getVersion(ref.name, v);
    }
    if (aliases.production !== undefined) return this.getVersion(ref.name, aliases.production);
    const latest = await this.db
      .selectFrom("model_versions")
      .select((eb) => eb.fn.max("version").as("max"))
      .where("model", "=", ref.name)
      .executeTakeFirst();
    if (latest?.max == null) {
      throw new SlipwayError("SLP_MODEL_NOT_FOUND", `no model named ${ref.name}`, [
        { field: "model", reason: "not found" },
      ]);
    }
    return this.getVersion(ref.name, Number(latest.max));
  }

  async aliasesOf(model: string): Promise<Record<string, number>> {
    const rows = await this.db.selectFrom("aliases").select(["alias", "version"]).where("model", "=", model).execute();
    return Object.fromEntries(rows.map((r) => [r.alias, r.version]));
  }

  /** Every (model, alias, version) triple: what a server must have loaded. */
  async allAliases(): Promise<{ model: string; alias: string; version: number }[]> {
    return this.db.selectFrom("aliases").select(["model", "alias", "version"]).orderBy("model").execute();
  }

  async getModel(name: string): Promise<ModelSummary> {
    const row = await this.db.selectFrom("models").selectAll().where("name", "=", name).executeTakeFirst();
    if (!row)
      throw new SlipwayError("SLP_MODEL_NOT_FOUND", `no model named ${name}`, [
        { field: "model", reason: "not found" },
      ]);
    const aliases = await this.aliasesOf(name);
    const versions = await this.db
      .selectFrom("model_versions")
      .selectAll()
      .where("model", "=", name)
      .orderBy("version")
      .execute();
    const tags = await notes.tagsOf(this.db, name);
    return {
      name: row.name,
      task: row.task as Task,
      family: row.family,
      releasePolicy: row.release_policy as ReleasePolicy,
      releaseGate: JSON.parse(row.release_gate_json) as GateCondition[],
      aliases,
      versions: versions.map((v) =>
        toRecord(
          v,
          Object.entries(aliases)
            .filter(([, n]) => n === v.version)
            .map(([a]) => a),
          tags.get(v.version) ?? {},
        ),
      ),
    };
  }

  async listModels(): Promise<ModelSummary[]> {
    const names = await this.db.selectFrom("models").select("name").orderBy("name").execute();
    return Promise.all(names.map((n) => this.getModel(n.name)));
  }

  async auditLog(model?: string): Promise<AuditEntry[]> {
    let q = this.db.selectFrom("audit_log").selectAll().orderBy("id");
    if (model) q = q.where("model", "=", model);
    const rows = await q.execute();
    return rows.map((r) => ({
      id: r.id,
      at: new Date(Number(r.at)).toISOString(),
      actor: r.actor,
      action: r.action,
      model: r.model,
      alias: r.alias,
      fromVersion: r.from_version,
      toVersion: r.to_version,
      reason: r.reason,
    }));
  }
}

function toRecord(
  row: Selectable<Database["model_versions"]>,
  aliases: string[],
  tags: Record<string, string>,
): ModelVersionRecord {
  return {
    model: row.model,
    version: row.version,
    runId: row.run_id,
    task: row.task as Task,
    family: row.family,
    artifactKey: row.artifact_key,
    metrics: JSON.parse(row.metrics_json),
    lineage: JSON.parse(row.lineage_json),
    createdAt: new Date(Number(row.created_at)).toISOString(),
    aliases,
    description: row.description ?? null,
    tags,
  };
}

/** Parses `name`, `name@alias` or `name:version`. */
export function parseModelRef(text: string): ModelRef | null {
  const m = /^([A-Za-z0-9._-]+)(?:@([A-Za-z0-9._-]+)|:(\d+))?$/.exec(text);
  if (!m) return null;
  const [, name, alias, version] = m;
  return { name: name as string, ...(alias ? { alias } : {}), ...(version ? { version: Number(version) } : {}) };
}
