import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from "../../src/monitor/index.js";
import { CLI, startCli, waitFor } from "../helpers/cli-process.js";
import { tabularCsv } from "../serve/serve-fixture.js";

const SECRET = "webhook-test-secret";
let home: string;
let hooks: Server;
let hookUrl: string;
const received: { headers: IncomingHttpHeaders; body: string }[] = [];

/** `slipway ARGS…` as a child process (not spawnSync: the webhook receiver runs in this process). */
async function slipway(...args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: {
      ...process.env,
      SLIPWAY_HOME: home,
      SLIPWAY_LOG_LEVEL: "warn",
      SLIPWAY_ACTOR: "carol",
      SLIPWAY_WEBHOOK_URL: hookUrl,
      SLIPWAY_WEBHOOK_SECRET: SECRET,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const [code] = await once(child, "exit");
  return { code: code as number | null, stdout, stderr };
}

async function ok<T = Record<string, unknown>>(...args: string[]): Promise<T> {
  const r = await slipway(...args);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

async function fails(code: string, ...args: string[]): Promise<void> {
  const r = await slipway(...args);
  expect(r.code, r.stdout).toBe(2);
  expect(JSON.parse(r.stderr.trim().split("\n").at(-1) as string).error.code).toBe(code);
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "slipway-release-cli-"));
  await writeFile(join(home, "tab.csv"), tabularCsv(5));
  hooks = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => {
      body += d;
    });
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.end("ok");
    });
  });
  hooks.listen(0, "127.0.0.1");
  await once(hooks, "listening");
  hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hooks/slipway`;
  for (const seed of ["1", "2"]) {
    await ok(
      "train",
      join(home, "tab.csv"),
      "--target",
      "y",
      "--family",
      "linear",
      "--name",
      "houses",
      "--seed",
      seed,
      "--json",
    );
  }
}, 120_000);

afterAll(async () => {
  hooks?.close();
  await rm(home, { recursive: true, force: true });
});

describe("slipway policy / promote / approve / reject / rollback", () => {
  it("runs the manual approval flow, announced on the signed webhook", async () => {
    expect(await ok("promote", "houses", "1", "--json")).toMatchObject({ to: 1, status: "released" });
    expect(await ok("policy", "houses", "--json")).toEqual({ model: "houses", policy: "auto" });
    expect(await ok("policy", "houses", "manual", "--json")).toEqual({
      model: "houses",
      from: "auto",
      policy: "manual",
    });

    const promoted = await ok<{ status: string; alias: string; approval: { id: number; requested_by: string } }>(
      "promote",
      "houses",
      "2",
      "--reason",
      "retrained on March",
      "--json",
    );
    expect(promoted).toMatchObject({
      status: "pending_approval",
      alias: "staging",
      approval: { requested_by: "carol" },
    });
    // The CLI process delivered the announcement before it exited.
    const request = received.find((r) => r.headers["x-slipway-event"] === "model.approval.requested");
    expect(request).toBeDefined();
    const ts = request?.headers[TIMESTAMP_HEADER] as string;
    expect(request?.headers[SIGNATURE_HEADER]).toBe(signWebhook(SECRET, ts, request?.body as string));
    expect(JSON.parse(request?.body as string)).toMatchObject({
      event: "model.approval.requested",
      data: {
        model: "houses",
        version: 2,
        requestId: promoted.approval.id,
        requestedBy: "carol",
        reason: "retrained on March",
      },
    });

    const pending = await ok<{ approvals: { version: number; state: string }[] }>(
      "approvals",
      "houses",
      "--pending",
      "--json",
    );
    expect(pending.approvals.map((a) => [a.version, a.state])).toEqual([[2, "pending"]]);
    const listed = await ok<{ models: { aliases: Record<string, number> }[] }>("models", "--json");
    expect(listed.models[0]?.aliases).toEqual({ production: 1, staging: 2 });

    const approved = await ok("approve", "houses", "2", "--reason", "backtest checked", "--json");
    expect(approved).toMatchObject({
      alias: "production",
      from: 1,
      to: 2,
      approval: { state: "approved", decided_by: "carol" },
    });
    expect(received.some((r) => r.headers["x-slipway-event"] === "model.approval.decided")).toBe(true);
    await fails("SLP_RELEASE_CONFLICT", "approve", "houses", "2", "--reason", "again", "--json");
    await fails("SLP_RELEASE_CONFLICT", "reject", "houses", "2", "--reason", "too late", "--json");

    expect(await ok("rollback", "houses", "--reason", "alerts", "--json")).toEqual({
      model: "houses",
      alias: "production",
      from: 2,
      to: 1,
    });
    await fails("SLP_RELEASE_CONFLICT", "rollback", "houses", "--json");
  }, 60_000);

  it("refuses bad arguments with exit code 2", async () => {
    await fails("SLP_INPUT_INVALID", "policy", "houses", "sometimes", "--json");
    await fails("SLP_INPUT_INVALID", "approve", "houses", "x", "--reason", "r", "--json");
    await fails("SLP_MODEL_NOT_FOUND", "rollback", "nobody", "--json");
    const missingReason = await slipway("reject", "houses", "2");
    expect(missingReason.code).toBe(2);
    expect(missingReason.stderr).toContain("--reason");
  });

  it.each([
    "policy",
    "approve",
    "reject",
    "rollback",
    "approvals",
    "token",
    "token create",
    "token list",
    "token revoke",
  ])("%s --help", async (command) => {
    const r = await slipway(...command.split(" "), "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: slipway");
  });
});

describe("slipway canary / shadow", () => {
  it("sets, steps and ends a canary and a shadow", async () => {
    expect(await ok("canary", "houses", "2", "--share", "0.2", "--json")).toMatchObject({
      model: "houses",
      kind: "canary",
      version: 2,
      share: 0.2,
      from: null,
    });
    expect(await ok("canary", "houses", "2", "--share", "0.5", "--json")).toMatchObject({
      share: 0.5,
      from: { version: 2, share: 0.2 },
    });
    expect(await ok("canary", "houses", "--end", "--json")).toMatchObject({ kind: "canary", version: 2 });
    await fails("SLP_RELEASE_CONFLICT", "canary", "houses", "--end", "--json");
    await fails("SLP_INPUT_INVALID", "canary", "houses", "2", "--share", "1.5", "--json");
    await fails("SLP_INPUT_INVALID", "canary", "houses", "2", "--share", "lots", "--json");
    await fails("SLP_MODEL_NOT_FOUND", "canary", "houses", "9", "--json");
    expect(await ok("shadow", "houses", "2", "--json")).toMatchObject({ kind: "shadow", version: 2 });
    expect(await ok("shadow", "houses", "--end", "--json")).toMatchObject({ kind: "shadow", version: 2 });
  }, 30_000);
});

describe("slipway tag / describe / models NAME", () => {
  it("tags and describes a version, shown by models", async () => {
    expect(await ok("tag", "houses", "2", "team=pricing", "ticket=ML-42", "--reason", "triage", "--json")).toEqual({
      model: "houses",
      version: 2,
      tags: { team: "pricing", ticket: "ML-42" },
      changes: [
        { key: "team", from: null, to: "pricing" },
        { key: "ticket", from: null, to: "ML-42" },
      ],
    });
    // key=a=b keeps everything after the first '='; an empty value is allowed.
    expect(await ok("tag", "houses", "2", "note=a=b", "empty=", "--remove", "ticket", "--json")).toMatchObject({
      tags: { empty: "", note: "a=b", team: "pricing" },
    });
    const text = await slipway("tag", "houses", "2", "team=pricing");
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toBe("houses version 2: no change\n");
    expect(await ok("describe", "houses", "2", "Retrained on March", "--json")).toEqual({
      model: "houses",
      version: 2,
      description: "Retrained on March",
      from: null,
    });

    const one = await ok<{ name: string; versions: { version: number; description: string | null; tags: object }[] }>(
      "models",
      "houses",
      "--json",
    );
    expect(one.name).toBe("houses");
    expect(one.versions.map((v) => [v.version, v.description, v.tags])).toEqual([
      [1, null, {}],
      [2, "Retrained on March", { empty: "", note: "a=b", team: "pricing" }],
    ]);
    const all = await ok<{ models: { versions: { tags: object }[] }[] }>("models", "--json");
    expect(all.models[0]?.versions[1]?.tags).toEqual({ empty: "", note: "a=b", team: "pricing" });
    const table = await slipway("models", "houses");
    expect(table.stdout.split("\n")[0]).toMatch(/^version\s+family\s+created\s+aliases\s+tags\s+description$/);
    expect(table.stdout).toContain("empty= note=a=b team=pricing  Retrained on March");
  });

  it("refuses bad tags and descriptions, naming the argument", async () => {
    const details = async (...args: string[]) => {
      const r = await slipway(...args);
      expect(r.code, r.stdout).toBe(2);
      const body = JSON.parse(r.stderr.trim().split("\n").at(-1) as string);
      expect(body.error.code).toBe("SLP_INPUT_INVALID");
      return body.error.details as { field: string; reason: string }[];
    };
    expect(await details("tag", "houses", "2", "no-equals", "--json")).toEqual([
      { field: "TAGS", reason: 'expected key=value, got "no-equals"' },
    ]);
    expect((await details("tag", "houses", "2", "bad key=x", "--json"))[0]?.field).toBe("TAGS");
    expect((await details("tag", "houses", "2", `k=${"v".repeat(257)}`, "--json"))[0]?.reason).toContain("256");
    expect((await details("tag", "houses", "2", "a=1", "--remove", "a", "--json"))[0]?.field).toBe("--remove");
    expect((await details("tag", "houses", "2", "--json"))[0]).toEqual({
      field: "TAGS",
      reason: "nothing to set or remove",
    });
    expect((await details("describe", "houses", "2", "x".repeat(2001), "--json"))[0]?.field).toBe("TEXT");
    expect((await details("describe", "houses", "x", "text", "--json"))[0]?.field).toBe("VERSION");
    await fails("SLP_MODEL_NOT_FOUND", "tag", "houses", "9", "a=b", "--json");
    await fails("SLP_MODEL_NOT_FOUND", "describe", "nobody", "1", "text", "--json");
    await fails("SLP_MODEL_NOT_FOUND", "models", "nobody", "--json");
  });

  it.each(["tag", "describe", "models"])("%s --help", async (command) => {
    const r = await slipway(command, "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: slipway ${command}`);
  });
});

