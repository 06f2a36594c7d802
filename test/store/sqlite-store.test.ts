import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type MetadataStore, openSqliteStore } from "../../src/store/index.js";
import { metadataStoreSuite } from "../conformance/metadata-store.suite.js";

metadataStoreSuite("SQLite", async () => {
  const dir = await mkdtemp(join(tmpdir(), "slipway-sqlite-"));
  const file = join(dir, "slipway.db");
  return { open: () => openSqliteStore(file), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

async function pragma(store: MetadataStore, name: string): Promise<unknown> {
  const { rows } = await sql<Record<string, unknown>>`PRAGMA ${sql.raw(name)}`.execute(store.db);
  return Object.values(rows[0] ?? {})[0];
}

describe("openSqliteStore (backend-only)", () => {
  let dir: string;
  const stores: MetadataStore[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "slipway-sqlite-"));
  });

  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const open = async (file: string, options?: { busyTimeoutMs?: number }): Promise<MetadataStore> => {
    const store = await openSqliteStore(file, options);
    stores.push(store);
    return store;
  };

  it("uses WAL, so readers and a writer in other processes do not block each other", async () => {
    const store = await open(join(dir, "slipway.db"));
    expect(await pragma(store, "journal_mode")).toBe("wal");
    expect(await pragma(store, "foreign_keys")).toBe(1);
  });

  it("waits on a busy database for 10 s by default, or the given timeout", async () => {
    const byDefault = await open(join(dir, "a.db"));
    expect(await pragma(byDefault, "busy_timeout")).toBe(10_000);
    const custom = await open(join(dir, "b.db"), { busyTimeoutMs: 1234 });
    expect(await pragma(custom, "busy_timeout")).toBe(1234);
  });

  it("creates missing parent folders and describes itself by file", async () => {
    const file = join(dir, "nested", "home", "slipway.db");
    const store = await open(file);
    expect(store.description).toBe(`sqlite:${file}`);
    await store.db.insertInto("meta").values({ key: "k", value: "v" }).execute();
    expect((await store.db.selectFrom("meta").selectAll().execute()).length).toBe(1);
  });
});
