import type { Task } from "../core/index.js";
import type { ArtifactStore } from "../store/index.js";
import { readBundle } from "./bundle.js";
import type { FittedModel } from "./estimator.js";
import { familyFor } from "./families/index.js";
import { MultiSeriesModel } from "./multi-series.js";

/** Loads the fitted model of a bundle; the family named in the manifest decides how, no stored code runs. */
export async function loadBundledModel(store: ArtifactStore, prefix: string): Promise<FittedModel> {
  const { manifest, state } = await readBundle(store, prefix);
  if (manifest.signature.idColumn !== undefined) return MultiSeriesModel.load(state, manifest.signature);
  const family = familyFor(manifest.family as Parameters<typeof familyFor>[0], manifest.signature.task as Task);
  return family.load(state, manifest.signature);
}
