import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trainFromFile } from "../../src/pipeline/index.js";
import { actor, MAX_HORIZON, openHarness, type ServeHarness, tabularCsv } from "./serve-fixture.js";

interface ErrorBody {
  error: { code: string; message: string; details: { field: string; reason: string }[] };
}
interface ForecastAnswer {
  model: string;
  version: number;
  level: number;
  request_id: string;
  forecast: { time: string; mean: number; lower: number; upper: number }[];
}
interface PredictAnswer {
  model: string;
  version: number;
  request_id: string;
  predictions: { value: number; lower: number; upper: number }[];
}

const instance = (i: number) => ({ f0: 0.1 * i, f1: -0.2 * i, f2: 0.3, f3: 1 });

let h: ServeHarness;
let app: FastifyInstance;

beforeAll(async () => {
  h = await openHarness();
  app = h.app;
});
afterAll(async () => {
  await h?.close();
});

function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  return app.inject({
    method: "POST",
    url,
    payload: JSON.stringify(body),
    headers: { "content-type": "application/json", ...headers },
  });
}

/** A client error: 4xx, the one error body, and (when given) the detail fields it names. */
function expectClientError(res: LightMyRequestResponse, status: number, code: string, fields?: string[]): ErrorBody {
  expect(res.statusCode, res.body).toBe(status);
  const body = res.json<ErrorBody>();
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(Array.isArray(body.error.details)).toBe(true);
  for (const d of body.error.details) {
    expect(typeof d.field).toBe("string");
    expect(typeof d.reason).toBe("string");
  }
  if (fields) for (const f of fields) expect(body.error.details.map((d) => d.field)).toContain(f);
  return body;
}

describe("POST /v1/models/{name}/forecast", () => {
  it("answers 12 monthly rows after the last observation, with lower < mean < upper", async () => {
    const res = await postJson("/v1/models/demand/forecast", { horizon: 12, level: 0.9 });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<ForecastAnswer>();
    expect(Object.keys(body).sort()).toEqual(["forecast", "level", "model", "request_id", "version"]);
    expect(body).toMatchObject({ model: "demand", version: 1, level: 0.9 });
    expect(body.forecast).toHaveLength(12);
    for (const row of body.forecast) {
      expect(Object.keys(row).sort()).toEqual(["lower", "mean", "time", "upper"]);
      expect(row.lower).toBeLessThan(row.mean);
      expect(row.mean).toBeLessThan(row.upper);
    }
    // The series ends 2023-12-01; the forecast steps one calendar month at a time from 2024-01-01.
    const times = body.forecast.map((r) => new Date(r.time));
    expect(body.forecast[0]?.time).toBe("2024-01-01");
    times.forEach((t, i) => {
      expect(t.getUTCFullYear() * 12 + t.getUTCMonth()).toBe(2024 * 12 + i);
      expect(t.getUTCDate()).toBe(1);
    });
  });

  it("defaults level to 0.95, whose intervals are wider than 0.9's", async () => {
    const wide = (await postJson("/v1/models/demand/forecast", { horizon: 3 })).json<ForecastAnswer>();
    const narrow = (await postJson("/v1/models/demand/forecast", { horizon: 3, level: 0.9 })).json<ForecastAnswer>();
    expect(wide.level).toBe(0.95);
    wide.forecast.forEach((r, i) => {
      const n = narrow.forecast[i]!;
      expect(r.mean).toBeCloseTo(n.mean, 9);
      expect(r.upper - r.lower).toBeGreaterThan(n.upper - n.lower);
    });
  });

  it("accepts the maximum horizon and pins a version", async () => {
    const res = await postJson("/v1/models/demand/versions/1/forecast", { horizon: MAX_HORIZON });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<ForecastAnswer>()).toMatchObject({ model: "demand", version: 1 });
    expect(res.json<ForecastAnswer>().forecast).toHaveLength(MAX_HORIZON);
  });
});

