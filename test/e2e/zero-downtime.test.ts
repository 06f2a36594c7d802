import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, type CliProcess, freePort, startCli, waitFor } from "../helpers/cli-process.js";

/** Concurrent clients keeping the server busy while the release changes under them. */
const CLIENTS = 8;
const MOVES = 10;

/**
 * The zero-downtime contract: `slipway serve` under constant load while another process promotes and rolls back
 * ten times — no non-2xx answer, no socket error, and every answer from one of the two versions.
 */
describe("zero downtime: promote and roll back under load", () => {
  let home: string;
  let base: string;
  let serve: CliProcess;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "slipway-zero-"));
    const rows = ["x,z,y", ...Array.from({ length: 60 }, (_, i) => `${i},${i % 7},${2 * i - (i % 7) + (i % 3)}`)];
    await writeFile(join(home, "tab.csv"), `${rows.join("\n")}\n`);
    const env = { ...process.env, SLIPWAY_HOME: home, SLIPWAY_LOG_LEVEL: "warn" };
    for (const family of ["linear", "gbdt"]) {
      const r = spawnSync(
        process.execPath,
        [CLI, "train", join(home, "tab.csv"), "--target", "y", "--family", family, "--name", "tab", "--json"],
        { env, encoding: "utf8" },
      );
      expect(r.status, r.stderr).toBe(0);
    }
    expect(spawnSync(process.execPath, [CLI, "promote", "tab", "1"], { env }).status).toBe(0);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    serve = startCli(["serve", "--port", String(port)], { SLIPWAY_HOME: home, SLIPWAY_LOG_LEVEL: "warn" });
    await waitFor(
      async () => ((await fetch(`${base}/readyz`).catch(() => null))?.ok ? true : undefined),
      30_000,
      "/readyz",
    );
  }, 90_000);

  afterAll(async () => {
    expect(await serve.stop()).toBe(0);
    await rm(home, { recursive: true, force: true });
  });

  it(`answers every request while another process moves production ${MOVES} times each way`, async () => {
    // The mover: another process, promoting version 2 and rolling back to 1, ten times, then exiting.
    const script = `
      const { execFileSync } = require("node:child_process");
      for (let i = 0; i < ${MOVES}; i++) {
        execFileSync(process.execPath, [${JSON.stringify(CLI)}, "promote", "tab", "2", "--reason", "load test " + i], { stdio: "inherit" });
        execFileSync(process.execPath, [${JSON.stringify(CLI)}, "rollback", "tab", "--reason", "load test " + i], { stdio: "inherit" });
      }`;
    const mover = spawn(process.execPath, ["-e", script], {
      env: { ...process.env, SLIPWAY_HOME: home, SLIPWAY_LOG_LEVEL: "warn" },
      stdio: ["ignore", "ignore", "inherit"],
    });
    let moving = true;
    const moved = once(mover, "exit").then(([code]) => {
      moving = false;
      return code as number;
    });

    const statuses = new Map<number, number>();
    const versions = new Map<number, number>();
    const socketErrors: string[] = [];
    const body = JSON.stringify({ instances: [{ x: 3, z: 3 }] });
    const client = async () => {
      while (moving) {
        try {
          const r = await fetch(`${base}/v1/models/tab/predict`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body,
          });
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          const answer = (await r.json()) as { version: number };
          versions.set(answer.version, (versions.get(answer.version) ?? 0) + 1);
        } catch (error) {
          socketErrors.push(String(error));
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));
    expect(await moved).toBe(0);

    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(socketErrors).toEqual([]);
    expect([...statuses.keys()]).toEqual([200]);
    expect(total).toBeGreaterThan(500);
    expect([...versions.keys()].sort()).toEqual([1, 2]);
    const log = (await (await fetch(`${base}/v1/models/tab`)).json()) as { aliases: Record<string, number> };
    expect(log.aliases.production).toBe(1);
  }, 180_000);
});
