import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, type CliProcess, freePort, startCli, waitFor } from "../helpers/cli-process.js";

/** `slipway serve` and the CLI as separate processes sharing one home: the server follows alias moves. */
describe("slipway serve follows alias moves made by another process", () => {
  let home: string;
  let base: string;
  let serve: CliProcess;
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, ...args], {
      env: { ...process.env, SLIPWAY_HOME: home },
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout;
  };
  const predict = async () => {
    const r = await fetch(`${base}/v1/models/tab/predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ instances: [{ x: 1 }] }),
    });
    expect(r.status).toBe(200);
    return (await r.json()) as { version: number; predictions: { value: number }[] };
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "slipway-serve-"));
    const rows = ["x,y", ...Array.from({ length: 30 }, (_, i) => `${i},${2 * i + (i % 3) - 1}`)];
    await writeFile(join(home, "tab.csv"), `${rows.join("\n")}\n`);
    cli("train", join(home, "tab.csv"), "--target", "y", "--json");
    cli("train", join(home, "tab.csv"), "--target", "y", "--json");
    cli("promote", "tab", "1");
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    serve = startCli(["serve", "--port", String(port), "--timeout", "predict=5000", "--timeout", "admin=20000"], {
      SLIPWAY_HOME: home,
    });
    await waitFor(
      async () => ((await fetch(`${base}/readyz`).catch(() => null))?.ok ? true : undefined),
      30_000,
      "/readyz",
    );
  }, 60_000);

  afterAll(async () => {
    expect(await serve.stop()).toBe(0);
    await rm(home, { recursive: true, force: true });
  });

  it("answers with production, then with the version promoted from the CLI", async () => {
    expect((await predict()).version).toBe(1);
    cli("promote", "tab", "2");
    const moved = await waitFor(async () => ((await predict()).version === 2 ? true : undefined), 10_000, "version 2");
    expect(moved).toBe(true);
    const audit = await (await fetch(`${base}/v1/models/tab`)).json();
    expect(audit).toMatchObject({ aliases: { production: 2 } });
  });

  it("keeps answering while versions move back and forth", async () => {
    const answers: number[] = [];
    const load = (async () => {
      for (let i = 0; i < 60; i++) answers.push((await predict()).version);
    })();
    cli("promote", "tab", "1");
    cli("promote", "tab", "2");
    await load;
    expect(answers).toHaveLength(60);
    expect(answers.every((v) => v === 1 || v === 2)).toBe(true);
  });
});

describe("slipway serve --workers 2", () => {
  it("answers from two processes sharing the port and the home, and stops both on SIGTERM", async () => {
    const home = await mkdtemp(join(tmpdir(), "slipway-workers-"));
    try {
      const rows = ["x,y", ...Array.from({ length: 30 }, (_, i) => `${i},${3 * i + (i % 4)}`)];
      await writeFile(join(home, "tab.csv"), `${rows.join("\n")}\n`);
      const env = { ...process.env, SLIPWAY_HOME: home };
      expect(spawnSync(process.execPath, [CLI, "train", join(home, "tab.csv"), "--target", "y"], { env }).status).toBe(
        0,
      );
      expect(spawnSync(process.execPath, [CLI, "promote", "tab", "1"], { env }).status).toBe(0);
      const port = await freePort();
      const serve = startCli(["serve", "--port", String(port), "--workers", "2"], { SLIPWAY_HOME: home });
      const base = `http://127.0.0.1:${port}`;
      await waitFor(
        async () => ((await fetch(`${base}/readyz`).catch(() => null))?.ok ? true : undefined),
        30_000,
        "/readyz",
      );
      await waitFor(
        async () => (serve.stdout().includes("(2 workers)") ? true : undefined),
        10_000,
        "the address line",
      );
      // Two server processes under the one started.
      const children = spawnSync("pgrep", ["-P", String(serve.child.pid)], { encoding: "utf8" })
        .stdout.trim()
        .split("\n");
      expect(children).toHaveLength(2);
      for (let i = 0; i < 20; i++) {
        const r = await fetch(`${base}/v1/models/tab/predict`, {
          method: "POST",
          headers: { "content-type": "application/json", connection: "close" },
          body: JSON.stringify({ instances: [{ x: 2 }] }),
        });
        expect(r.status).toBe(200);
        expect(((await r.json()) as { version: number }).version).toBe(1);
      }
      expect(await serve.stop()).toBe(0);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  }, 90_000);
});
