import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openHarness, type ServeHarness } from "./serve-fixture.js";

let h: ServeHarness;
let base: string;

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    ...(body !== undefined ? { headers: { "content-type": "application/json" }, body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

interface InferAnswer {
  model_name: string;
  model_version: string;
  id: string;
  outputs: { name: string; shape: number[]; datatype: string; data: (number | string)[] }[];
}

/** The Open Inference Protocol's own example request (KServe docs, the sklearn iris model): one [2, 4] FP32 tensor. */
const PUBLISHED_EXAMPLE = {
  inputs: [
    {
      name: "input-0",
      shape: [2, 4],
      datatype: "FP32",
      data: [
        [6.8, 2.8, 4.8, 1.4],
        [6.0, 3.4, 4.5, 1.6],
      ],
    },
  ],
};

beforeAll(async () => {
  h = await openHarness();
  base = await h.app.listen({ host: "127.0.0.1", port: 0 });
});
afterAll(async () => {
  await h?.close();
});

describe("Open Inference Protocol (V2)", () => {
  it("answers the protocol's published example request with conforming tensors, equal to /v1 predictions", async () => {
    const res = await call("POST", "/v2/models/price/infer", { id: "ex-1", ...PUBLISHED_EXAMPLE });
    expect(res.status).toBe(200);
    const answer = res.json as unknown as InferAnswer;
    expect(Object.keys(answer).sort()).toEqual(["id", "model_name", "model_version", "outputs"]);
    expect(answer).toMatchObject({ model_name: "price", model_version: "1", id: "ex-1" });
    expect(answer.outputs.map((o) => [o.name, o.shape, o.datatype])).toEqual([
      ["predictions", [2], "FP64"],
      ["lower", [2], "FP64"],
      ["upper", [2], "FP64"],
    ]);
    const v1 = await call("POST", "/v1/models/price/predict", {
      instances: [
        { f0: 6.8, f1: 2.8, f2: 4.8, f3: 1.4 },
        { f0: 6.0, f1: 3.4, f2: 4.5, f3: 1.6 },
      ],
    });
    const expected = (v1.json.predictions as { value: number; lower: number; upper: number }[]).map((p) => p.value);
    expect(answer.outputs[0]?.data).toEqual(expected);
    // y ≈ 3 + 2·f0 − f1 + 0.5·f2 on the training data.
    expect(answer.outputs[0]?.data[0] as number).toBeCloseTo(3 + 2 * 6.8 - 2.8 + 0.5 * 4.8, 0);
  });

  it("takes one tensor per column, flat data, and returns only the outputs asked for", async () => {
    const inputs = ["f0", "f1", "f2", "f3"].map((name, j) => ({
      name,
      shape: [2],
      datatype: "FP64",
      data: [PUBLISHED_EXAMPLE.inputs[0]?.data[0]?.[j], PUBLISHED_EXAMPLE.inputs[0]?.data[1]?.[j]],
    }));
    const byColumn = await call("POST", "/v2/models/price/versions/1/infer", {
      inputs,
      outputs: [{ name: "predictions" }],
    });
    expect(byColumn.status).toBe(200);
    const flat = await call("POST", "/v2/models/price/infer", {
      inputs: [{ name: "x", shape: [2, 4], datatype: "FP64", data: [6.8, 2.8, 4.8, 1.4, 6.0, 3.4, 4.5, 1.6] }],
    });
    const a = byColumn.json as unknown as InferAnswer;
    const b = flat.json as unknown as InferAnswer;
    expect(a.outputs.map((o) => o.name)).toEqual(["predictions"]);
    expect(a.outputs[0]?.data).toEqual(b.outputs[0]?.data);
    expect(typeof a.id).toBe("string");
  });

  it("forecasts a horizon", async () => {
    const res = await call("POST", "/v2/models/demand/infer", {
      inputs: [{ name: "horizon", shape: [1], datatype: "INT64", data: [6] }],
      parameters: { level: 0.8 },
    });
    expect(res.status).toBe(200);
    const answer = res.json as unknown as InferAnswer;
    expect(answer.outputs.map((o) => [o.name, o.shape, o.datatype])).toEqual([
      ["time", [6], "BYTES"],
      ["mean", [6], "FP64"],
      ["lower", [6], "FP64"],
      ["upper", [6], "FP64"],
    ]);
    const [, mean, lower, upper] = answer.outputs.map((o) => o.data as number[]);
    for (let i = 0; i < 6; i++) {
      expect(lower?.[i]).toBeLessThan(mean?.[i] as number);
      expect(upper?.[i]).toBeGreaterThan(mean?.[i] as number);
    }
  });

  it("serves health, server and model metadata", async () => {
    expect(await call("GET", "/v2/health/live")).toEqual({ status: 200, json: { live: true } });
    expect(await call("GET", "/v2/health/ready")).toEqual({ status: 200, json: { ready: true } });
    expect((await call("GET", "/v2")).json).toMatchObject({ name: "slipway", extensions: [] });
    const meta = await call("GET", "/v2/models/price");
    expect(meta.json).toEqual({
      name: "price",
      versions: ["1"],
      platform: "slipway-linear",
      inputs: ["f0", "f1", "f2", "f3"].map((name) => ({ name, datatype: "FP64", shape: [-1] })),
      outputs: ["predictions", "lower", "upper"].map((name) => ({ name, datatype: "FP64", shape: [-1] })),
    });
    expect((await call("GET", "/v2/models/demand/versions/1")).json).toMatchObject({
      inputs: [{ name: "horizon", datatype: "INT64", shape: [1] }],
    });
    expect(await call("GET", "/v2/models/price/ready")).toEqual({ status: 200, json: { name: "price", ready: true } });
    expect((await call("GET", "/v2/models/price/versions/1/ready")).status).toBe(200);
    expect((await call("GET", "/v2/models/nobody/ready")).status).toBe(404);
  });

  it.each([
    [{ inputs: [{ name: "x", shape: [2, 4], datatype: "FP64", data: [1, 2, 3] }] }, "/inputs/0/data"],
    [{ inputs: [{ name: "x", shape: [1, 3], datatype: "FP64", data: [1, 2, 3] }] }, "/inputs/0/shape"],
    [{ inputs: [{ name: "zz", shape: [1], datatype: "FP64", data: [1] }] }, "/inputs/0/name"],
    [{ inputs: [{ name: "x", shape: [1, 4], datatype: "FP64", data: [[[1, 2, 3, 4]]] }] }, "/inputs/0/data"],
    [
      { inputs: [{ name: "x", shape: [1, 4], datatype: "FP64", data: [1, 2, 3, 4] }], outputs: [{ name: "nope" }] },
      "/outputs/0/name",
    ],
    [{ inputs: [{ name: "x", shape: [1, 4], datatype: "FLOAT", data: [1, 2, 3, 4] }] }, "/inputs/0/datatype"],
    [{ inputs: [] }, "/inputs"],
    [{ inputs: [{ name: "x", shape: [1, 4], datatype: "BYTES", data: ["a", "b", "c", "d"] }] }, "/inputs/0/f0"],
  ])("refuses %j naming %s", async (body, field) => {
    const res = await call("POST", "/v2/models/price/infer", body);
    expect(res.status).toBe(400);
    const error = (res.json as { error: { code: string; details: { field: string }[] } }).error;
    expect(error.code).toBe("SLP_INPUT_INVALID");
    expect(error.details.map((d) => d.field)).toContain(field);
  });

  it("answers 404 for an unknown model and 400 when a forecast model gets tabular tensors", async () => {
    expect((await call("POST", "/v2/models/nobody/infer", PUBLISHED_EXAMPLE)).status).toBe(404);
    const wrong = await call("POST", "/v2/models/demand/infer", PUBLISHED_EXAMPLE);
    expect(wrong.status).toBe(400);
  });
});
