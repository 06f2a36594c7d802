/**
 * Canary and shadow releases of a model. A canary sends `share` of the production traffic to another version (the
 * serving side routes by the `x-routing-key` header when present, so a key always lands on the same side); a
 * shadow version sees a copy of the traffic and its answers are logged, never returned. Each change is audited and
 * bumps the alias epoch, so every server picks it up as it does an alias move.
 */
import type { Kysely, Selectable, Transaction } from "kysely";
import type { Clock } from "../core/index.js";
import { type ErrorDetail, type EventBus, invalidInput, SlipwayError } from "../core/index.js";
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
  /** A canary stepped by policy (see `canary-stepper.ts`); null when it is stepped by hand, and for a shadow. */
  schedule: CanarySchedule | null;
}

/**
 * Every `everyMs` the share rises by `step`; the step that would reach 1 promotes the version instead (through the
 * normal promotion, so the policy and its gate apply) and ends the canary. With `maxLatencyRatio`, each step first
 * compares the canary's p95 latency over the last interval with production's, and a canary slower than that many
 * times production's is ended instead.
 */
export interface CanarySchedule {
  step: number;
  everyMs: number;
  maxLatencyRatio: number | null;
  nextStepAt: string;
}

/** Bounds of a schedule. */
export const MIN_STEP_EVERY_MS = 1000;
export const MAX_STEP_EVERY_MS = 7 * 24 * 3600 * 1000;

export interface TrafficDeps {
  db: Kysely<Database>;
  bus: EventBus;
  clock: Clock;
  checkVersion(model: string, version: number): Promise<void>;
}

/** Field names of a schedule in errors (JSON pointers over HTTP, flags in the CLI). */
export interface ScheduleFieldNames {
  step: string;
  everyMs: string;
  maxLatencyRatio: string;
}

const SCHEDULE_POINTERS: ScheduleFieldNames = {
  step: "/step",
  everyMs: "/every_ms",
  maxLatencyRatio: "/max_latency_ratio",
};

/** Every problem of a schedule, each naming its field. */
export function scheduleProblems(
  schedule: { step: number; everyMs: number; maxLatencyRatio?: number | undefined },
  fields: ScheduleFieldNames = SCHEDULE_POINTERS,
): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const { step, everyMs, maxLatencyRatio } = schedule;
  if (!(typeof step === "number" && step > 0 && step <= 1)) {
    problems.push({ field: fields.step, reason: "a number in (0, 1]" });
  }
  if (!(Number.isInteger(everyMs) && everyMs >= MIN_STEP_EVERY_MS && everyMs <= MAX_STEP_EVERY_MS)) {
    problems.push({ field: fields.everyMs, reason: "from 1 second to 7 days" });
  }
  if (
    maxLatencyRatio !== undefined &&
    !(typeof maxLatencyRatio === "number" && maxLatencyRatio >= 1 && maxLatencyRatio < 1e6)
  ) {
    problems.push({ field: fields.maxLatencyRatio, reason: "a number ≥ 1" });
  }
  return problems;
}

/**
 * Starts or changes (steps up, steps down) a canary. With a schedule the stepper takes it from there; without one
 * the canary is stepped by hand, and any schedule it had is dropped.
 */
export async function setCanary(
  deps: TrafficDeps,
  model: string,
  version: number,
  share: number,
  by: Actor,
  schedule?: { step: number; everyMs: number; maxLatencyRatio?: number },
) {
  if (!(typeof share === "number" && share > 0 && share <= 1)) {
    throw invalidInput("share must be a number in (0, 1]", [{ field: "share", reason: `got ${share}` }]);
  }
  if (schedule) {
    const problems = scheduleProblems(schedule);
    if (problems.length > 0) throw invalidInput("invalid canary schedule", problems);
  }
  return set(deps, model, "canary", version, share, by, schedule);
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
    const row = await endIn(trx, deps.clock.now(), model, kind, `${kind}.end`, by);
    if (!row) {
      throw new SlipwayError("SLP_RELEASE_CONFLICT", `model ${model} has no ${kind}`, [
        { field: "model", reason: `no ${kind} to end` },
      ]);
    }
    return row;
  });
  deps.bus.emit("model.alias.moved", { model, alias: kind, from: ended.version, to: null, reason: by.reason });
  return ended;
}

