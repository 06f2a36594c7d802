import { createHash } from "node:crypto";
import { SlipwayError } from "../core/index.js";
import type { ArtifactStore } from "../store/index.js";
import type { FittedModel, ModelState, Signature } from "./estimator.js";

/** Bumped when the bundle layout changes incompatibly; a loader refuses formats it does not know. */
export const BUNDLE_FORMAT_VERSION = 1;

export interface BundleManifest {
  formatVersion: number;
  family: string;
  signature: Signature;
  state: Record<string, unknown>;
  /** Typed-array blobs: file name, element type, length and sha256 of the bytes. */
  blobs: Record<string, { file: string; dtype: "float64"; length: number; sha256: string }>;
  metrics: Record<string, number>;
  lineage: Record<string, unknown>;
  description: Record<string, unknown>;
}

/** Writes a fitted model under `prefix` (blobs first, the manifest last, so a manifest always has its blobs). */
export async function saveBundle(
  store: ArtifactStore,
  prefix: string,
  model: FittedModel,
  extra: { metrics: Record<string, number>; lineage: Record<string, unknown> },
): Promise<BundleManifest> {
  const state = model.state();
  const blobs: BundleManifest["blobs"] = {};
  for (const [name, array] of Object.entries(state.blobs)) {
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    const file = `blobs/${name}.f64`;
    await store.put(`${prefix}/${file}`, bytes);
    blobs[name] = { file, dtype: "float64", length: array.length, sha256: sha256(bytes) };
  }
  const manifest: BundleManifest = {
    formatVersion: BUNDLE_FORMAT_VERSION,
    family: model.family,
    signature: model.signature,
    state: state.json,
    blobs,
    metrics: extra.metrics,
    lineage: extra.lineage,
    description: model.describe(),
  };
  await store.put(`${prefix}/manifest.json`, JSON.stringify(manifest, null, 2));
  return manifest;
}

/** Reads a bundle and verifies every blob's checksum. */
export async function readBundle(
  store: ArtifactStore,
  prefix: string,
): Promise<{ manifest: BundleManifest; state: ModelState }> {
  const manifest = JSON.parse((await store.get(`${prefix}/manifest.json`)).toString("utf8")) as BundleManifest;
  if (manifest.formatVersion !== BUNDLE_FORMAT_VERSION) {
    throw new SlipwayError(
      "SLP_INTERNAL",
      `bundle ${prefix} has format ${manifest.formatVersion}; this build reads format ${BUNDLE_FORMAT_VERSION}`,
    );
  }
  const blobs: Record<string, Float64Array> = {};
  for (const [name, meta] of Object.entries(manifest.blobs)) {
    const bytes = await store.get(`${prefix}/${meta.file}`);
    if (sha256(bytes) !== meta.sha256) {
      throw new SlipwayError("SLP_INTERNAL", `bundle ${prefix}: blob ${name} fails its checksum`);
    }
    // Copy into an aligned buffer: a Buffer from the pool may start at an offset not divisible by 8.
    const copy = new Uint8Array(bytes.byteLength);
    copy.set(bytes);
    blobs[name] = new Float64Array(copy.buffer, 0, meta.length);
  }
  return { manifest, state: { json: manifest.state, blobs } };
}

/**
 * The stored files of a bundle, by key: its manifest and the blobs the manifest names (what {@link readBundle}
 * reads, so a copy of them loads the same model elsewhere, say on another thread). Checksums are verified by
 * whoever reads the copy.
 */
export async function readBundleFiles(store: ArtifactStore, prefix: string): Promise<Map<string, Uint8Array>> {
  const manifestKey = `${prefix}/manifest.json`;
  const manifestBytes = await store.get(manifestKey);
  const manifest = JSON.parse(manifestBytes.toString("utf8")) as Pick<BundleManifest, "blobs">;
  const files = new Map<string, Uint8Array>([[manifestKey, manifestBytes]]);
  for (const meta of Object.values(manifest.blobs ?? {})) {
    const key = `${prefix}/${meta.file}`;
    files.set(key, await store.get(key));
  }
  return files;
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
