/**
 * Where model bundles and dataset versions live. Keys are `/`-separated relative paths (`models/call-center/3/
 * manifest.json`); a `put` is atomic: a reader sees the old bytes or the new ones, never part of them.
 */
export interface ArtifactStore {
  readonly description: string;
  put(key: string, data: Uint8Array | string): Promise<void>;
  get(key: string): Promise<Buffer>;
  exists(key: string): Promise<boolean>;
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
}