describe("POST /v1/models/{name}/predict", () => {
  it("answers one {value, lower, upper} per instance, in order", async () => {
    const instances = [instance(0), instance(1), instance(2)];
    const res = await postJson("/v1/models/price/predict", { instances });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<PredictAnswer>();
    expect(Object.keys(body).sort()).toEqual(["model", "predictions", "request_id", "version"]);
    expect(body).toMatchObject({ model: "price", version: 1 });
    expect(body.predictions).toHaveLength(3);
    body.predictions.forEach((p, i) => {
      expect(Object.keys(p).sort()).toEqual(["lower", "upper", "value"]);
      expect(p.lower).toBeLessThan(p.value);
      expect(p.value).toBeLessThan(p.upper);
      // The data were generated as 3 + 2·f0 − f1 + 0.5·f2 with noise sd 0.1; 200 rows pin the fit within 0.1.
      const x = instance(i);
      expect(p.value).toBeCloseTo(3 + 2 * x.f0 - x.f1 + 0.5 * x.f2, 1);
    });
  });

  it("accepts numeric strings and null (imputed) in numeric features", async () => {
    const res = await postJson("/v1/models/price/predict", { instances: [{ f0: "0.5", f1: null, f2: 0, f3: 0 }] });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<PredictAnswer>().predictions).toHaveLength(1);
  });

  it("pins a version with /versions/{v}/predict", async () => {
    const res = await postJson("/v1/models/price/versions/1/predict", { instances: [instance(1)] });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<PredictAnswer>()).toMatchObject({ model: "price", version: 1 });
  });
});

describe("headers", () => {
  it("echoes a valid client x-request-id in the header and the body", async () => {
    const id = `client.Req-1_${"x".repeat(115)}`; // exactly 128 characters
    expect(id).toHaveLength(128);
    const res = await postJson("/v1/models/demand/forecast", { horizon: 1 }, { "x-request-id": id });
    expect(res.headers["x-request-id"]).toBe(id);
    expect(res.json<ForecastAnswer>().request_id).toBe(id);
  });

  it.each([
    ["too long", "a".repeat(200)],
    ["with a space", "bad id"],
    ["with a slash", "a/b"],
  ])("replaces an invalid client x-request-id (%s) with a new one", async (_label, given) => {
    const res = await postJson("/v1/models/price/predict", { instances: [instance(0)] }, { "x-request-id": given });
    const header = res.headers["x-request-id"];
    expect(typeof header).toBe("string");
    expect(header).not.toBe(given);
    expect(header).toMatch(/^[A-Za-z0-9._-]{1,128}$/);
    expect(res.json<PredictAnswer>().request_id).toBe(header);
  });

  it("gives every request a fresh id when none is sent", async () => {
    const a = await app.inject({ method: "GET", url: "/healthz" });
    const b = await app.inject({ method: "GET", url: "/healthz" });
    expect(a.headers["x-request-id"]).toMatch(/^[A-Za-z0-9._-]{1,128}$/);
    expect(a.headers["x-request-id"]).not.toBe(b.headers["x-request-id"]);
  });

  it("sets x-process-time as decimal milliseconds, on answers and on errors", async () => {
    for (const res of [
      await postJson("/v1/models/demand/forecast", { horizon: 2 }),
      await postJson("/v1/models/demand/forecast", { horizon: 0 }),
      await app.inject({ method: "GET", url: "/nowhere" }),
    ]) {
      expect(res.headers["x-process-time"]).toMatch(/^\d+(\.\d+)?$/);
      expect(Number(res.headers["x-process-time"])).toBeGreaterThanOrEqual(0);
      expect(res.headers["x-request-id"]).toMatch(/^[A-Za-z0-9._-]{1,128}$/);
    }
  });
});

