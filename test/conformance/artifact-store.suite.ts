import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isSlipwayError } from "../../src/core/index.js";
import { Rng } from "../../src/ml/random.js";
import type { ArtifactStore } from "../../src/store/index.js";

/** A fresh, empty store and the way to dispose of it (remove its folder, bucket prefix, …). */
export interface ArtifactStoreFixture {
  store: ArtifactStore;
  cleanup(): Promise<void>;
}

/** Seeded bytes covering every byte value, so an encoding round trip (UTF-8, base64) would show. */
function randomBytes(seed: number, size: number): Uint8Array {
  const rng = new Rng(seed);
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.int(256);
  return out;
}

/** Resolves to the error the promise rejects with; fails the test when it resolves instead. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection, but the promise resolved");
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await rejection(promise);
  expect(isSlipwayError(error), String(error)).toBe(true);
  if (isSlipwayError(error)) expect(error.code).toBe(code);
}

/** Keys that leave the store's root: relative escapes and absolute paths. */
const ESCAPING_KEYS = ["../x", "../../etc/passwd", "a/../../x", "/x", "/etc/passwd", "..", "."];

/**
 * The contract every `ArtifactStore` backend must meet (see `src/store/artifacts/artifact-store.ts`). Each backend's
 * test calls this with a factory that opens a fresh, empty store.
 */
export function artifactStoreSuite(name: string, factory: () => Promise<ArtifactStoreFixture>): void {
  describe(`ArtifactStore conformance: ${name}`, () => {
    let fixture: ArtifactStoreFixture;
    let store: ArtifactStore;

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });

    afterEach(async () => {
      await fixture.cleanup();
    });

    it("has a description naming the backend", () => {
      expect(store.description.length).toBeGreaterThan(0);
    });

    it("round-trips bytes exactly", async () => {
      const bytes = randomBytes(7, 4096);
      await store.put("models/m/1/weights.bin", bytes);
      const back = await store.get("models/m/1/weights.bin");
      expect(Buffer.isBuffer(back)).toBe(true);
      expect(back.equals(Buffer.from(bytes))).toBe(true);
    });

    it("round-trips strings as UTF-8", async () => {
      const text = '{"name":"café ☕","values":[1,2,3]}\n';
      await store.put("models/m/1/manifest.json", text);
      const back = await store.get("models/m/1/manifest.json");
      expect(back.toString("utf8")).toBe(text);
      expect(back.length).toBe(Buffer.byteLength(text, "utf8"));
    });

    it("round-trips an empty value", async () => {
      await store.put("empty", new Uint8Array(0));
      expect((await store.get("empty")).length).toBe(0);
      expect(await store.exists("empty")).toBe(true);
    });

    it("overwrites a key with the new bytes, also when they are shorter", async () => {
      await store.put("k", randomBytes(1, 1000));
      const shorter = randomBytes(2, 10);
      await store.put("k", shorter);
      expect((await store.get("k")).equals(Buffer.from(shorter))).toBe(true);
      expect(await store.list("")).toEqual(["k"]);
    });

    it("reports whether a key exists", async () => {
      expect(await store.exists("a/b.json")).toBe(false);
      await store.put("a/b.json", "{}");
      expect(await store.exists("a/b.json")).toBe(true);
      // A prefix of stored keys is not itself a key.
      expect(await store.exists("a")).toBe(false);
      expect(await store.exists("a/b")).toBe(false);
    });

    it("lists keys under a prefix, sorted, with `/` separators", async () => {
      const keys = ["models/b/1/manifest.json", "models/a/2/x.bin", "models/a/1/manifest.json", "datasets/d/1.json"];
      for (const key of keys) await store.put(key, key);
      expect(await store.list("models/a")).toEqual(["models/a/1/manifest.json", "models/a/2/x.bin"]);
      expect(await store.list("models/a/")).toEqual(["models/a/1/manifest.json", "models/a/2/x.bin"]);
      expect(await store.list("models")).toEqual([
        "models/a/1/manifest.json",
        "models/a/2/x.bin",
        "models/b/1/manifest.json",
      ]);
      expect(await store.list("")).toEqual([...keys].sort());
    });

    it("lists nothing under a prefix with no keys", async () => {
      await store.put("models/a/1/manifest.json", "{}");
      expect(await store.list("models/zzz")).toEqual([]);
      expect(await store.list("nothing-here/")).toEqual([]);
    });

    it("never lists temporary files, even after many overwrites", async () => {
      for (let i = 0; i < 20; i++) await store.put("models/m/1/manifest.json", `{"i":${i}}`);
      expect(await store.list("")).toEqual(["models/m/1/manifest.json"]);
      expect((await store.get("models/m/1/manifest.json")).toString()).toBe('{"i":19}');
    });

    it("deletes a key and leaves its siblings", async () => {
      await store.put("m/1", "one");
      await store.put("m/2", "two");
      await store.delete("m/1");
      expect(await store.exists("m/1")).toBe(false);
      expect(await store.list("m")).toEqual(["m/2"]);
      expect((await store.get("m/2")).toString()).toBe("two");
    });

    it("deleting a missing key is not an error", async () => {
      await expect(store.delete("never/written")).resolves.toBeUndefined();
    });

    it("answers SLP_MODEL_NOT_FOUND for a key that was never written or was deleted", async () => {
      await expectCode(store.get("never/written.json"), "SLP_MODEL_NOT_FOUND");
      await store.put("gone", "x");
      await store.delete("gone");
      await expectCode(store.get("gone"), "SLP_MODEL_NOT_FOUND");
    });

    it("answers SLP_MODEL_NOT_FOUND for a prefix of keys, or a path through a key, used as a key", async () => {
      await store.put("models/m/1/manifest.json", "{}");
      await expectCode(store.get("models/m"), "SLP_MODEL_NOT_FOUND");
      await expectCode(store.get("models/m/1/manifest.json/inner"), "SLP_MODEL_NOT_FOUND");
    });

    it("rejects keys that escape the store on every operation, with SLP_INPUT_INVALID", async () => {
      for (const key of ESCAPING_KEYS) {
        await expectCode(store.put(key, "x"), "SLP_INPUT_INVALID");
        await expectCode(store.get(key), "SLP_INPUT_INVALID");
        await expectCode(store.exists(key), "SLP_INPUT_INVALID");
        await expectCode(store.delete(key), "SLP_INPUT_INVALID");
      }
      await expectCode(store.list("../"), "SLP_INPUT_INVALID");
      await expectCode(store.list("/etc"), "SLP_INPUT_INVALID");
      // Nothing was written by the rejected puts.
      expect(await store.list("")).toEqual([]);
    });

    it("rejects an empty key", async () => {
      await expectCode(store.put("", "x"), "SLP_INPUT_INVALID");
      await expectCode(store.get(""), "SLP_INPUT_INVALID");
    });

    it("a reader racing writers sees a whole old or a whole new value, never a mix", async () => {
      const size = 256 * 1024;
      const a = Buffer.alloc(size, 0xaa);
      const b = Buffer.alloc(size, 0xbb);
      await store.put("race", a);
      const reads: Promise<Buffer>[] = [];
      const writes: Promise<void>[] = [];
      for (let i = 0; i < 10; i++) {
        writes.push(store.put("race", i % 2 === 0 ? b : a));
        reads.push(store.get("race"));
      }
      await Promise.all(writes);
      for (const read of await Promise.all(reads)) {
        expect(read.length).toBe(size);
        expect(read.equals(a) || read.equals(b)).toBe(true);
      }
      expect(await store.list("")).toEqual(["race"]);
    });
  });
}
