import type { Migration, MigrationProvider } from "kysely";
import * as init from "./0001-init.js";
import * as release from "./0002-release.js";
import * as traffic from "./0003-traffic.js";
import * as versionNotes from "./0004-version-notes.js";
import * as releaseGate from "./0005-release-gate.js";
import * as canarySchedule from "./0006-canary-schedule.js";

/** Every migration, in order. Names sort lexically; never rename or edit one that has shipped. */
const MIGRATIONS: Record<string, Migration> = {
  "0001-init": init,
  "0002-release": release,
  "0003-traffic": traffic,
  "0004-version-notes": versionNotes,
  "0005-release-gate": releaseGate,
  "0006-canary-schedule": canarySchedule,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
