import { cp, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CliProcess, freePort, startCli, waitFor } from "./cli-process.js";

/** A copy of an example project, run by `slipway up` on a free port until ready. */
export interface RunningExample {
  dir: string;
  base: string;
  up: CliProcess;
}

/**
 * Copies `example`'s project file and `data/raw/` into a fresh folder (so the run's `.slipway/` and any dropped
 * files stay out of the repository), starts `slipway up` there and waits for `/readyz`.
 */
export async function upExample(example: string): Promise<RunningExample> {
  const dir = await mkdtemp(join(tmpdir(), "slipway-e2e-"));
  await cp(join(example, "slipway.config.json"), join(dir, "slipway.config.json"));
  await cp(join(example, "data", "raw"), join(dir, "data", "raw"), { recursive: true });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const up = startCli(["up", dir, "--port", String(port)], { SLIPWAY_HOME: undefined, PORT: undefined });
  await waitFor(
    async () => ((await fetch(`${base}/readyz`).catch(() => null))?.status === 200 ? true : undefined),
    60_000,
    "/readyz",
  );
  return { dir, base, up };
}
