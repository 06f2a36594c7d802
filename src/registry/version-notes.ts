/**
 * Tags (key → value strings) and a description on model versions, for people and scripts ("validated-by: carol",
 * "ticket: ML-42"). Every change writes one audit row per changed key (or one for the description) in the
 * transaction of the change, recording the value before and after; setting a key to the value it has, or removing
 * a key the version does not have, changes nothing and writes nothing.
 */
import type { Kysely } from "kysely";
import { type Clock, type ErrorDetail, invalidInput } from "../core/index.js";
import type { Database } from "../store/index.js";
import { audit } from "./audit.js";
import type { Actor } from "./releases.js";

/** A tag key: 1–64 characters of `[A-Za-z0-9_.-]`. */
export const TAG_KEY = /^[A-Za-z0-9_.-]{1,64}$/;
export const MAX_TAG_VALUE_CHARS = 256;
/** At most this many tags on one version. */
export const MAX_TAGS = 64;
export const MAX_DESCRIPTION_CHARS = 2000;

export interface TagChange {
  key: string;
  /** The value before; null when the key was not set. */
  from: string | null;
  /** The value after; null when the key was removed. */
  to: string | null;
}

export interface TagsResult {
  model: string;
  version: number;
  /** Every tag of the version after the change. */
  tags: Record<string, string>;
  /** What changed, in key order (unchanged keys are left out). */
  changes: TagChange[];
}

export interface DescribeResult {
  model: string;
  version: number;
  description: string | null;
  from: string | null;
}

/** How a caller names the fields of a tag change in errors (JSON pointers for HTTP, flags for the CLI). */
export interface TagFieldNames {
  set(key: string): string;
  remove(index: number): string;
  /** The field of a change that sets and removes nothing. */
  none: string;
}

const POINTERS: TagFieldNames = { set: (key) => `/set/${key}`, remove: (i) => `/remove/${i}`, none: "body" };

/** Every problem of a tag change, each naming its field; empty when it is valid. */
export function tagChangeProblems(
  change: { set?: Record<string, unknown>; remove?: readonly unknown[] },
  fields: TagFieldNames = POINTERS,
): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const set = change.set ?? {};
  const remove = change.remove ?? [];
  const badKey = (key: unknown) => `${JSON.stringify(key)} is not 1–64 characters of [A-Za-z0-9_.-]`;
  for (const [key, value] of Object.entries(set)) {
    if (!TAG_KEY.test(key)) problems.push({ field: fields.set(key), reason: `tag key ${badKey(key)}` });
    else if (typeof value !== "string" || value.length > MAX_TAG_VALUE_CHARS) {
      const reason = `the value of ${key} must be a string of at most ${MAX_TAG_VALUE_CHARS} characters`;
      problems.push({ field: fields.set(key), reason });
    }
  }
  remove.forEach((key, i) => {
    if (typeof key !== "string" || !TAG_KEY.test(key)) {
      problems.push({ field: fields.remove(i), reason: `tag key ${badKey(key)}` });
    } else if (Object.hasOwn(set, key)) {
      problems.push({ field: fields.remove(i), reason: `${key} is set and removed at once` });
    }
  });
  if (problems.length === 0 && Object.keys(set).length === 0 && remove.length === 0) {
    problems.push({ field: fields.none, reason: "nothing to set or remove" });
  }
  return problems;
}

/** The problem of a description, or null: a string of at most 2000 characters. */
export function descriptionProblem(text: unknown, field = "/description"): ErrorDetail | null {
  if (typeof text === "string" && text.length <= MAX_DESCRIPTION_CHARS) return null;
  return { field, reason: `a description is a string of at most ${MAX_DESCRIPTION_CHARS} characters` };
}

export interface NotesDeps {
  db: Kysely<Database>;
  clock: Clock;
  checkVersion(model: string, version: number): Promise<void>;
}

