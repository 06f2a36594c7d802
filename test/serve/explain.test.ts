import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trainFromFile } from "../../src/pipeline/index.js";
import { csvOfRows, tabularRows } from "../helpers/tabular-data.js";
import { openHarness, type ServeHarness } from "./serve-fixture.js";

interface Explanation {
  scale: string;
  outputs: Record<string, { expected: number; contributions: Record<string, number> }>;
}
interface Answer {
  model: string;
  version: number;
  request_id: string;
  predictions: ({ value: number; lower: number; upper: number } & {
    label?: string;
    probabilities?: Record<string, number>;
    explanation?: Explanation;
  })[];
}
interface ErrorBody {
  error: { code: string; message: string; details: { field: string; reason: string }[] };
}

const instances = [
  { x1: 0.4, x2: -1.2, city: "north" },
  { x1: null, x2: 0.3, city: "west" },
  { x1: 1.1, x2: 0.9, city: "atlantis" },
  { x1: -2, x2: 1.5, city: null },
];

const total = (o: { expected: number; contributions: Record<string, number> }) =>
  Object.values(o.contributions).reduce((a, b) => a + b, o.expected);

let h: ServeHarness;
let base: string;

async function post(path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  h = await openHarness();
  const rows = tabularRows(400, 61);
  const train = async (name: string, target: "y" | "label" | "kind", family: "gbdt" | "linear") => {
    const data = join(h.dir, `${name}.csv`);
    await writeFile(data, csvOfRows(rows, target));
    return trainFromFile(h.rt, { data, target, family, name, seed: 1 });
  };
  await train("city-gbdt", "y", "gbdt");
  await train("city-linear", "y", "linear");
  await train("city-yes", "label", "gbdt");
  await train("city-kind", "kind", "linear");
  // A logistic bundle as written before explanations existed: the state without the training means.
  const legacy = await train("city-legacy", "label", "linear");
  const record = await h.rt.registry.resolve({ name: "city-legacy", version: legacy.version });
  const key = `${record.artifactKey}/manifest.json`;
  const manifest = JSON.parse((await h.rt.stores.artifacts.get(key)).toString("utf8"));
  const { encoder, logistic } = manifest.state;
  manifest.state = { encoder, logistic };
  await h.rt.stores.artifacts.put(key, JSON.stringify(manifest));
  const server = await h.extraServer();
  base = await server.listen({ port: 0, host: "127.0.0.1" });
});
afterAll(async () => {
  await h?.close();
});

describe("POST /v1/models/{name}/predict with explain, over a real socket", () => {
  it.each(["city-gbdt", "city-linear"])("%s: each prediction carries an additive explanation", async (model) => {
    const res = await post(`/v1/models/${model}/predict`, { instances, explain: true });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const answer = res.body as Answer;
    expect(Object.keys(answer).sort()).toEqual(["model", "predictions", "request_id", "version"]);
    expect(answer.predictions).toHaveLength(instances.length);
    for (const p of answer.predictions) {
      expect(Object.keys(p).sort()).toEqual(["explanation", "lower", "upper", "value"]);
      expect(p.lower).toBeLessThan(p.value);
      expect(p.value).toBeLessThan(p.upper);
      const e = p.explanation as Explanation;
      expect(Object.keys(e).sort()).toEqual(["outputs", "scale"]);
      expect(e.scale).toBe("value");
      expect(Object.keys(e.outputs)).toEqual(["value"]);
      expect(Object.keys(e.outputs.value?.contributions ?? {}).sort()).toEqual(["city", "x1", "x2"]);
      // JSON carries doubles exactly, so the identity survives the wire.
      expect(Math.abs(total(e.outputs.value!) - p.value)).toBeLessThan(1e-9);
    }
  });

  it("classifiers explain the log-odds of each output class", async () => {
    const binary = (await post("/v1/models/city-yes/predict", { instances, explain: true })).body as Answer;
    for (const p of binary.predictions) {
      const e = p.explanation as Explanation;
      expect(e.scale).toBe("log-odds");
      const yes = p.probabilities?.yes as number;
      expect(Math.abs(total(e.outputs.yes!) - Math.log(yes / (1 - yes)))).toBeLessThan(1e-9);
    }
    const multi = (await post("/v1/models/city-kind/predict", { instances, explain: true })).body as Answer;
    for (const p of multi.predictions) {
      const e = p.explanation as Explanation;
      expect(Object.keys(e.outputs)).toEqual(["high", "low", "mid"]);
      const probabilities = p.probabilities as Record<string, number>;
      const d = total(e.outputs.high!) - total(e.outputs.mid!);
      expect(Math.abs(d - Math.log((probabilities.high as number) / (probabilities.mid as number)))).toBeLessThan(1e-9);
    }
  });

  it("answers without explanations when explain is false or absent", async () => {
    for (const body of [{ instances }, { instances, explain: false }]) {
      const res = await post("/v1/models/city-gbdt/predict", body);
      expect(res.status).toBe(200);
      for (const p of (res.body as Answer).predictions)
        expect(Object.keys(p).sort()).toEqual(["lower", "upper", "value"]);
    }
  });

  it("a model that cannot explain answers 400 naming /explain, and still predicts without it", async () => {
    const res = await post("/v1/models/city-legacy/predict", { instances, explain: true });
    expect(res.status).toBe(400);
    const err = res.body as ErrorBody;
    expect(Object.keys(err)).toEqual(["error"]);
    expect(err.error.code).toBe("SLP_INPUT_INVALID");
    expect(err.error.details.map((d) => d.field)).toEqual(["/explain"]);
    const plain = await post("/v1/models/city-legacy/predict", { instances });
    expect(plain.status).toBe(200);
    expect((plain.body as Answer).predictions[0]?.label).toMatch(/^(yes|no)$/);
  });

  it("explain must be a boolean, and the instances are still validated field by field", async () => {
    const wrong = await post("/v1/models/city-gbdt/predict", { instances, explain: "yes" });
    expect(wrong.status).toBe(400);
    expect((wrong.body as ErrorBody).error.details.map((d) => d.field)).toEqual(["/explain"]);
    const bad = await post("/v1/models/city-gbdt/predict", {
      instances: [
        { x1: "abc", x2: 1, city: "north" },
        { x2: 1, city: "north" },
      ],
      explain: true,
    });
    expect(bad.status).toBe(400);
    expect((bad.body as ErrorBody).error.details).toEqual([
      { field: "/instances/0/x1", reason: "expected a number" },
      { field: "/instances/1/x1", reason: "required" },
    ]);
  });
});
