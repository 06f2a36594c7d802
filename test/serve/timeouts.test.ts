import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorHandler } from "../../src/serve/errors.js";
import { applyRouteTimeouts, timeoutGroup } from "../../src/serve/timeouts.js";
import { openHarness, type ServeHarness } from "./serve-fixture.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("route groups", () => {
  it("puts predict, forecast and V2 infer in predict, admin routes in admin, the rest in read", () => {
    expect(timeoutGroup("/v1/models/:name/predict")).toBe("predictMs");
    expect(timeoutGroup("/v1/models/:name/versions/:version/forecast")).toBe("predictMs");
    expect(timeoutGroup("/v2/models/:name/infer")).toBe("predictMs");
    expect(timeoutGroup("/v1/admin/models/:name/promote")).toBe("adminMs");
    expect(timeoutGroup("/v1/models/:name")).toBe("readMs");
    expect(timeoutGroup("/health")).toBe("readMs");
  });
});

describe("time limits over a socket", () => {
  let app: FastifyInstance;
  let base: string;
  let late = 0;
  beforeAll(async () => {
    app = Fastify();
    app.setErrorHandler(errorHandler);
    applyRouteTimeouts(app, { predictMs: 100, adminMs: 400, readMs: 100 });
    app.post("/v1/models/:name/predict", async () => {
      // Far past the 100 ms limit, so an answer that waited for the handler cannot pass for one at the limit.
      await sleep(600);
      late++;
      return { late: true };
    });
    app.post("/v1/admin/models/:name/promote", async () => {
      await sleep(200);
      return { promoted: true };
    });
    app.get("/v1/models/:name", async () => ({ fast: true }));
    app.get("/sync", (_request, reply) => {
      void reply.send({ sync: true });
    });
    app.get("/v1/models/:name/failing", async () => {
      await sleep(200);
      throw new Error("fails after its limit");
    });
    base = await app.listen({ host: "127.0.0.1", port: 0 });
  });
  afterAll(async () => {
    await app.close();
  });

  it("answers 503 SLP_TIMEOUT in the error body once the group's limit passes", async () => {
    const started = performance.now();
    const res = await fetch(`${base}/v1/models/m/predict`, { method: "POST" });
    const ms = performance.now() - started;
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      error: {
        code: "SLP_TIMEOUT",
        message: "the route did not answer within 100 ms",
        details: [{ field: "route", reason: "took longer than 100 ms" }],
      },
    });
    expect(ms).toBeGreaterThanOrEqual(95);
    expect(ms).toBeLessThan(500);
    // The handler's late result is dropped; the server goes on answering.
    await sleep(600);
    expect(late).toBe(1);
    expect((await fetch(`${base}/v1/models/m`)).status).toBe(200);
  });

  it("lets a route within its group's limit answer, async or not", async () => {
    const admin = await fetch(`${base}/v1/admin/models/m/promote`, { method: "POST" });
    expect(admin.status).toBe(200);
    expect(await admin.json()).toEqual({ promoted: true });
    expect(await (await fetch(`${base}/v1/models/m`)).json()).toEqual({ fast: true });
    expect(await (await fetch(`${base}/sync`)).json()).toEqual({ sync: true });
  });

  it("drops a failure that comes after the limit", async () => {
    const res = await fetch(`${base}/v1/models/m/failing`);
    expect(res.status).toBe(503);
    await sleep(250);
    expect((await fetch(`${base}/v1/models/m`)).status).toBe(200);
  });
});

describe("the server's routes", () => {
  let h: ServeHarness;
  beforeAll(async () => {
    h = await openHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it("bound a predict request waiting on a version load", async () => {
    // A cache with nothing loaded: the pinned request loads version 1, whose record takes 500 ms to read.
    const server = await h.extraServer({ refresh: false, timeouts: { predictMs: 80 } });
    const getVersion = h.rt.registry.getVersion.bind(h.rt.registry);
    h.rt.registry.getVersion = async (...args) => {
      await sleep(500);
      return getVersion(...args);
    };
    try {
      const res = await server.inject({
        method: "POST",
        url: "/v1/models/price/versions/1/predict",
        payload: { instances: [{ f0: 0, f1: 0, f2: 0, f3: 0 }] },
      });
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe("SLP_TIMEOUT");
    } finally {
      h.rt.registry.getVersion = getVersion;
    }
    await sleep(500);
    // Once loaded, the same request answers.
    const again = await server.inject({
      method: "POST",
      url: "/v1/models/price/versions/1/predict",
      payload: { instances: [{ f0: 0, f1: 0, f2: 0, f3: 0 }] },
    });
    expect(again.statusCode).toBe(200);
  });
});
