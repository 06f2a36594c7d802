export type { ArtifactStore } from "./artifacts/artifact-store.js";
export { LocalFolderStore } from "./artifacts/local-folder-store.js";
export { type MetadataStore, migrateToLatest } from "./metadata/metadata-store.js";
export type { Database } from "./metadata/schema.js";
export { openSqliteStore } from "./metadata/sqlite/sqlite-store.js";
export { openStores, type Stores } from "./open-stores.js";