/**
 * Ends a canary or shadow inside `trx` (audited as `action`, bumping the alias epoch) when there is one and it
 * matches `only` (the version, and the scheduled step the stepper claimed); returns it, or null when there was none.
 */
export async function endIn(
  trx: Transaction<Database>,
  now: number,
  model: string,
  kind: "canary" | "shadow",
  action: string,
  by: Actor,
  only?: { version: number; nextStepAt: number },
): Promise<TrafficSplit | null> {
  let q = trx.selectFrom("traffic_splits").selectAll().where("model", "=", model).where("kind", "=", kind);
  if (only) q = q.where("version", "=", only.version).where("next_step_at", "=", only.nextStepAt);
  const row = await q.executeTakeFirst();
  if (!row) return null;
  await trx.deleteFrom("traffic_splits").where("model", "=", model).where("kind", "=", kind).execute();
  await audit(trx, now, by.actor, action, model, null, row.version, null, by.reason);
  await bumpAliasEpoch(trx);
  return toSplit(row);
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
  schedule?: { step: number; everyMs: number; maxLatencyRatio?: number },
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
    const planned = {
      step: schedule?.step ?? null,
      every_ms: schedule?.everyMs ?? null,
      max_latency_ratio: schedule?.maxLatencyRatio ?? null,
      next_step_at: schedule ? now + schedule.everyMs : null,
    };
    await trx
      .insertInto("traffic_splits")
      .values({ model, kind, version, share, updated_at: now, ...planned })
      .onConflict((oc) => oc.columns(["model", "kind"]).doUpdateSet({ version, share, updated_at: now, ...planned }))
      .execute();
    const plan = schedule ? `, ${scheduleText(schedule)}` : "";
    const what = kind === "canary" ? `share ${share}${plan}: ${by.reason}` : by.reason;
    await audit(trx, now, by.actor, `${kind}.set`, model, null, before?.version ?? null, version, what);
    await bumpAliasEpoch(trx);
    return {
      model,
      kind,
      version,
      share,
      updatedAt: new Date(now).toISOString(),
      schedule: schedule
        ? {
            step: schedule.step,
            everyMs: schedule.everyMs,
            maxLatencyRatio: schedule.maxLatencyRatio ?? null,
            nextStepAt: new Date(now + schedule.everyMs).toISOString(),
          }
        : null,
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

/** A schedule for people and the audit log: `step 0.25 every 10m, p95 latency ≤ 2× production's`. */
export function scheduleText(schedule: { step: number; everyMs: number; maxLatencyRatio?: number | null }): string {
  const health = schedule.maxLatencyRatio != null ? `, p95 latency ≤ ${schedule.maxLatencyRatio}× production's` : "";
  return `step ${schedule.step} every ${durationText(schedule.everyMs)}${health}`;
}

/** Milliseconds as the CLI writes them: `10m`, `90s`, `1500ms`. */
export function durationText(ms: number): string {
  for (const [unit, size] of [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

export function toSplit(row: Selectable<Database["traffic_splits"]>): TrafficSplit {
  const hasSchedule = row.kind === "canary" && row.step !== null && row.every_ms !== null && row.next_step_at !== null;
  return {
    model: row.model,
    kind: row.kind,
    version: row.version,
    share: row.share,
    updatedAt: new Date(Number(row.updated_at)).toISOString(),
    schedule: hasSchedule
      ? {
          step: row.step as number,
          everyMs: Number(row.every_ms),
          maxLatencyRatio: row.max_latency_ratio,
          nextStepAt: new Date(Number(row.next_step_at)).toISOString(),
        }
      : null,
  };
}
