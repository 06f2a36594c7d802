import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Clock, EventBus, isSlipwayError } from "../../src/core/index.js";
import { Registry } from "../../src/registry/index.js";
import { type MetadataStore, openSqliteStore } from "../../src/store/index.js";
import { codeOf } from "../helpers/error-code.js";

const T0 = Date.UTC(2024, 0, 1);

describe("tags and descriptions of versions", () => {
  let dir: string;
  let store: MetadataStore;
  let t: number;
  let registry: Registry;
  const by = (reason: string) => ({ actor: "alice", reason });
  const details = (p: Promise<unknown>) => p.catch((e: unknown) => (isSlipwayError(e) ? e.details : e));
  const notes = async () =>
    (await registry.auditLog("price"))
      .filter((e) => e.action.startsWith("version."))
      .map((e) => [e.action, e.actor, e.fromVersion, e.toVersion, e.reason]);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "slipway-notes-"));
    store = await openSqliteStore(join(dir, "slipway.db"));
    t = T0;
    const clock: Clock = { now: () => t };
    registry = new Registry(store.db, new EventBus(), clock);
    for (let i = 1; i <= 2; i++) {
      await registry.registerVersion({
        model: "price",
        task: "regression",
        family: "linear",
        runId: `run_${i}`,
        artifactKey: `runs/run_${i}/model`,
        metrics: { rmse: 1 },
        lineage: {},
      });
    }
  });

  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("a new version has no description and no tags", async () => {
    const v = await registry.getVersion("price", 1);
    expect(v.description).toBeNull();
    expect(v.tags).toEqual({});
  });

  it("sets, changes and removes tags, one audit row per changed key with the value before and after", async () => {
    const first = await registry.setTags("price", 2, { team: "forecasting", stage: "candidate" }, by("triage"));
    expect(first).toEqual({
      model: "price",
      version: 2,
      tags: { stage: "candidate", team: "forecasting" },
      changes: [
        { key: "stage", from: null, to: "candidate" },
        { key: "team", from: null, to: "forecasting" },
      ],
    });
    // An unchanged value and a missing key change nothing and are not audited.
    const second = await registry.updateTags(
      "price",
      2,
      { set: { team: "forecasting", stage: "validated" }, remove: ["ticket"] },
      by("checked"),
    );
    expect(second.changes).toEqual([{ key: "stage", from: "candidate", to: "validated" }]);
    const third = await registry.removeTags("price", 2, ["team"], by("team left"));
    expect(third.tags).toEqual({ stage: "validated" });
    expect(third.changes).toEqual([{ key: "team", from: "forecasting", to: null }]);

    expect((await registry.getVersion("price", 2)).tags).toEqual({ stage: "validated" });
    expect((await registry.getModel("price")).versions.map((v) => v.tags)).toEqual([{}, { stage: "validated" }]);
    expect(await notes()).toEqual([
      ["version.tag", "alice", 2, 2, 'stage: (none) -> "candidate": triage'],
      ["version.tag", "alice", 2, 2, 'team: (none) -> "forecasting": triage'],
      ["version.tag", "alice", 2, 2, 'stage: "candidate" -> "validated": checked'],
      ["version.untag", "alice", 2, 2, 'team: "forecasting" -> (none): team left'],
    ]);
  });

  it("sets, replaces and clears the description, audited with the text before and after", async () => {
    t = T0 + 1000;
    expect(await registry.describeVersion("price", 1, "Baseline: ridge on the\nfour features", by("notes"))).toEqual({
      model: "price",
      version: 1,
      description: "Baseline: ridge on the\nfour features",
      from: null,
    });
    expect((await registry.describeVersion("price", 1, "Baseline", by("shorter"))).from).toBe(
      "Baseline: ridge on the\nfour features",
    );
    expect((await registry.describeVersion("price", 1, "Baseline", by("same"))).from).toBe("Baseline");
    expect((await registry.getModel("price")).versions[0]?.description).toBe("Baseline");
    expect(await registry.describeVersion("price", 1, "", by("clear"))).toMatchObject({
      description: null,
      from: "Baseline",
    });
    expect((await registry.getVersion("price", 1)).description).toBeNull();
    expect(await notes()).toEqual([
      ["version.describe", "alice", 1, 1, 'description: (none) -> "Baseline: ridge on the\\nfour features": notes'],
      [
        "version.describe",
        "alice",
        1,
        1,
        'description: "Baseline: ridge on the\\nfour features" -> "Baseline": shorter',
      ],
      ["version.describe", "alice", 1, 1, 'description: "Baseline" -> (none): clear'],
    ]);
    expect((await registry.auditLog("price")).at(-1)?.at).toBe(new Date(T0 + 1000).toISOString());
  });

  it("validates keys, values and lengths, naming each field", async () => {
    expect(await details(registry.setTags("price", 1, { "bad key": "x", ok: "y".repeat(257) }, by("r")))).toEqual([
      { field: "/set/bad key", reason: 'tag key "bad key" is not 1–64 characters of [A-Za-z0-9_.-]' },
      { field: "/set/ok", reason: "the value of ok must be a string of at most 256 characters" },
    ]);
    expect(await details(registry.updateTags("price", 1, { set: { a: "1" }, remove: ["a", ""] }, by("r")))).toEqual([
      { field: "/remove/0", reason: "a is set and removed at once" },
      { field: "/remove/1", reason: 'tag key "" is not 1–64 characters of [A-Za-z0-9_.-]' },
    ]);
    expect(await details(registry.updateTags("price", 1, {}, by("r")))).toEqual([
      { field: "body", reason: "nothing to set or remove" },
    ]);
    expect(await codeOf(registry.setTags("price", 1, { ["k".repeat(65)]: "v" }, by("r")))).toBe("SLP_INPUT_INVALID");
    expect(await codeOf(registry.setTags("price", 1, { "a.b_c-D9": "y".repeat(256), e: "" }, by("r")))).toBe(
      "resolved",
    );
    expect(await codeOf(registry.describeVersion("price", 1, "x".repeat(2001), by("r")))).toBe("SLP_INPUT_INVALID");
    const many = Object.fromEntries(Array.from({ length: 63 }, (_, i) => [`k${i}`, "v"]));
    expect(await details(registry.setTags("price", 1, many, by("r")))).toEqual([
      { field: "/set", reason: "would have 65 tags" },
    ]);
    expect(await codeOf(registry.setTags("price", 9, { a: "b" }, by("r")))).toBe("SLP_MODEL_NOT_FOUND");
    expect(await codeOf(registry.describeVersion("nope", 1, "x", by("r")))).toBe("SLP_MODEL_NOT_FOUND");
    expect(await notes()).toEqual([
      ["version.tag", "alice", 1, 1, `a.b_c-D9: (none) -> "${"y".repeat(256)}": r`],
      ["version.tag", "alice", 1, 1, 'e: (none) -> "": r'],
    ]);
  });

  it("is one transaction: when an audit row cannot be written, no tag and no description changes", async () => {
    await registry.setTags("price", 1, { a: "1" }, by("r"));
    await registry.describeVersion("price", 1, "before", by("r"));
    await sql`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log WHEN NEW.reason LIKE '%refused'
      BEGIN SELECT RAISE(ABORT, 'audit refused'); END`.execute(store.db);
    await expect(registry.updateTags("price", 1, { set: { a: "2", b: "3" } }, by("refused"))).rejects.toThrow();
    await expect(registry.describeVersion("price", 1, "after", by("refused"))).rejects.toThrow();
    const v = await registry.getVersion("price", 1);
    expect(v.tags).toEqual({ a: "1" });
    expect(v.description).toBe("before");
  });
});
