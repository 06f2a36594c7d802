import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trainFromFile } from "../../src/pipeline/index.js";
import { openHarness, type ServeHarness } from "./serve-fixture.js";

interface ErrorBody {
  error: { code: string; message: string; details: { field: string; reason: string }[] };
}

let h: ServeHarness;
let base: string;
let admin: string;
let predictOnly: string;

/** The admin routes with a valid body each (the auth check comes before the body's). */
const ADMIN_ROUTES: [string, string, unknown][] = [
  ["POST", "/v1/admin/models/price/promote", { version: 1 }],
  ["POST", "/v1/admin/models/price/approve", { version: 1, reason: "r" }],
  ["POST", "/v1/admin/models/price/reject", { version: 1, reason: "r" }],
  ["POST", "/v1/admin/models/price/rollback", {}],
  ["POST", "/v1/admin/models/price/canary", { version: 2, share: 0.1 }],
  ["DELETE", "/v1/admin/models/price/canary", undefined],
  ["POST", "/v1/admin/models/price/shadow", { version: 2 }],
  ["DELETE", "/v1/admin/models/price/shadow", undefined],
  ["POST", "/v1/admin/models/price/versions/1/tags", { set: { team: "ml" } }],
  ["POST", "/v1/admin/models/price/versions/1/description", { description: "d" }],
  ["POST", "/v1/admin/tokens", { name: "x", scopes: ["read"] }],
  ["DELETE", "/v1/admin/tokens/tok_missing", undefined],
];

async function call(method: string, path: string, body?: unknown, token?: string) {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
}

function expectError(res: { status: number; json: unknown }, status: number, code: string): ErrorBody {
  expect(res.status, JSON.stringify(res.json)).toBe(status);
  const body = res.json as ErrorBody;
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(body.error.details.length).toBeGreaterThan(0);
  return body;
}

beforeAll(async () => {
  h = await openHarness();
  // The server follows alias moves made through the registry, as `slipway serve` does.
  h.rt.bus.on("model.alias.moved", () => void h.cache.refresh());
  // Versions 2 and 3 of `price`.
  for (const seed of [2, 3]) {
    await trainFromFile(h.rt, { data: h.tabularPath, target: "y", family: "linear", name: "price", seed });
  }
  base = await h.app.listen({ host: "127.0.0.1", port: 0 });
  admin = (await h.tokens.create("ops", ["admin"], { actor: "test" })).token;
  predictOnly = (await h.tokens.create("app", ["predict"], { actor: "test" })).token;
});
afterAll(async () => {
  await h?.close();
});

describe("admin routes: authentication", () => {
  it.each(ADMIN_ROUTES)(
    "%s %s: 401 without a token, 401 with an unknown one, 403 with a predict token",
    async (method, path, body) => {
      const none = await call(method, path, body);
      expectError(none, 401, "SLP_AUTH_MISSING");
      expect(none.headers.get("www-authenticate")).toBe("Bearer");
      expectError(await call(method, path, body, "slp_not-a-token"), 401, "SLP_AUTH_INVALID");
      const forbidden = expectError(await call(method, path, body, predictOnly), 403, "SLP_AUTH_FORBIDDEN");
      expect(forbidden.error.details[0]).toEqual({ field: "authorization", reason: "needs scope admin" });
    },
  );

  it("refuses a malformed authorization header", async () => {
    const res = await fetch(`${base}/v1/admin/models/price/rollback`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Basic dXNlcjpwYXNz" },
      body: "{}",
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as ErrorBody).error.details[0]?.reason).toBe("expected 'Bearer <token>'");
  });
});

