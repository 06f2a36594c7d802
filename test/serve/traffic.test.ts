import { spawn } from "node:child_process";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trainFromFile } from "../../src/pipeline/index.js";
import { routingPoint } from "../../src/serve/index.js";
import { openHarness, type ServeHarness } from "./serve-fixture.js";

/**
 * Sequential predict requests from a child process (the URL, then how many, then f3): prints each one's wall time,
 * version and request id. Being another process, a shadow running on the server's thread could not hold up its
 * reading of an answer.
 */
const CLIENT = `
const [url, count, f3] = process.argv.slice(1);
const body = JSON.stringify({ instances: [{ f0: 0.4, f1: -0.3, f2: 0.2, f3: Number(f3) }] });
const out = [];
for (let i = 0; i < Number(count); i++) {
  const t = performance.now();
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
  const answer = await res.json();
  out.push({ ms: performance.now() - t, status: res.status, version: answer.version, request_id: answer.request_id });
}
console.log(JSON.stringify(out));
`;

interface ClientAnswer {
  ms: number;
  status: number;
  version: number;
  request_id: string;
}

async function clientRequests(url: string, count: number, f3 = 1): Promise<ClientAnswer[]> {
  const client = spawn(process.execPath, ["--input-type=module", "-e", CLIENT, url, String(count), String(f3)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  client.stdout.on("data", (d) => {
    out += d;
  });
  await once(client, "exit");
  return JSON.parse(out) as ClientAnswer[];
}

const SLOW_MODEL = new URL("../fixtures/shadow/slow-model.mjs", import.meta.url).href;
const FAILING_MODEL = new URL("../fixtures/shadow/failing-model.mjs", import.meta.url).href;

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
  const rowsOf = async (requestId: string) => {
    await h.predictionLog.flush();
    return h.rt.stores.metadata.db
      .selectFrom("prediction_log")
      .select(["version", "route", "outputs_json"])
      .where("request_id", "=", requestId)
      .orderBy("id")
      .execute();
  };
  /** The log rows of `requestId` once there are `n` (the shadow's row comes after the answer), within 10 s. */
  const rowsWhen = async (requestId: string, n: number) => {
    let rows = await rowsOf(requestId);
    for (let i = 0; i < 400 && rows.length < n; i++) {
      await new Promise((r) => setTimeout(r, 25));
      rows = await rowsOf(requestId);
    }
    return rows;
  };
  const shadowCounts = async (url: string) => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const count = (name: string) =>
      Number(text.match(new RegExp(`^${name}\\{model="price"\\} (\\d+)$`, "m"))?.[1] ?? 0);
    return { dropped: count("slipway_shadow_dropped_total"), failed: count("slipway_shadow_failed_total") };
  };
  const setShadow = async () => {
    expect((await adminCall("POST", "/v1/admin/models/price/shadow", { version: 3 })).status).toBe(200);
    await h.cache.refresh();
  };
  const endShadow = async () => {
    expect((await adminCall("DELETE", "/v1/admin/models/price/shadow")).status).toBe(200);
    await h.cache.refresh();
  };

  it("logs both outputs on the worker thread and answers with production only", async () => {
    const plain = await predict();
    expect(plain.version).toBe(1);
    await setShadow();

    const answered = await predict();
    expect(answered.version).toBe(1);
    expect(answered.predictions).toEqual(plain.predictions);
    const rows = await rowsWhen(answered.request_id, 2);
    expect(rows.map((r) => [r.version, r.route])).toEqual([
      [1, "production"],
      [3, "shadow"],
    ]);
    expect(JSON.parse(rows[1]?.outputs_json as string).value).not.toBe(plain.predictions[0]?.value);
    // The shadow's outputs are the version's own, as the main thread's copy of the model computes them.
    const own = h.cache.shadowOf("price")?.model.predict(instances, 0.95, "/instances");
    expect(JSON.parse(rows[1]?.outputs_json as string)).toEqual(own?.[0]);

    // A batch gets one shadow row per instance, as production does.
    const batch = await fetch(`${base}/v1/models/price/predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ instances: [instances[0], { ...instances[0], f0: -1 }] }),
    });
    const batchId = ((await batch.json()) as { request_id: string }).request_id;
    expect((await rowsWhen(batchId, 4)).map((r) => r.route)).toEqual(["production", "production", "shadow", "shadow"]);

    await endShadow();
    const after = await predict();
    await new Promise((r) => setTimeout(r, 50));
    expect((await rowsOf(after.request_id)).map((r) => r.route)).toEqual(["production"]);
  });

  it("shadows forecasts on the worker thread too", async () => {
    await trainFromFile(h.rt, {
      data: h.seriesPath,
      target: "volume",
      time: "month",
      family: "ets",
      name: "demand",
      seed: 2,
    });
    expect((await adminCall("POST", "/v1/admin/models/demand/shadow", { version: 2 })).status).toBe(200);
    await h.cache.refresh();
    const res = await fetch(`${base}/v1/models/demand/forecast`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ horizon: 6, level: 0.8 }),
    });
    const answer = (await res.json()) as { version: number; request_id: string; forecast: unknown[] };
    expect(answer.version).toBe(1);
    const rows = await rowsWhen(answer.request_id, 2);
    expect(rows.map((r) => [r.version, r.route])).toEqual([
      [1, "production"],
      [2, "shadow"],
    ]);
    const own = h.cache.shadowOf("demand")?.model.forecast(6, 0.8);
    expect(JSON.parse(rows[1]?.outputs_json as string)).toEqual(own);
    expect(JSON.parse(rows[0]?.outputs_json as string)).toEqual(answer.forecast);
    expect((await adminCall("DELETE", "/v1/admin/models/demand/shadow")).status).toBe(200);
    await h.cache.refresh();
  });

  it("holds up neither the answer it copies nor the requests arriving while a slow (200 ms) shadow runs", async () => {
    await setShadow();
    const server = await h.extraServer({ shadow: { loadModel: SLOW_MODEL } });
    const url = await server.listen({ host: "127.0.0.1", port: 0 });
    const predictUrl = `${url}/v1/models/price/predict`;
    // Warm up: the worker starts and loads the slow candidate, so what follows measures running it, not starting.
    const [warm] = await clientRequests(predictUrl, 1);
    expect((await rowsWhen(warm?.request_id ?? "", 2)).map((r) => r.route)).toEqual(["production", "shadow"]);

    // Every request adds 200 ms of shadow work, so from the first answer on the worker is busy until long after the
    // last of the ten that follow: each of them arrives while a shadow runs.
    const answers = await clientRequests(predictUrl, 11);
    expect(answers.map((a) => [a.status, a.version])).toEqual(answers.map(() => [200, 1]));
    // An answer that waited for its shadow would take at least the shadow's 200 ms. The first also pays for the
    // client's new connection, which on a loaded machine has taken over 150 ms, so it gets the bound itself; the
    // others keep a margin below it.
    expect(answers[0]?.ms).toBeLessThan(200);
    for (const a of answers.slice(1)) expect(a.ms).toBeLessThan(150);
    for (const a of answers) {
      const rows = await rowsWhen(a.request_id, 2);
      expect(rows.map((r) => [r.version, r.route])).toEqual([
        [1, "production"],
        [3, "shadow"],
      ]);
    }
    expect(await shadowCounts(url)).toEqual({ dropped: 0, failed: 0 });
    await endShadow();
  });

  it("drops copies past the in-flight bound and counts them", async () => {
    await setShadow();
    const server = await h.extraServer({ shadow: { loadModel: SLOW_MODEL, maxInFlight: 1 } });
    const url = await server.listen({ host: "127.0.0.1", port: 0 });
    // The first copy is in flight for at least its 200 ms; the two requests right after it find the bound reached.
    const answers = await clientRequests(`${url}/v1/models/price/predict`, 3);
    expect(answers.map((a) => a.version)).toEqual([1, 1, 1]);
    expect((await rowsWhen(answers[0]?.request_id ?? "", 2)).map((r) => r.route)).toEqual(["production", "shadow"]);
    for (const a of answers.slice(1)) expect((await rowsOf(a.request_id)).map((r) => r.route)).toEqual(["production"]);
    expect(await shadowCounts(url)).toEqual({ dropped: 2, failed: 0 });
    await endShadow();
  });

  it("counts a failing shadow, keeps it from the client, and restarts a worker that died", async () => {
    await setShadow();
    const server = await h.extraServer({ shadow: { loadModel: FAILING_MODEL } });
    const url = await server.listen({ host: "127.0.0.1", port: 0 });
    const predictUrl = `${url}/v1/models/price/predict`;
    const waitForFailed = async (n: number) => {
      for (let i = 0; i < 400 && (await shadowCounts(url)).failed < n; i++) await new Promise((r) => setTimeout(r, 25));
      return shadowCounts(url);
    };

    // The candidate throws: the answer is production's, only production's row is logged, the failure is counted.
    const [thrown] = await clientRequests(predictUrl, 1, -2);
    expect([thrown?.status, thrown?.version]).toEqual([200, 1]);
    expect(await waitForFailed(1)).toEqual({ dropped: 0, failed: 1 });
    expect((await rowsOf(thrown?.request_id ?? "")).map((r) => r.route)).toEqual(["production"]);

    // The candidate ends its thread: counted too, and the next copy runs on a new worker.
    const [crashed] = await clientRequests(predictUrl, 1, -1);
    expect([crashed?.status, crashed?.version]).toEqual([200, 1]);
    expect(await waitForFailed(2)).toEqual({ dropped: 0, failed: 2 });
    const [next] = await clientRequests(predictUrl, 1);
    expect([next?.status, next?.version]).toEqual([200, 1]);
    expect((await rowsWhen(next?.request_id ?? "", 2)).map((r) => r.route)).toEqual(["production", "shadow"]);
    expect((await rowsOf(crashed?.request_id ?? "")).map((r) => r.route)).toEqual(["production"]);
    await endShadow();
  });
});
