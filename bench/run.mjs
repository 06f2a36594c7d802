#!/usr/bin/env node
// `npm run bench -- <subject> [args…]` runs bench/<subject>.mjs against the freshly built dist/.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const subjects = readdirSync(here)
  .filter((f) => f.endsWith(".mjs") && f !== "run.mjs")
  .map((f) => f.slice(0, -4))
  .sort();
const [subject, ...args] = process.argv.slice(2);
if (!subject || !existsSync(join(here, `${subject}.mjs`))) {
  process.stderr.write(`usage: npm run bench -- <subject> [args…]\nsubjects: ${subjects.join(", ")}\n`);
  process.exit(subject ? 2 : 0);
}
const r = spawnSync(process.execPath, [join(here, `${subject}.mjs`), ...args], { stdio: "inherit" });
process.exit(r.status ?? 1);
