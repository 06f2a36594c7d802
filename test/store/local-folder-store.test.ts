import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isSlipwayError } from "../../src/core/index.js";
import { LocalFolderStore } from "../../src/store/index.js";
import { artifactStoreSuite } from "../conformance/artifact-store.suite.js";

artifactStoreSuite("LocalFolderStore", async () => {
  const dir = await mkdtemp(join(tmpdir(), "slipway-artifacts-"));
  return { store: new LocalFolderStore(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

/** Every file under `dir`, relative, as the file system sees it (temp files included). */
async function filesOnDisk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe("LocalFolderStore (backend-only)", () => {
  let dir: string;
  let store: LocalFolderStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "slipway-artifacts-"));
    store = new LocalFolderStore(dir);
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("describes itself as a file: URL of its resolved root", () => {
    expect(store.description).toBe(`file:${dir}`);
  });

  it("keeps keys as plain files under the root, with no temp file left after a put", async () => {
    await store.put("models/m/1/manifest.json", "{}");
    await store.put("models/m/1/manifest.json", '{"v":2}');
    await store.put("models/m/1/weights.bin", new Uint8Array([1, 2, 3]));
    expect(await filesOnDisk(dir)).toEqual(["models/m/1/manifest.json", "models/m/1/weights.bin"]);
  });

  it("a put that cannot be renamed into place leaves no temp file and the old keys intact", async () => {
    // `models` is a folder holding a key, so renaming a file onto it fails after the temp file is written.
    await store.put("models/m/1/manifest.json", "{}");
    const error = await store.put("models", "clobber").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(await filesOnDisk(dir)).toEqual(["models/m/1/manifest.json"]);
    expect((await store.get("models/m/1/manifest.json")).toString()).toBe("{}");
  });

  it("does not list a temp file left by a crashed writer", async () => {
    await store.put("models/m/1/manifest.json", "{}");
    await writeFile(join(dir, "models/m/1/manifest.json.abc123.tmp"), "partial");
    expect(await store.list("models")).toEqual(["models/m/1/manifest.json"]);
  });

  it("rejects an absolute key even when it points inside the root", async () => {
    await mkdir(join(dir, "inside"), { recursive: true });
    const error = await store.put(join(dir, "inside", "x"), "x").catch((e: unknown) => e);
    expect(isSlipwayError(error) && error.code).toBe("SLP_INPUT_INVALID");
    expect(await filesOnDisk(dir)).toEqual([]);
  });
});