describe("admin routes: release steps over HTTP", () => {
  const predictVersion = async (path = "/v1/models/price/predict") => {
    const res = await call("POST", path, { instances: [{ f0: 0.1, f1: 0.2, f2: 0.3, f3: 0 }] });
    expect(res.status).toBe(200);
    return (res.json as { version: number }).version;
  };

  it("manual approval: staging waits, reject keeps production, approve moves it, rollback restores it", async () => {
    await h.rt.registry.setPolicy("price", "manual", { actor: "test", reason: "sign-off" });
    expect(await predictVersion()).toBe(1);

    const promoted = await call("POST", "/v1/admin/models/price/promote", { version: 2, reason: "retrained" }, admin);
    expect(promoted.status).toBe(200);
    expect(promoted.json).toMatchObject({ model: "price", alias: "staging", to: 2, status: "pending_approval" });
    const approval = (promoted.json as { approval: { id: number; state: string; requested_by: string } }).approval;
    expect(approval).toMatchObject({ state: "pending", requested_by: "token:ops" });
    await h.cache.refresh();
    expect(await predictVersion()).toBe(1);
    // A version pinned per request is served although it is not production.
    expect(await predictVersion("/v1/models/price/versions/2/predict")).toBe(2);

    const rejected = await call(
      "POST",
      "/v1/admin/models/price/reject",
      { version: 2, reason: "worse on Mondays" },
      admin,
    );
    expect(rejected.json).toMatchObject({ model: "price", version: 2, approval: { state: "rejected" } });
    expect(await predictVersion()).toBe(1);
    expectError(
      await call("POST", "/v1/admin/models/price/approve", { version: 2, reason: "too late" }, admin),
      409,
      "SLP_RELEASE_CONFLICT",
    );

    await call("POST", "/v1/admin/models/price/promote", { version: 3, reason: "retrained again" }, admin);
    const approved = await call("POST", "/v1/admin/models/price/approve", { version: 3, reason: "looks good" }, admin);
    expect(approved.json).toMatchObject({ alias: "production", from: 1, to: 3, approval: { state: "approved" } });
    await h.cache.refresh();
    expect(await predictVersion()).toBe(3);

    const back = await call("POST", "/v1/admin/models/price/rollback", { reason: "alerts" }, admin);
    expect(back.json).toEqual({ model: "price", alias: "production", from: 3, to: 1 });
    await h.cache.refresh();
    expect(await predictVersion()).toBe(1);

    const log = (await h.rt.registry.auditLog("price")).map((e) => `${e.action} ${e.actor} ${e.toVersion}`);
    expect(log.slice(-8)).toEqual([
      "policy test null",
      "promote token:ops 2",
      "approval.request token:ops 2",
      "reject token:ops 2",
      "promote token:ops 3",
      "approval.request token:ops 3",
      "approve token:ops 3",
      "rollback token:ops 1",
    ]);
    expect((await h.rt.registry.auditLog("price")).at(-1)?.reason).toBe("alerts");
  });

  it("validates bodies and names the field", async () => {
    const bad = expectError(
      await call("POST", "/v1/admin/models/price/approve", { version: 3 }, admin),
      400,
      "SLP_INPUT_INVALID",
    );
    expect(bad.error.details.map((d) => d.field)).toContain("/reason");
    expectError(
      await call("POST", "/v1/admin/models/price/promote", { version: "3" }, admin),
      400,
      "SLP_INPUT_INVALID",
    );
    expectError(
      await call("POST", "/v1/admin/models/price/promote", { version: 99 }, admin),
      404,
      "SLP_MODEL_NOT_FOUND",
    );
    expectError(
      await call("POST", "/v1/admin/tokens", { name: "x", scopes: ["root"] }, admin),
      400,
      "SLP_INPUT_INVALID",
    );
    expectError(await call("DELETE", "/v1/admin/tokens/tok_missing", undefined, admin), 404, "SLP_TOKEN_NOT_FOUND");
  });
});

