import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { SlipwayError } from "../../core/index.js";
import type { ArtifactStore } from "./artifact-store.js";

/** Artifacts as files under one folder; writes go to a temp file in the same folder, fsynced, then renamed. */
export class LocalFolderStore implements ArtifactStore {
  readonly description: string;
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.description = `file:${this.root}`;
  }

  private path(key: string): string {
    const full = resolve(this.root, key);
    if (!key || isAbsolute(key) || full === this.root || !full.startsWith(this.root + sep)) {
      throw new SlipwayError("SLP_INPUT_INVALID", `artifact key ${JSON.stringify(key)} escapes the store`, [
        { field: "key", reason: "must be a relative path inside the store" },
      ]);
    }
    return full;
  }

  async put(key: string, data: Uint8Array | string): Promise<void> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    const temp = `${target}.${randomBytes(6).toString("hex")}.tmp`;
    const handle = await open(temp, "w");
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.path(key));
    } catch (error) {
      // A folder (a prefix of keys) or a path through a file is not a key either, as in an object store.
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "EISDIR" || code === "ENOTDIR") {
        throw new SlipwayError("SLP_MODEL_NOT_FOUND", `artifact ${key} does not exist in ${this.description}`);
      }
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    // Validate outside the try: a key escaping the store is an error, not a missing key.
    const full = this.path(key);
    try {
      return (await stat(full)).isFile();
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const base = prefix ? this.path(prefix) : this.root;
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries: import("node:fs").Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if (isMissing(error)) return;
        throw error;
      }
      for (const entry of entries) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (!entry.name.endsWith(".tmp")) out.push(relative(this.root, full).split(sep).join("/"));
      }
    };
    await walk(base);
    return out.sort();
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }
}

/** A path that does not exist (or runs through a file): the key is absent, not an error. */
function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}