describe("invalid input is a 4xx with field details, never a 5xx", () => {
  const forecastUrl = "/v1/models/demand/forecast";

  it.each([
    ["missing horizon", {}, "/horizon"],
    ["horizon as text", { horizon: "x" }, "/horizon"],
    ["horizon as a numeric string", { horizon: "12" }, "/horizon"],
    ["fractional horizon", { horizon: 1.5 }, "/horizon"],
    ["horizon 0", { horizon: 0 }, "/horizon"],
    ["horizon above the maximum", { horizon: MAX_HORIZON + 1 }, "/horizon"],
    ["level 1.5", { horizon: 3, level: 1.5 }, "/level"],
    ["level 0", { horizon: 3, level: 0 }, "/level"],
    ["unknown field", { horizon: 3, extra: true }, "/extra"],
    ["a JSON array", [1, 2], "body"],
  ])("forecast: %s → 400 naming the field", async (_label, body, field) => {
    const res = await postJson(forecastUrl, body);
    expectClientError(res, 400, "SLP_INPUT_INVALID", [field]);
  });

  it("reports every invalid field at once", async () => {
    const res = await postJson(forecastUrl, { horizon: 0, level: 2, extra: 1 });
    expectClientError(res, 400, "SLP_INPUT_INVALID", ["/horizon", "/level", "/extra"]);
  });

  it("unknown field names it as not accepted", async () => {
    const body = expectClientError(await postJson(forecastUrl, { horizon: 3, extra: true }), 400, "SLP_INPUT_INVALID");
    expect(body.error.details).toContainEqual({ field: "/extra", reason: "not an accepted field" });
  });

  it("missing horizon says required", async () => {
    const body = expectClientError(await postJson(forecastUrl, {}), 400, "SLP_INPUT_INVALID");
    expect(body.error.details).toContainEqual({ field: "/horizon", reason: "required" });
  });

  it("unknown model → 404 SLP_MODEL_NOT_FOUND", async () => {
    expectClientError(await postJson("/v1/models/nope/forecast", { horizon: 3 }), 404, "SLP_MODEL_NOT_FOUND", [
      "model",
    ]);
    expectClientError(
      await postJson("/v1/models/nope/predict", { instances: [instance(0)] }),
      404,
      "SLP_MODEL_NOT_FOUND",
    );
  });

  it("unknown version → 404 SLP_MODEL_NOT_FOUND", async () => {
    expectClientError(
      await postJson("/v1/models/demand/versions/99/forecast", { horizon: 3 }),
      404,
      "SLP_MODEL_NOT_FOUND",
      ["version"],
    );
    expectClientError(
      await postJson("/v1/models/price/versions/99/predict", { instances: [instance(0)] }),
      404,
      "SLP_MODEL_NOT_FOUND",
    );
  });

  it("a version that is not a positive integer → 400 naming the path parameter", async () => {
    expectClientError(
      await postJson("/v1/models/demand/versions/0/forecast", { horizon: 3 }),
      400,
      "SLP_INPUT_INVALID",
      ["/version"],
    );
    expectClientError(
      await postJson("/v1/models/demand/versions/abc/forecast", { horizon: 3 }),
      400,
      "SLP_INPUT_INVALID",
      ["/version"],
    );
  });

  it("a model name outside [A-Za-z0-9._-] → 400", async () => {
    expectClientError(await postJson("/v1/models/a%20b/forecast", { horizon: 3 }), 400, "SLP_INPUT_INVALID", ["/name"]);
  });

  it("a body that is not JSON → 400 with field body", async () => {
    const res = await app.inject({
      method: "POST",
      url: forecastUrl,
      payload: '{"horizon": 12',
      headers: { "content-type": "application/json" },
    });
    const body = expectClientError(res, 400, "SLP_INPUT_INVALID", ["body"]);
    expect(body.error.details).toContainEqual({ field: "body", reason: "not valid JSON" });
  });

  it("a text/plain body → 415 SLP_INPUT_UNSUPPORTED_MEDIA", async () => {
    const res = await app.inject({
      method: "POST",
      url: forecastUrl,
      payload: '{"horizon": 12}',
      headers: { "content-type": "text/plain" },
    });
    expectClientError(res, 415, "SLP_INPUT_UNSUPPORTED_MEDIA", ["content-type"]);
  });

  it("application/json with a charset is accepted", async () => {
    const res = await app.inject({
      method: "POST",
      url: forecastUrl,
      payload: '{"horizon": 2}',
      headers: { "content-type": "application/json; charset=utf-8" },
    });
    expect(res.statusCode, res.body).toBe(200);
  });

  it("another media type → 415", async () => {
    const res = await app.inject({
      method: "POST",
      url: forecastUrl,
      payload: "horizon=12",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expectClientError(res, 415, "SLP_INPUT_UNSUPPORTED_MEDIA", ["content-type"]);
  });

  it("an empty JSON body → 400 with field body", async () => {
    const res = await app.inject({
      method: "POST",
      url: forecastUrl,
      payload: "",
      headers: { "content-type": "application/json" },
    });
    expectClientError(res, 400, "SLP_INPUT_INVALID", ["body"]);
  });

  it.each([
    ["null", "null"],
    ["a JSON string", '"horizon"'],
    ["a __proto__ key", '{"horizon": 3, "__proto__": {"polluted": true}}'],
    ["a constructor.prototype key", '{"horizon": 3, "constructor": {"prototype": {"polluted": true}}}'],
  ])("a body that is %s → 400 with field body", async (_label, payload) => {
    const res = await app.inject({
      method: "POST",
      url: forecastUrl,
      payload,
      headers: { "content-type": "application/json" },
    });
    expectClientError(res, 400, "SLP_INPUT_INVALID", ["body"]);
  });

  it("no body and no content type → 400", async () => {
    const res = await app.inject({ method: "POST", url: forecastUrl });
    expectClientError(res, 400, "SLP_INPUT_INVALID", ["body"]);
  });

  it("a body above the limit → 413 SLP_INPUT_TOO_LARGE", async () => {
    const small = await h.extraServer({ bodyLimitBytes: 256 });
    const res = await small.inject({
      method: "POST",
      url: "/v1/models/price/predict",
      payload: JSON.stringify({ instances: Array.from({ length: 50 }, (_, i) => instance(i)) }),
      headers: { "content-type": "application/json" },
    });
    expectClientError(res, 413, "SLP_INPUT_TOO_LARGE", ["body"]);
  });

  it("predict with a missing feature → 400 naming /instances/0/f3", async () => {
    const { f3: _dropped, ...rest } = instance(0);
    const body = expectClientError(
      await postJson("/v1/models/price/predict", { instances: [rest] }),
      400,
      "SLP_INPUT_INVALID",
    );
    expect(body.error.details).toContainEqual({ field: "/instances/0/f3", reason: "required" });
  });

  it("predict with a string in a numeric feature → 400 naming the field", async () => {
    const res = await postJson("/v1/models/price/predict", { instances: [instance(0), { ...instance(1), f1: "abc" }] });
    const body = expectClientError(res, 400, "SLP_INPUT_INVALID", ["/instances/1/f1"]);
    expect(body.error.details).toHaveLength(1);
  });

  it.each([
    ["an empty instances array", { instances: [] }, "/instances"],
    ["no instances", {}, "/instances"],
    ["instances that are not objects", { instances: [1] }, "/instances/0"],
    ["an unknown top-level field", { instances: [instance(0)], extra: 1 }, "/extra"],
  ])("predict with %s → 400", async (_label, body, field) => {
    expectClientError(await postJson("/v1/models/price/predict", body), 400, "SLP_INPUT_INVALID", [field]);
  });

  it("forecast on a tabular model and predict on a forecast model → 409 SLP_MODEL_TASK_MISMATCH", async () => {
    expectClientError(await postJson("/v1/models/price/forecast", { horizon: 3 }), 409, "SLP_MODEL_TASK_MISMATCH", [
      "path",
    ]);
    expectClientError(
      await postJson("/v1/models/demand/predict", { instances: [instance(0)] }),
      409,
      "SLP_MODEL_TASK_MISMATCH",
      ["path"],
    );
  });

  it("an unknown route or method → 404 SLP_ROUTE_NOT_FOUND", async () => {
    expectClientError(await app.inject({ method: "GET", url: "/v1/nothing" }), 404, "SLP_ROUTE_NOT_FOUND", ["path"]);
    expectClientError(
      await app.inject({ method: "GET", url: "/v1/models/demand/forecast" }),
      404,
      "SLP_ROUTE_NOT_FOUND",
    );
  });
});

describe("health, readiness, metrics and model listing", () => {
  it("GET /healthz → 200", async () => {
    const res = await app.inject({ method: "GET", url: "/healthz" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: "ok" });
  });

  it("GET /readyz → 200 once the production versions are loaded", async () => {
    const res = await app.inject({ method: "GET", url: "/readyz" });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ status: string; store: string; models: { model: string; version: number }[] }>();
    expect(body.status).toBe("ready");
    expect(body.store).toBe("open");
    expect(body.models).toEqual(expect.arrayContaining([{ model: "demand", version: 1 }]));
  });

  it("GET /readyz → 503 before the first load", async () => {
    const server = await h.extraServer({ refresh: false });
    const res = await server.inject({ method: "GET", url: "/readyz" });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: "not_ready" });
  });

  it("GET /readyz → 503 while a required model has no production version", async () => {
    const server = await h.extraServer({ requiredModels: ["demand", "absent"] });
    const res = await server.inject({ method: "GET", url: "/readyz" });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: "not_ready", store: "open" });
  });

  it("GET /metrics → Prometheus text with request counts labelled by model and version", async () => {
    await postJson("/v1/models/price/predict", { instances: [instance(0)] });
    const res = await app.inject({ method: "GET", url: "/metrics" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain/);
    const lines = res.body.split("\n");
    expect(lines).toContain("# TYPE slipway_http_requests_total counter");
    const predictLine = lines.find(
      (l) =>
        l.startsWith("slipway_http_requests_total{") &&
        l.includes('route="/v1/models/:name/predict"') &&
        l.includes('status="200"') &&
        l.includes('model="price"') &&
        l.includes('version="1"'),
    );
    expect(predictLine).toBeDefined();
    expect(Number(predictLine?.split(" ").at(-1))).toBeGreaterThanOrEqual(1);
    expect(res.body).toMatch(/slipway_predictions_total\{[^}]*model="price"[^}]*version="1"[^}]*kind="predict"/);
    expect(res.body).toContain("slipway_http_request_duration_seconds_bucket");
  });

  it("GET /v1/models lists every model with task, family, aliases and versions", async () => {
    const res = await app.inject({ method: "GET", url: "/v1/models" });
    expect(res.statusCode).toBe(200);
    const { models } = res.json<{
      models: {
        name: string;
        task: string;
        family: string;
        aliases: Record<string, number>;
        versions: { version: number }[];
      }[];
    }>();
    const demand = models.find((m) => m.name === "demand");
    const price = models.find((m) => m.name === "price");
    expect(demand).toMatchObject({ task: "forecast", family: "gp", aliases: { production: 1 } });
    expect(price).toMatchObject({ task: "regression", family: "linear", aliases: { production: 1 } });
    expect(demand?.versions.map((v) => v.version)).toEqual([1]);
    // Storage keys stay inside: the public view has no artifact key.
    expect(res.body).not.toContain("artifact");
  });

  it("GET /v1/models/{name} answers one model; an unknown one is a 404", async () => {
    const res = await app.inject({ method: "GET", url: "/v1/models/demand" });
    expect(res.statusCode).toBe(200);
    const body = res.json<{
      name: string;
      versions: { version: number; aliases: string[]; metrics: Record<string, number> }[];
    }>();
    expect(body.name).toBe("demand");
    expect(body.versions[0]).toMatchObject({ version: 1, aliases: ["production"] });
    expect(Number.isFinite(body.versions[0]?.metrics.rmse)).toBe(true);
    expectClientError(await app.inject({ method: "GET", url: "/v1/models/nope" }), 404, "SLP_MODEL_NOT_FOUND");
  });
});

