import { Migrator } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type MetadataStore, migrateToLatest } from "../../src/store/index.js";
import { migrationProvider } from "../../src/store/metadata/migrations/index.js";

/**
 * One database for a test: `open()` returns a new store (its own connection) on that same database each call, so
 * the suite can check what two processes sharing it see. The suite closes every store it opened before `cleanup`.
 */
export interface MetadataStoreFixture {
  open(): Promise<MetadataStore>;
  cleanup(): Promise<void>;
}

/** The tables the migrations create, and the columns the code relies on in the busiest ones. */
const TABLES = [
  "aliases",
  "api_tokens",
  "approval_requests",
  "audit_log",
  "dataset_versions",
  "datasets",
  "ingested_files",
  "jobs",
  "meta",
  "model_versions",
  "models",
  "prediction_log",
  "runs",
  "traffic_splits",
  "version_tags",
];
const COLUMNS: Record<string, string[]> = {
  jobs: [
    "attempts",
    "created_at",
    "error",
    "id",
    "kind",
    "lease_expires_at",
    "lease_owner",
    "max_attempts",
    "payload_json",
    "result_json",
    "run_after",
    "state",
    "updated_at",
  ],
  audit_log: ["action", "actor", "alias", "at", "from_version", "id", "model", "reason", "to_version"],
  aliases: ["alias", "model", "updated_at", "version"],
  traffic_splits: [
    "every_ms",
    "kind",
    "max_latency_ratio",
    "model",
    "next_step_at",
    "share",
    "step",
    "updated_at",
    "version",
  ],
  version_tags: ["key", "model", "updated_at", "value", "version"],
};

async function migrationState(store: MetadataStore): Promise<{ name: string; executedAt: number | null }[]> {
  const migrations = await new Migrator({ db: store.db, provider: migrationProvider }).getMigrations();
  return migrations.map((m) => ({ name: m.name, executedAt: m.executedAt?.getTime() ?? null }));
}

async function readMeta(store: MetadataStore, key: string): Promise<string | undefined> {
  const row = await store.db.selectFrom("meta").select("value").where("key", "=", key).executeTakeFirst();
  return row?.value;
}

/** The contract every `MetadataStore` backend must meet: migrated schema, shared use, transactions. */
export function metadataStoreSuite(name: string, factory: () => Promise<MetadataStoreFixture>): void {
  describe(`MetadataStore conformance: ${name}`, () => {
    let fixture: MetadataStoreFixture;
    let opened: MetadataStore[];

    const open = async (): Promise<MetadataStore> => {
      const store = await fixture.open();
      opened.push(store);
      return store;
    };

    beforeEach(async () => {
      fixture = await factory();
      opened = [];
    });

    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
      await fixture.cleanup();
    });

    it("opens with every migration applied and every table created", async () => {
      const store = await open();
      const state = await migrationState(store);
      expect(state.length).toBeGreaterThan(0);
      for (const m of state) expect(m.executedAt, m.name).not.toBeNull();
      const tables = (await store.db.introspection.getTables()).map((t) => t.name).sort();
      expect(tables).toEqual(TABLES);
    });

    it("creates the columns the runner and registry use", async () => {
      const store = await open();
      const tables = await store.db.introspection.getTables();
      for (const [table, columns] of Object.entries(COLUMNS)) {
        const found = tables.find((t) => t.name === table);
        expect(found?.columns.map((c) => c.name).sort(), table).toEqual(columns);
      }
    });

    it("has a description and never a password in it", async () => {
      const store = await open();
      expect(store.description.length).toBeGreaterThan(0);
      expect(store.description).not.toMatch(/:[^:/@]+@/);
    });

    it("migrating again is a no-op: nothing re-run, data kept", async () => {
      const store = await open();
      await store.db.insertInto("meta").values({ key: "k", value: "v" }).execute();
      const before = await migrationState(store);
      await migrateToLatest(store.db);
      await migrateToLatest(store.db);
      expect(await migrationState(store)).toEqual(before);
      expect(await readMeta(store, "k")).toBe("v");
    });

    it("opening a second store on a migrated database keeps its data", async () => {
      const first = await open();
      await first.db.insertInto("meta").values({ key: "k", value: "v" }).execute();
      const before = await migrationState(first);
      const second = await open();
      expect(await migrationState(second)).toEqual(before);
      expect(await readMeta(second, "k")).toBe("v");
    });

    it("two stores on one database each read what the other wrote", async () => {
      const a = await open();
      const b = await open();
      await a.db.insertInto("meta").values({ key: "from-a", value: "1" }).execute();
      expect(await readMeta(b, "from-a")).toBe("1");
      await b.db.updateTable("meta").set({ value: "2" }).where("key", "=", "from-a").execute();
      await b.db.insertInto("meta").values({ key: "from-b", value: "3" }).execute();
      expect(await readMeta(a, "from-a")).toBe("2");
      expect(await readMeta(a, "from-b")).toBe("3");
    });

    it("another store does not see a transaction's writes until it commits", async () => {
      const a = await open();
      const b = await open();
      await a.db.insertInto("meta").values({ key: "k", value: "old" }).execute();
      let seenDuring: string | undefined;
      await a.db.transaction().execute(async (trx) => {
        await trx.updateTable("meta").set({ value: "new" }).where("key", "=", "k").execute();
        seenDuring = await readMeta(b, "k");
      });
      expect(seenDuring).toBe("old");
      expect(await readMeta(b, "k")).toBe("new");
    });

    it("a transaction that throws rolls back every write and rethrows the error", async () => {
      const store = await open();
      await store.db.insertInto("meta").values({ key: "kept", value: "1" }).execute();
      const boom = new Error("boom");
      const error = await store.db
        .transaction()
        .execute(async (trx) => {
          await trx.insertInto("meta").values({ key: "rolled-back", value: "1" }).execute();
          await trx.updateTable("meta").set({ value: "2" }).where("key", "=", "kept").execute();
          throw boom;
        })
        .catch((e: unknown) => e);
      expect(error).toBe(boom);
      expect(await readMeta(store, "rolled-back")).toBeUndefined();
      expect(await readMeta(store, "kept")).toBe("1");
    });

    it("a transaction that fails on a constraint rolls back its earlier writes", async () => {
      const store = await open();
      await store.db.insertInto("meta").values({ key: "dup", value: "1" }).execute();
      await expect(
        store.db.transaction().execute(async (trx) => {
          await trx.insertInto("meta").values({ key: "first", value: "1" }).execute();
          await trx.insertInto("meta").values({ key: "dup", value: "2" }).execute();
        }),
      ).rejects.toThrow();
      expect(await readMeta(store, "first")).toBeUndefined();
      expect(await readMeta(store, "dup")).toBe("1");
    });

    it("enforces that a model version belongs to a registered model", async () => {
      const store = await open();
      const version = {
        model: "ghost",
        version: 1,
        run_id: "run_1",
        task: "regression",
        family: "linear",
        artifact_key: "runs/run_1/model",
        metrics_json: "{}",
        lineage_json: "{}",
        created_at: 0,
      };
      await expect(store.db.insertInto("model_versions").values(version).execute()).rejects.toThrow();
      await store.db
        .insertInto("models")
        .values({ name: "ghost", task: "regression", family: "linear", release_policy: "auto", created_at: 0 })
        .execute();
      await store.db.insertInto("model_versions").values(version).execute();
      const rows = await store.db.selectFrom("model_versions").select(["model", "version"]).execute();
      expect(rows).toEqual([{ model: "ghost", version: 1 }]);
    });
  });
}
