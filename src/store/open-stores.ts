import { join } from "node:path";
import { SlipwayError } from "../core/index.js";
import type { ArtifactStore } from "./artifacts/artifact-store.js";
import { LocalFolderStore } from "./artifacts/local-folder-store.js";
import type { MetadataStore } from "./metadata/metadata-store.js";
import { openSqliteStore } from "./metadata/sqlite/sqlite-store.js";

export interface Stores {
  home: string;
  metadata: MetadataStore;
  artifacts: ArtifactStore;
  quarantineDir: string;
  close(): Promise<void>;
}

/**
 * Opens the stores of a Slipway home folder. The metadata URL and artifact URL default to the embedded backends
 * inside `home`; other schemes are named in the error until their backends exist.
 */
export async function openStores(
  home: string,
  urls: { metadataUrl?: string; artifactsUrl?: string } = {},
): Promise<Stores> {
  const metadataUrl = urls.metadataUrl ?? `sqlite:${join(home, "slipway.db")}`;
  const artifactsUrl = urls.artifactsUrl ?? `file:${join(home, "artifacts")}`;
  const metadata = await openMetadata(metadataUrl);
  const artifacts = openArtifacts(artifactsUrl);
  return {
    home,
    metadata,
    artifacts,
    quarantineDir: join(home, "quarantine"),
    close: () => metadata.close(),
  };
}

async function openMetadata(url: string): Promise<MetadataStore> {
  if (url.startsWith("sqlite:")) return openSqliteStore(url.slice("sqlite:".length));
  throw new SlipwayError("SLP_CONFIG_INVALID", `unsupported metadata URL scheme in ${url}`, [
    { field: "SLIPWAY_METADATA_URL", reason: "known schemes: sqlite:" },
  ]);
}

function openArtifacts(url: string): ArtifactStore {
  if (url.startsWith("file:")) return new LocalFolderStore(url.slice("file:".length));
  throw new SlipwayError("SLP_CONFIG_INVALID", `unsupported artifact URL scheme in ${url}`, [
    { field: "SLIPWAY_ARTIFACTS_URL", reason: "known schemes: file:" },
  ]);
}