describe("admin routes: the release policy's gate", () => {
  it("refuses a promotion that fails the gate with 409 SLP_GATE_FAILED; force with a reason overrides it", async () => {
    // Every trained version has an rmse above 0, so this absolute bound fails them all.
    await h.rt.registry.updatePolicy("price", { gate: [{ metric: "rmse", max: 0 }] }, { actor: "test", reason: "r" });
    const refused = expectError(
      await call("POST", "/v1/admin/models/price/promote", { version: 2, reason: "retrained" }, admin),
      409,
      "SLP_GATE_FAILED",
    );
    expect(refused.error.details.map((d) => d.field)).toEqual(["rmse"]);
    expect(refused.error.message).toMatch(/^version 2 of price fails the release gate: rmse: candidate \S+ > 0$/);
    expect((await h.rt.registry.auditLog("price")).at(-1)).toMatchObject({
      action: "promote.refused",
      actor: "token:ops",
      toVersion: 2,
    });

    const noReason = expectError(
      await call("POST", "/v1/admin/models/price/promote", { version: 2, force: true }, admin),
      400,
      "SLP_INPUT_INVALID",
    );
    expect(noReason.error.details).toEqual([{ field: "/reason", reason: "required with force" }]);

    // The policy is manual (set above): a forced promotion stages the version; approval is checked again.
    const forced = await call(
      "POST",
      "/v1/admin/models/price/promote",
      { version: 2, reason: "accepted by the team", force: true },
      admin,
    );
    expect(forced.status).toBe(200);
    expect(forced.json).toMatchObject({
      status: "pending_approval",
      gate: {
        passed: false,
        forced: true,
        candidate_version: 2,
        results: [{ metric: "rmse", bound: "max", limit: 0 }],
      },
    });
    expectError(
      await call("POST", "/v1/admin/models/price/approve", { version: 2, reason: "ok" }, admin),
      409,
      "SLP_GATE_FAILED",
    );
    const approved = await call(
      "POST",
      "/v1/admin/models/price/approve",
      { version: 2, reason: "accepted by the team", force: true },
      admin,
    );
    expect(approved.json).toMatchObject({ to: 2, approval: { state: "approved" }, gate: { forced: true } });
    const model = await call("GET", "/v1/models/price");
    expect(model.json).toMatchObject({ release_policy: "manual", release_gate: [{ metric: "rmse", max: 0 }] });

    await h.rt.registry.updatePolicy("price", { gate: [] }, { actor: "test", reason: "done" });
    await h.rt.registry.rollback("price", { actor: "test", reason: "back to 1" });
    const actions = (await h.rt.registry.auditLog("price")).map((e) => e.action);
    expect(actions.filter((a) => a.endsWith(".refused") || a === "gate.override")).toEqual([
      "promote.refused",
      "gate.override",
      "approve.refused",
      "gate.override",
    ]);
  });
});

describe("admin routes: canary schedules", () => {
  it("sets a canary stepped by policy, answering its schedule; validates it naming the field", async () => {
    const set = await call(
      "POST",
      "/v1/admin/models/price/canary",
      { version: 3, share: 0.1, step: 0.3, every_ms: 600_000, max_latency_ratio: 2, reason: "ramp v3" },
      admin,
    );
    expect(set.status).toBe(200);
    const body = set.json as { schedule: { next_step_at: string } };
    expect(body).toMatchObject({
      kind: "canary",
      version: 3,
      share: 0.1,
      schedule: { step: 0.3, every_ms: 600_000, max_latency_ratio: 2 },
    });
    expect(Date.parse(body.schedule.next_step_at)).toBeGreaterThan(Date.now());
    const log = (await h.rt.registry.auditLog("price")).at(-1);
    expect(log).toMatchObject({ action: "canary.set", actor: "token:ops", toVersion: 3 });
    expect(log?.reason).toBe("share 0.1, step 0.3 every 10m, p95 latency ≤ 2× production's: ramp v3");

    const noEvery = expectError(
      await call("POST", "/v1/admin/models/price/canary", { version: 3, share: 0.1, step: 0.3 }, admin),
      400,
      "SLP_INPUT_INVALID",
    );
    expect(noEvery.error.details[0]?.field).toBe("/every_ms");
    const ratioOnly = expectError(
      await call("POST", "/v1/admin/models/price/canary", { version: 3, share: 0.1, max_latency_ratio: 2 }, admin),
      400,
      "SLP_INPUT_INVALID",
    );
    expect(ratioOnly.error.details[0]?.field).toBe("/step");
    const tooOften = expectError(
      await call("POST", "/v1/admin/models/price/canary", { version: 3, share: 0.1, step: 0.3, every_ms: 10 }, admin),
      400,
      "SLP_INPUT_INVALID",
    );
    expect(tooOften.error.details[0]?.field).toBe("/every_ms");

    // Set again by hand: the schedule is dropped, and the answer has the shape of a canary stepped by hand.
    const byHand = await call("POST", "/v1/admin/models/price/canary", { version: 3, share: 0.2 }, admin);
    expect(Object.keys(byHand.json as object)).toEqual(["model", "kind", "version", "share", "updated_at", "from"]);
    expect((await call("DELETE", "/v1/admin/models/price/canary", undefined, admin)).status).toBe(200);
  });
});