describe("prediction log", () => {
  interface LogRow {
    request_id: string;
    model: string;
    version: number;
    kind: string;
    inputs_json: string;
    outputs_json: string;
    latency_ms: number;
  }
  const rowsOf = (requestId: string) =>
    h.rt.stores.metadata.db
      .selectFrom("prediction_log")
      .selectAll()
      .where("request_id", "=", requestId)
      .orderBy("id")
      .execute() as Promise<LogRow[]>;

  it("writes one row per predicted instance with inputs and outputs", async () => {
    const instances = [instance(3), instance(4)];
    const res = await postJson("/v1/models/price/predict", { instances }, { "x-request-id": "log-predict-1" });
    const answer = res.json<PredictAnswer>();
    await h.predictionLog.flush();
    const rows = await rowsOf("log-predict-1");
    expect(rows).toHaveLength(2);
    rows.forEach((row, i) => {
      expect(row).toMatchObject({ model: "price", version: 1, kind: "predict" });
      expect(JSON.parse(row.inputs_json)).toEqual(instances[i]);
      expect(JSON.parse(row.outputs_json)).toEqual(answer.predictions[i]);
      expect(row.latency_ms).toBeGreaterThanOrEqual(0);
    });
  });

  it("writes one row per forecast with the request and every step", async () => {
    const res = await postJson("/v1/models/demand/forecast", { horizon: 4 }, { "x-request-id": "log-forecast-1" });
    const answer = res.json<ForecastAnswer>();
    await h.predictionLog.flush();
    const rows = await rowsOf("log-forecast-1");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ model: "demand", version: 1, kind: "forecast" });
    expect(JSON.parse(rows[0]!.inputs_json)).toMatchObject({ horizon: 4 });
    expect(JSON.parse(rows[0]!.outputs_json)).toEqual(answer.forecast);
  });

  it("writes nothing for a refused request", async () => {
    await postJson("/v1/models/demand/forecast", { horizon: 0 }, { "x-request-id": "log-refused-1" });
    await h.predictionLog.flush();
    expect(await rowsOf("log-refused-1")).toEqual([]);
  });
});