/** Sets and removes tags of a version in one transaction, one audit row (`version.tag`, `version.untag`) a key. */
export async function updateTags(
  deps: NotesDeps,
  model: string,
  version: number,
  change: { set?: Record<string, string>; remove?: readonly string[] },
  by: Actor,
): Promise<TagsResult> {
  const problems = tagChangeProblems(change);
  if (problems.length > 0) throw invalidInput("invalid tag change", problems);
  await deps.checkVersion(model, version);
  return deps.db.transaction().execute(async (trx) => {
    const now = deps.clock.now();
    const before = await tagsIn(trx, model, version);
    const changes: TagChange[] = [];
    for (const [key, value] of Object.entries(change.set ?? {})) {
      if (before[key] !== value) changes.push({ key, from: before[key] ?? null, to: value });
    }
    for (const key of change.remove ?? []) {
      if (before[key] !== undefined) changes.push({ key, from: before[key], to: null });
    }
    changes.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const after = { ...before };
    for (const c of changes) {
      if (c.to === null) delete after[c.key];
      else after[c.key] = c.to;
    }
    if (Object.keys(after).length > MAX_TAGS) {
      throw invalidInput(`a version has at most ${MAX_TAGS} tags`, [
        { field: "/set", reason: `would have ${Object.keys(after).length} tags` },
      ]);
    }
    for (const c of changes) {
      if (c.to === null) {
        await trx
          .deleteFrom("version_tags")
          .where("model", "=", model)
          .where("version", "=", version)
          .where("key", "=", c.key)
          .execute();
      } else {
        const value = c.to;
        await trx
          .insertInto("version_tags")
          .values({ model, version, key: c.key, value, updated_at: now })
          .onConflict((oc) => oc.columns(["model", "version", "key"]).doUpdateSet({ value, updated_at: now }))
          .execute();
      }
      const action = c.to === null ? "version.untag" : "version.tag";
      const what = `${c.key}: ${shown(c.from)} -> ${shown(c.to)}: ${by.reason}`;
      await audit(trx, now, by.actor, action, model, null, version, version, what);
    }
    return { model, version, tags: sortedTags(after), changes };
  });
}

/** Sets a version's description (an empty text clears it), audited as `version.describe` with before and after. */
export async function describeVersion(
  deps: NotesDeps,
  model: string,
  version: number,
  text: string,
  by: Actor,
): Promise<DescribeResult> {
  const problem = descriptionProblem(text);
  if (problem) throw invalidInput("invalid description", [problem]);
  await deps.checkVersion(model, version);
  const description = text === "" ? null : text;
  return deps.db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom("model_versions")
      .select("description")
      .where("model", "=", model)
      .where("version", "=", version)
      .executeTakeFirstOrThrow();
    const from = row.description;
    if (from !== description) {
      const now = deps.clock.now();
      await trx
        .updateTable("model_versions")
        .set({ description })
        .where("model", "=", model)
        .where("version", "=", version)
        .execute();
      const what = `description: ${shown(from)} -> ${shown(description)}: ${by.reason}`;
      await audit(trx, now, by.actor, "version.describe", model, null, version, version, what);
    }
    return { model, version, description, from };
  });
}

/** Tags of every version of `model` (of one version when given), by version. */
export async function tagsOf(
  db: Kysely<Database>,
  model: string,
  version?: number,
): Promise<Map<number, Record<string, string>>> {
  let q = db.selectFrom("version_tags").select(["version", "key", "value"]).where("model", "=", model);
  if (version !== undefined) q = q.where("version", "=", version);
  const out = new Map<number, Record<string, string>>();
  for (const row of await q.orderBy("version").orderBy("key").execute()) {
    const tags = out.get(row.version) ?? {};
    tags[row.key] = row.value;
    out.set(row.version, tags);
  }
  return out;
}

async function tagsIn(db: Kysely<Database>, model: string, version: number): Promise<Record<string, string>> {
  return (await tagsOf(db, model, version)).get(version) ?? {};
}

function sortedTags(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** A value in an audit reason: JSON-quoted, so that spaces, colons and arrows inside it stay unambiguous. */
function shown(value: string | null): string {
  return value === null ? "(none)" : JSON.stringify(value);
}
