import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../src/ml/random.js";
import { openHarness, type ServeHarness } from "./serve-fixture.js";

/** Seeded malformed requests against every public route: none may answer ≥ 500, every 4xx in the error body. */
const REQUESTS = 10_000;
const BODY_LIMIT = 64 * 1024;

let h: ServeHarness;
let app: FastifyInstance;
let admin: string;

const ROUTES: [string, string][] = [
  ["POST", "/v1/models/price/predict"],
  ["POST", "/v1/models/price/versions/1/predict"],
  ["POST", "/v1/models/demand/forecast"],
  ["POST", "/v1/models/demand/versions/1/forecast"],
  ["POST", "/v1/models/nobody/predict"],
  ["GET", "/v1/models"],
  ["GET", "/v1/models/price"],
  ["POST", "/v2/models/price/infer"],
  ["POST", "/v2/models/demand/versions/1/infer"],
  ["GET", "/v2/models/price"],
  ["GET", "/v2/models/price/versions/9/ready"],
  ["POST", "/v1/admin/models/price/promote"],
  ["POST", "/v1/admin/models/price/approve"],
  ["POST", "/v1/admin/models/price/canary"],
  ["POST", "/v1/admin/models/price/shadow"],
  ["POST", "/v1/admin/models/price/rollback"],
  ["POST", "/v1/admin/models/price/versions/1/tags"],
  ["POST", "/v1/admin/models/price/versions/1/description"],
  ["POST", "/v1/admin/tokens"],
  ["DELETE", "/v1/admin/tokens/tok_x"],
];

const STRINGS = ["", "😀", "\u0000", "\ud800", "a".repeat(300), "NaN", "1e999", "-0", "null", "<xml/>", "é", "\n"];
const ROUTING_KEYS = ["user-1", "a".repeat(300), "é", "x y", "\t"];
const NUMBERS = [0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 31, 0.95, 1];

function value(rng: Rng, depth: number): unknown {
  const k = rng.int(depth > 3 ? 5 : 8);
  if (k === 0) return NUMBERS[rng.int(NUMBERS.length)];
  if (k === 1) return STRINGS[rng.int(STRINGS.length)];
  if (k === 2) return rng.next() < 0.5;
  if (k === 3) return null;
  if (k === 4) return rng.normal() * 10 ** rng.int(12);
  if (k === 5) return Array.from({ length: rng.int(4) }, () => value(rng, depth + 1));
  const keys = [
    "instances",
    "horizon",
    "level",
    "explain",
    "inputs",
    "version",
    "share",
    "reason",
    "name",
    "scopes",
    "f0",
    "id",
    "__proto__",
    "constructor",
    "data",
    "shape",
    "datatype",
    "set",
    "remove",
    "description",
    "force",
    "step",
    "every_ms",
    "max_latency_ratio",
  ];
  return Object.fromEntries(
    Array.from({ length: 1 + rng.int(4) }, () => [keys[rng.int(keys.length)], value(rng, depth + 1)]),
  );
}

/** A plausible body, to be broken. */
function plausible(rng: Rng): unknown {
  const row = { f0: value(rng, 2), f1: 0.2, f2: 0.3, f3: 1 };
  const pick = rng.int(6);
  if (pick === 0) return { instances: [row], level: value(rng, 2) };
  if (pick === 1) return { horizon: value(rng, 2), level: 0.9 };
  if (pick === 2)
    return { inputs: [{ name: "input-0", shape: [1, 4], datatype: "FP64", data: [value(rng, 2), 1, 2, 3] }] };
  if (pick === 3) return { version: value(rng, 2), share: value(rng, 2), reason: value(rng, 2) };
  if (pick === 4) return { name: value(rng, 2), scopes: value(rng, 2) };
  return value(rng, 0);
}

function payload(rng: Rng): { body: string | undefined; contentType: string | undefined } {
  const kind = rng.int(10);
  const json = JSON.stringify(plausible(rng)) ?? "null";
  const types = ["application/json", "application/json; charset=utf-8", "text/plain", "application/xml", undefined];
  if (kind === 0) return { body: json.slice(0, rng.int(json.length + 1)), contentType: "application/json" };
  if (kind === 1) return { body: "[".repeat(2000 + rng.int(50_000)), contentType: "application/json" };
  if (kind === 2) return { body: `{"instances": [${"1,".repeat(BODY_LIMIT)}1]}`, contentType: "application/json" };
  if (kind === 3) return { body: json, contentType: types[rng.int(types.length)] };
  if (kind === 4) return { body: undefined, contentType: rng.next() < 0.5 ? "application/json" : undefined };
  if (kind === 5)
    return {
      body: json.replace(/[0-9]/g, () => String.fromCharCode(rng.int(0x3000))),
      contentType: "application/json",
    };
  return { body: json, contentType: "application/json" };
}

beforeAll(async () => {
  h = await openHarness();
  app = await h.extraServer({ bodyLimitBytes: BODY_LIMIT });
  admin = (await h.tokens.create("fuzz", ["admin"], { actor: "test" })).token;
});
afterAll(async () => {
  await h?.close();
});

describe("fuzzing every public route", () => {
  it(`answers ${REQUESTS.toLocaleString("en")} seeded malformed requests without a 5xx, each 4xx in the error body`, async () => {
    const rng = new Rng(2026);
    const statuses = new Map<number, number>();
    for (let i = 0; i < REQUESTS; i++) {
      const [method, url] = ROUTES[rng.int(ROUTES.length)] as [string, string];
      const { body, contentType } = payload(rng);
      const headers: Record<string, string> = {};
      if (contentType !== undefined) headers["content-type"] = contentType;
      if (url.startsWith("/v1/admin") && rng.next() < 0.8) headers.authorization = `Bearer ${admin}`;
      if (rng.next() < 0.05) headers["x-routing-key"] = ROUTING_KEYS[rng.int(ROUTING_KEYS.length)] as string;
      const res = await app.inject({
        method: method as "GET" | "POST" | "DELETE",
        url,
        headers,
        ...(body !== undefined && method !== "GET" ? { payload: body } : {}),
      });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      if (res.statusCode >= 500)
        throw new Error(`${method} ${url} answered ${res.statusCode} to ${String(body).slice(0, 200)}: ${res.body}`);
      if (res.statusCode >= 400) {
        const e = res.json<{ error?: { code?: unknown; message?: unknown; details?: unknown } }>().error;
        if (typeof e?.code !== "string" || typeof e.message !== "string" || !Array.isArray(e.details)) {
          throw new Error(`${method} ${url} ${res.statusCode}: not the error body: ${res.body.slice(0, 200)}`);
        }
      }
    }
    // The fuzz reached the validators and the handlers, not only one kind of refusal.
    for (const status of [400, 401, 404, 413, 415]) expect(statuses.get(status) ?? 0).toBeGreaterThan(0);
    expect([...statuses.keys()].every((s) => s < 500)).toBe(true);
  }, 180_000);
});