describe("admin routes: tags and descriptions", () => {
  it("tags and describes a version, audited as token:NAME; the model listing shows both", async () => {
    const tagged = await call(
      "POST",
      "/v1/admin/models/price/versions/2/tags",
      { set: { team: "pricing", stage: "candidate" }, reason: "triage" },
      admin,
    );
    expect(tagged.status).toBe(200);
    expect(tagged.json).toEqual({
      model: "price",
      version: 2,
      tags: { stage: "candidate", team: "pricing" },
      changes: [
        { key: "stage", from: null, to: "candidate" },
        { key: "team", from: null, to: "pricing" },
      ],
    });
    const retagged = await call(
      "POST",
      "/v1/admin/models/price/versions/2/tags",
      { set: { stage: "validated" }, remove: ["team", "absent"] },
      admin,
    );
    expect(retagged.json).toMatchObject({
      tags: { stage: "validated" },
      changes: [
        { key: "stage", from: "candidate", to: "validated" },
        { key: "team", from: "pricing", to: null },
      ],
    });
    const described = await call(
      "POST",
      "/v1/admin/models/price/versions/2/description",
      { description: "Retrained on the March data" },
      admin,
    );
    expect(described.json).toEqual({
      model: "price",
      version: 2,
      description: "Retrained on the March data",
      from: null,
    });

    const model = await call("GET", "/v1/models/price");
    const versions = (model.json as { versions: { version: number; description: unknown; tags: unknown }[] }).versions;
    expect(versions.find((v) => v.version === 2)).toMatchObject({
      description: "Retrained on the March data",
      tags: { stage: "validated" },
    });
    expect(versions.find((v) => v.version === 1)).toMatchObject({ description: null, tags: {} });
    const listed = await call("GET", "/v1/models");
    const price = (listed.json as { models: { name: string; versions: { tags: unknown }[] }[] }).models.find(
      (m) => m.name === "price",
    );
    expect(price?.versions[1]?.tags).toEqual({ stage: "validated" });

    const log = (await h.rt.registry.auditLog("price")).filter((e) => e.action.startsWith("version."));
    expect(log.map((e) => `${e.action} ${e.actor} ${e.toVersion} ${e.reason}`)).toEqual([
      'version.tag token:ops 2 stage: (none) -> "candidate": triage',
      'version.tag token:ops 2 team: (none) -> "pricing": triage',
      'version.tag token:ops 2 stage: "candidate" -> "validated": tagged through the admin API',
      'version.untag token:ops 2 team: "pricing" -> (none): tagged through the admin API',
      'version.describe token:ops 2 description: (none) -> "Retrained on the March data": described through the admin API',
    ]);
  });

  it("validates tag changes and descriptions, naming the field", async () => {
    const path = "/v1/admin/models/price/versions/1/tags";
    const badKey = expectError(
      await call("POST", path, { set: { "no spaces": "x" } }, admin),
      400,
      "SLP_INPUT_INVALID",
    );
    expect(badKey.error.details[0]?.field).toBe("/set/no spaces");
    const long = expectError(
      await call("POST", path, { set: { k: "v".repeat(257) } }, admin),
      400,
      "SLP_INPUT_INVALID",
    );
    expect(long.error.details[0]?.field).toBe("/set/k");
    const notString = expectError(await call("POST", path, { set: { k: 1 } }, admin), 400, "SLP_INPUT_INVALID");
    expect(notString.error.details[0]?.field).toBe("/set/k");
    const both = expectError(
      await call("POST", path, { set: { k: "v" }, remove: ["k"] }, admin),
      400,
      "SLP_INPUT_INVALID",
    );
    expect(both.error.details[0]?.field).toBe("/remove/0");
    expectError(await call("POST", path, {}, admin), 400, "SLP_INPUT_INVALID");
    expectError(await call("POST", path, { set: {}, extra: 1 }, admin), 400, "SLP_INPUT_INVALID");
    expectError(
      await call("POST", "/v1/admin/models/price/versions/0/tags", { set: { k: "v" } }, admin),
      400,
      "SLP_INPUT_INVALID",
    );
    expectError(
      await call("POST", "/v1/admin/models/price/versions/99/tags", { set: { k: "v" } }, admin),
      404,
      "SLP_MODEL_NOT_FOUND",
    );
    const describe = "/v1/admin/models/price/versions/1/description";
    const missing = expectError(await call("POST", describe, {}, admin), 400, "SLP_INPUT_INVALID");
    expect(missing.error.details[0]?.field).toBe("/description");
    expectError(await call("POST", describe, { description: "x".repeat(2001) }, admin), 400, "SLP_INPUT_INVALID");
    expectError(
      await call("POST", "/v1/admin/models/nobody/versions/1/description", { description: "x" }, admin),
      404,
      "SLP_MODEL_NOT_FOUND",
    );
  });
});