describe("over a real socket", () => {
  it("answers forecast and predict with the same contract as inject()", async () => {
    const server = await h.extraServer();
    const address = await server.listen({ port: 0, host: "127.0.0.1" });
    const res = await fetch(`${address}/v1/models/demand/forecast`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "socket-1" },
      body: JSON.stringify({ horizon: 12, level: 0.9 }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe("socket-1");
    expect(res.headers.get("x-process-time")).toMatch(/^\d+(\.\d+)?$/);
    const body = (await res.json()) as ForecastAnswer;
    expect(body).toMatchObject({ model: "demand", version: 1, level: 0.9, request_id: "socket-1" });
    expect(body.forecast).toHaveLength(12);

    const bad = await fetch(`${address}/v1/models/price/predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ instances: [{ f0: 1 }] }),
    });
    expect(bad.status).toBe(400);
    const err = (await bad.json()) as ErrorBody;
    expect(err.error.code).toBe("SLP_INPUT_INVALID");
    expect(err.error.details.map((d) => d.field).sort()).toEqual([
      "/instances/0/f1",
      "/instances/0/f2",
      "/instances/0/f3",
    ]);
  });
});

describe("hot reload", () => {
  it("answers with the new version after production moves and the cache refreshes", async () => {
    const path = join(h.dir, "reload.csv");
    await writeFile(path, tabularCsv(21));
    const v1 = await trainFromFile(h.rt, { data: path, target: "y", family: "linear", name: "reload", seed: 1 });
    await h.rt.registry.moveAlias("reload", "production", v1.version, actor);
    await h.cache.refresh();
    const before = await postJson("/v1/models/reload/predict", { instances: [instance(1)] });
    expect(before.json<PredictAnswer>().version).toBe(1);

    await writeFile(path, tabularCsv(22));
    const v2 = await trainFromFile(h.rt, { data: path, target: "y", family: "linear", name: "reload", seed: 1 });
    expect(v2.version).toBe(2);
    // Registering alone moves nothing: production still answers with version 1.
    await h.cache.refresh();
    expect(
      (await postJson("/v1/models/reload/predict", { instances: [instance(1)] })).json<PredictAnswer>().version,
    ).toBe(1);

    await h.rt.registry.moveAlias("reload", "production", v2.version, actor);
    await h.cache.refresh();
    const after = await postJson("/v1/models/reload/predict", { instances: [instance(1)] });
    expect(after.statusCode).toBe(200);
    expect(after.json<PredictAnswer>()).toMatchObject({ model: "reload", version: 2 });

    // The old version stays reachable by pinning it.
    const pinned = await postJson("/v1/models/reload/versions/1/predict", { instances: [instance(1)] });
    expect(pinned.json<PredictAnswer>().version).toBe(1);

    const listed = (await app.inject({ method: "GET", url: "/v1/models/reload" })).json<{
      aliases: Record<string, number>;
    }>();
    expect(listed.aliases).toEqual({ production: 2 });
  });
});
