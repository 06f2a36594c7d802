import { spawn } from "node:child_process";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trainFromFile } from "../../src/pipeline/index.js";
import { routingPoint } from "../../src/serve/index.js";
import { openHarness, type ServeHarness } from "./serve-fixture.js";

/** One predict request from a child process: prints its wall time, the version and the request id. */
const CLIENT = `
const url = process.argv[1];
const body = JSON.stringify({ instances: [{ f0: 0.4, f1: -0.3, f2: 0.2, f3: 1 }] });
const t = performance.now();
const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
const answer = await res.json();
console.log(JSON.stringify({ ms: performance.now() - t, version: answer.version, request_id: answer.request_id }));
`;

let h: ServeHarness;
let base: string;
let admin: string;
const instances = [{ f0: 0.4, f1: -0.3, f2: 0.2, f3: 1 }];

async function predict(headers: Record<string, string> = {}, path = "/v1/models/price/predict") {
  const res = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ instances }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { version: number; request_id: string; predictions: { value: number }[] };
}

async function adminCall(method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${admin}`,
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  h = await openHarness();
  // Version 2 (the canary) answers as version 1 does; version 3 (the shadow) is another family, so its outputs differ.
  await trainFromFile(h.rt, { data: h.tabularPath, target: "y", family: "linear", name: "price", seed: 2 });
  await trainFromFile(h.rt, { data: h.tabularPath, target: "y", family: "gbdt", name: "price", seed: 3 });
  base = await h.app.listen({ host: "127.0.0.1", port: 0 });
  admin = (await h.tokens.create("ops", ["admin"], { actor: "test" })).token;
});
afterAll(async () => {
  await h?.close();
});

describe("routing points", () => {
  it("spreads keys evenly over [0, 1) and gives a key the same point every time", () => {
    const points = Array.from({ length: 10_000 }, (_, i) => routingPoint(`user-${i}`));
    const below = points.filter((p) => p < 0.25).length / points.length;
    expect(below).toBeGreaterThan(0.235);
    expect(below).toBeLessThan(0.265);
    expect(routingPoint("user-7")).toBe(points[7]);
    // FNV-1a of "a" is 0xe40c292c.
    expect(routingPoint("a")).toBe(0xe40c292c / 2 ** 32);
  });
});

describe("canary", () => {
  it("sends the set share of production traffic to the canary, sticky by x-routing-key", async () => {
    const set = await adminCall("POST", "/v1/admin/models/price/canary", { version: 2, share: 0.1 });
    expect(set.status).toBe(200);
    expect(set.json).toMatchObject({ model: "price", kind: "canary", version: 2, share: 0.1, from: null });
    await h.cache.refresh();

    let canary = 0;
    for (let i = 0; i < 2000; i++) if ((await predict()).version === 2) canary++;
    expect(canary / 2000).toBeGreaterThan(0.07);
    expect(canary / 2000).toBeLessThan(0.13);

    // Each key answers from one side, every time, and the side is the key's routing point against the share.
    for (let k = 0; k < 100; k++) {
      const key = `customer-${k}`;
      const expected = routingPoint(key) < 0.1 ? 2 : 1;
      expect((await predict({ "x-routing-key": key })).version).toBe(expected);
      expect((await predict({ "x-routing-key": key })).version).toBe(expected);
    }

    // Stepping the share up keeps every key that was on the canary there.
    await adminCall("POST", "/v1/admin/models/price/canary", { version: 2, share: 0.5 });
    await h.cache.refresh();
    for (let k = 0; k < 100; k++) {
      const key = `customer-${k}`;
      const v = (await predict({ "x-routing-key": key })).version;
      if (routingPoint(key) < 0.1) expect(v).toBe(2);
      expect(v).toBe(routingPoint(key) < 0.5 ? 2 : 1);
    }
    // A pinned version is never rerouted.
    expect((await predict({ "x-routing-key": "customer-1" }, "/v1/models/price/versions/3/predict")).version).toBe(3);

    const ended = await adminCall("DELETE", "/v1/admin/models/price/canary");
    expect(ended.json).toMatchObject({ kind: "canary", version: 2, share: 0.5 });
    await h.cache.refresh();
    for (let i = 0; i < 50; i++) expect((await predict()).version).toBe(1);
    expect((await adminCall("DELETE", "/v1/admin/models/price/canary")).status).toBe(409);

    const bad = await fetch(`${base}/v1/models/price/predict`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-routing-key": "x".repeat(300) },
      body: JSON.stringify({ instances }),
    });
    expect(bad.status).toBe(400);
    const audit = (await h.rt.registry.auditLog("price")).map((e) => e.action);
    expect(audit.filter((a) => a.startsWith("canary."))).toEqual(["canary.set", "canary.set", "canary.end"]);
  });
});

describe("shadow", () => {
  it("logs both outputs, answers with production only, and does not hold the answer for a slow shadow", async () => {
    const plain = await predict();
    expect(plain.version).toBe(1);
    expect((await adminCall("POST", "/v1/admin/models/price/shadow", { version: 3 })).status).toBe(200);
    await h.cache.refresh();

    const answered = await predict();
    expect(answered.version).toBe(1);
    expect(answered.predictions).toEqual(plain.predictions);
    const rowsOf = async (requestId: string) => {
      await h.predictionLog.flush();
      return h.rt.stores.metadata.db
        .selectFrom("prediction_log")
        .select(["version", "route", "outputs_json"])
        .where("request_id", "=", requestId)
        .orderBy("id")
        .execute();
    };
    let rows = await rowsOf(answered.request_id);
    for (let i = 0; i < 20 && rows.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 25));
      rows = await rowsOf(answered.request_id);
    }
    expect(rows.map((r) => [r.version, r.route])).toEqual([
      [1, "production"],
      [3, "shadow"],
    ]);
    expect(JSON.parse(rows[1]?.outputs_json as string).value).not.toBe(plain.predictions[0]?.value);

    // A shadow that takes 200 ms: the answer does not wait for it.
    const shadow = h.cache.shadowOf("price");
    expect(shadow?.record.version).toBe(3);
    const fast = shadow?.model.predict.bind(shadow.model);
    if (shadow && fast) {
      shadow.model.predict = (...args) => {
        const until = performance.now() + 200;
        while (performance.now() < until);
        return fast(...args);
      };
    }
    // The client is another process: a shadow running on this one's thread cannot hold up its reading the answer.
    const client = spawn(process.execPath, ["--input-type=module", "-e", CLIENT, `${base}/v1/models/price/predict`], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    client.stdout.on("data", (d) => {
      out += d;
    });
    await once(client, "exit");
    const slow = JSON.parse(out) as { ms: number; version: number; request_id: string };
    expect(slow.version).toBe(1);
    expect(slow.ms).toBeLessThan(150);
    await new Promise((r) => setTimeout(r, 300));
    expect((await rowsOf(slow.request_id)).map((r) => r.route)).toEqual(["production", "shadow"]);
    if (shadow && fast) shadow.model.predict = fast;

    await adminCall("DELETE", "/v1/admin/models/price/shadow");
    await h.cache.refresh();
    const after = await predict();
    await new Promise((r) => setTimeout(r, 50));
    expect((await rowsOf(after.request_id)).map((r) => r.route)).toEqual(["production"]);
  });
});