describe("tokens over HTTP", () => {
  it("answers a new token once, which works until it is revoked", async () => {
    const created = await call("POST", "/v1/admin/tokens", { name: "reader", scopes: ["read"] }, admin);
    expect(created.status).toBe(201);
    const t = created.json as { id: string; token: string; scopes: string[]; revoked_at: null };
    expect(t.token).toMatch(/^slp_[A-Za-z0-9_-]{43}$/);
    expect(t).toMatchObject({ name: "reader", scopes: ["read"], revoked_at: null });
    const listed = await h.tokens.list();
    expect(JSON.stringify(listed)).not.toContain(t.token);

    const protectedServer: FastifyInstance = await h.extraServer({ protect: { read: true, predict: true } });
    const url = await protectedServer.listen({ host: "127.0.0.1", port: 0 });
    const get = (token?: string) =>
      fetch(`${url}/v1/models`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    expect((await get()).status).toBe(401);
    expect((await get(t.token)).status).toBe(200);
    expect((await get(predictOnly)).status).toBe(403);
    expect((await get(admin)).status).toBe(200);
    const predict = (token?: string) =>
      fetch(`${url}/v1/models/price/predict`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ instances: [{ f0: 1, f1: 0, f2: 0, f3: 0 }] }),
      });
    expect((await predict()).status).toBe(401);
    expect((await predict(predictOnly)).status).toBe(200);
    expect((await predict(t.token)).status).toBe(403);
    // Health stays open.
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    const revoked = await call("DELETE", `/v1/admin/tokens/${t.id}`, undefined, admin);
    expect(revoked.json).toMatchObject({ id: t.id, name: "reader" });
    expect((revoked.json as { revoked_at: string | null }).revoked_at).not.toBeNull();
    expect((await get(t.token)).status).toBe(401);
    const actions = (await h.rt.registry.auditLog()).filter((e) => e.action.startsWith("token."));
    expect(actions.map((e) => `${e.action} ${e.actor}`)).toContain("token.revoke token:ops");
  });
});