describe("slipway policy --gate / promote --force", () => {
  it("sets gate conditions, refuses a failing promotion, and lets --force with a reason through", async () => {
    expect(await ok("policy", "houses", "--gate", "rmse<=0", "--reason", "nothing passes", "--json")).toEqual({
      model: "houses",
      from: "manual",
      policy: "manual",
      gate: [{ metric: "rmse", max: 0 }],
    });
    expect(await ok("policy", "houses", "--json")).toEqual({
      model: "houses",
      policy: "manual",
      gate: [{ metric: "rmse", max: 0 }],
    });
    expect((await slipway("policy", "houses")).stdout).toBe("houses: manual; gate rmse<=0\n");

    const refused = await slipway("promote", "houses", "2", "--json");
    expect(refused.code).toBe(2);
    const body = JSON.parse(refused.stderr.trim().split("\n").at(-1) as string);
    expect(body.error).toMatchObject({ code: "SLP_GATE_FAILED", details: [{ field: "rmse" }] });
    expect(body.error.message).toContain("rmse: candidate");
    const text = await slipway("promote", "houses", "2");
    expect(text.stderr).toMatch(
      /^slipway: version 2 of houses fails the release gate: rmse: candidate .* > 0\n {2}rmse: /,
    );

    await fails("SLP_INPUT_INVALID", "promote", "houses", "2", "--force", "--json");
    const forced = await ok<{ status: string; gate: { forced: boolean; passed: boolean } }>(
      "promote",
      "houses",
      "2",
      "--force",
      "--reason",
      "accepted by the team",
      "--json",
    );
    expect(forced).toMatchObject({ status: "pending_approval", gate: { passed: false, forced: true } });
    await fails("SLP_GATE_FAILED", "approve", "houses", "2", "--reason", "ok", "--json");
    const approved = await slipway("approve", "houses", "2", "--reason", "accepted by the team", "--force");
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toMatch(/^houses@production: 1 -> 2 \(approved\) \(gate overridden: rmse: candidate /);

    expect(await ok("policy", "houses", "auto", "--gate", "rmse<=1.5x", "--gate", "r2>=0.5", "--json")).toEqual({
      model: "houses",
      from: "manual",
      policy: "auto",
      gate: [
        { metric: "rmse", maxRatio: 1.5 },
        { metric: "r2", min: 0.5 },
      ],
    });
    expect(await ok("promote", "houses", "1", "--json")).toMatchObject({
      status: "released",
      gate: { passed: true, champion_version: 2 },
    });
    expect((await slipway("policy", "houses", "--no-gate")).stdout).toBe(
      "houses: auto -> auto; gate rmse<=1.5x, r2>=0.5 -> none\n",
    );
    expect(await ok<{ models: { release_gate: unknown[] }[] }>("models", "--json")).toMatchObject({
      models: [{ release_gate: [] }],
    });
  }, 60_000);

  it("refuses malformed conditions as usage errors", async () => {
    for (const args of [
      ["--gate", "rmse<1"],
      ["--gate", "rmse<=0x"],
      ["--gate", "rmse<=1", "--no-gate"],
    ]) {
      const r = await slipway("policy", "houses", ...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toContain("--gate");
    }
    const help = await slipway("promote", "--help");
    expect(help.stdout).toContain("--force");
  });
});

describe("slipway canary --step / --every", () => {
  it("refuses an incomplete or malformed schedule, naming the flag", async () => {
    const field = async (...args: string[]) => {
      const r = await slipway("canary", "houses", "2", "--share", "0.1", ...args, "--json");
      expect(r.code, r.stdout).toBe(2);
      const body = JSON.parse(r.stderr.trim().split("\n").at(-1) as string);
      expect(body.error.code).toBe("SLP_INPUT_INVALID");
      return body.error.details[0]?.field as string;
    };
    expect(await field("--step", "0.5")).toBe("--every");
    expect(await field("--every", "10m")).toBe("--step");
    expect(await field("--max-latency-ratio", "2")).toBe("--step");
    expect(await field("--step", "0.5", "--every", "10")).toBe("--every");
    expect(await field("--step", "0.5", "--every", "500ms")).toBe("--every");
    expect(await field("--step", "0", "--every", "1m")).toBe("--step");
    expect(await field("--step", "0.5", "--every", "1m", "--max-latency-ratio", "fast")).toBe("--max-latency-ratio");
  });

  it("a running slipway serve raises the share on schedule and promotes the version at 1", async () => {
    const text = await slipway("canary", "houses", "2", "--share", "0.2", "--step", "0.1", "--every", "10m");
    expect(text.stdout).toBe(
      "houses: version 2 takes 20.0% of production traffic; step 0.1 every 10m, then production\n",
    );
    const set = await ok<{ schedule: Record<string, unknown> }>(
      "canary",
      "houses",
      "2",
      "--share",
      "0.5",
      "--step",
      "0.5",
      "--every",
      "1s",
      "--max-latency-ratio",
      "3",
      "--json",
    );
    expect(set).toMatchObject({ share: 0.5, schedule: { step: 0.5, every_ms: 1000, max_latency_ratio: 3 } });
    // No predictions reach the server, so its latency check holds the share; a schedule without one steps.
    await ok("canary", "houses", "2", "--share", "0.5", "--step", "0.5", "--every", "1s", "--json");
    const server = startCli(["serve", "--port", "0"], { SLIPWAY_HOME: home, SLIPWAY_LOG_LEVEL: "warn" });
    try {
      await waitFor(
        async () => {
          const m = await ok<{ aliases: Record<string, number> }>("models", "houses", "--json");
          return m.aliases.production === 2 ? true : undefined;
        },
        30_000,
        "the canary schedule to promote version 2",
      );
    } finally {
      expect(await server.stop()).toBe(0);
    }
    await fails("SLP_RELEASE_CONFLICT", "canary", "houses", "--end", "--json");
  }, 60_000);
});

describe("slipway token", () => {
  it("creates a token shown once, lists it without the secret, revokes it", async () => {
    const t = await ok<{ id: string; token: string; scopes: string[] }>(
      "token",
      "create",
      "--name",
      "ci",
      "--scopes",
      "predict,read",
      "--json",
    );
    expect(t.token).toMatch(/^slp_/);
    expect(t.scopes).toEqual(["predict", "read"]);
    const list = await slipway("token", "list", "--json");
    expect(list.stdout).toContain(t.id);
    expect(list.stdout).not.toContain(t.token);
    const revoked = await ok<{ revoked_at: string | null }>("token", "revoke", t.id, "--json");
    expect(revoked.revoked_at).not.toBeNull();
    await fails("SLP_TOKEN_NOT_FOUND", "token", "revoke", "tok_nope", "--json");
    await fails("SLP_INPUT_INVALID", "token", "create", "--name", "x", "--scopes", "root", "--json");
  });
});
