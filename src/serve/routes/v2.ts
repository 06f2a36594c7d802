/**
 * The Open Inference Protocol (KServe V2) REST routes, so V2 clients work unchanged. A tabular request sends one
 * tensor per input column (named as the column, shape `[n]` or `[n, 1]`) or one 2-D tensor `[n, k]` holding the
 * columns in signature order; data may be flat (row-major) or nested. Outputs: `predictions` (FP64 values, or
 * BYTES class labels), `lower`/`upper` (regression intervals) and `probabilities` (`[n, classes]`, classification).
 * A forecast model takes one INT tensor `horizon` (shape `[1]`) and answers `time`, `mean`, `lower`, `upper`.
 * Errors keep Slipway's one error body, as on every other route.
 */
import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { invalidInput } from "../../core/index.js";
import type { ClassPrediction, FittedModel, RegressionPrediction } from "../../models/index.js";
import type { ServeDeps } from "../app.js";
import { requireScope } from "../auth.js";
import type { LoadedVersion } from "../model-cache.js";
import { Level, ModelParams, VersionParams } from "../schemas.js";

const DATATYPES = [
  "BOOL",
  "UINT8",
  "UINT16",
  "UINT32",
  "UINT64",
  "INT8",
  "INT16",
  "INT32",
  "INT64",
  "FP16",
  "FP32",
  "FP64",
  "BYTES",
] as const;
type Datatype = (typeof DATATYPES)[number];

const Tensor = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 256 }),
    shape: Type.Array(Type.Integer({ minimum: 0, maximum: 100_000_000 }), { minItems: 1, maxItems: 2 }),
    datatype: Type.Union(DATATYPES.map((d) => Type.Literal(d))),
    parameters: Type.Optional(Type.Object({}, { additionalProperties: true })),
    data: Type.Array(Type.Unknown(), { maxItems: 10_000_000 }),
  },
  { additionalProperties: false },
);
const InferBody = Type.Object(
  {
    id: Type.Optional(Type.String({ maxLength: 256 })),
    parameters: Type.Optional(Type.Object({ level: Type.Optional(Level) }, { additionalProperties: true })),
    inputs: Type.Array(Tensor, { minItems: 1, maxItems: 10_000 }),
    outputs: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 256 }),
            parameters: Type.Optional(Type.Object({}, { additionalProperties: true })),
          },
          { additionalProperties: false },
        ),
        { maxItems: 16 },
      ),
    ),
  },
  { additionalProperties: false },
);

interface TensorIn {
  name: string;
  shape: number[];
  datatype: Datatype;
  data: unknown[];
}
interface InferBodyT {
  id?: string;
  parameters?: { level?: number };
  inputs: TensorIn[];
  outputs?: { name: string }[];
}
interface TensorOut {
  name: string;
  shape: number[];
  datatype: Datatype;
  data: (number | string)[];
}
type Params = { name: string; version?: string };

/** Row-major values of a tensor whose data may be flat or nested one level. */
function flatten(t: TensorIn, at: string): unknown[] {
  const out = t.data.some(Array.isArray) ? t.data.flat() : t.data;
  const expected = t.shape.reduce((a, b) => a * b, 1);
  if (out.length !== expected) {
    throw invalidInput("tensor data does not match its shape", [
      { field: `${at}/data`, reason: `shape ${JSON.stringify(t.shape)} needs ${expected} values, got ${out.length}` },
    ]);
  }
  if (out.some(Array.isArray)) {
    throw invalidInput("tensor data nests deeper than its shape", [{ field: `${at}/data`, reason: "too deep" }]);
  }
  return out;
}

/** The request's tensors as records in the model's signature (one tensor per column, or one `[n, k]` tensor). */
function recordsOf(model: FittedModel, inputs: TensorIn[]): Record<string, unknown>[] {
  const columns = model.signature.inputs.map((c) => c.name);
  if (inputs.length === 1 && inputs[0]?.shape.length === 2 && !columns.includes(inputs[0].name)) {
    const t = inputs[0];
    const [n, k] = t.shape as [number, number];
    if (k !== columns.length) {
      throw invalidInput(`a 2-D input needs one column per model input (${columns.join(", ")})`, [
        { field: "/inputs/0/shape", reason: `expected [n, ${columns.length}], got [${n}, ${k}]` },
      ]);
    }
    const values = flatten(t, "/inputs/0");
    return Array.from({ length: n }, (_, i) => Object.fromEntries(columns.map((c, j) => [c, values[i * k + j]])));
  }
  let n = -1;
  const byName = new Map<string, unknown[]>();
  inputs.forEach((t, i) => {
    const at = `/inputs/${i}`;
    if (!columns.includes(t.name)) {
      throw invalidInput(`the model has no input named ${JSON.stringify(t.name)}`, [
        { field: `${at}/name`, reason: `expected one of ${columns.join(", ")}` },
      ]);
    }
    if (byName.has(t.name)) throw invalidInput("an input is sent twice", [{ field: `${at}/name`, reason: "repeated" }]);
    if (t.shape.length === 2 && t.shape[1] !== 1) {
      throw invalidInput("a column tensor has shape [n] or [n, 1]", [
        { field: `${at}/shape`, reason: `got ${JSON.stringify(t.shape)}` },
      ]);
    }
    const rows = t.shape[0] as number;
    if (n >= 0 && rows !== n) {
      throw invalidInput("every column tensor needs the same number of rows", [
        { field: `${at}/shape`, reason: `expected ${n} rows, got ${rows}` },
      ]);
    }
    n = rows;
    byName.set(t.name, flatten(t, at));
  });
  return Array.from({ length: n }, (_, i) => {
    const record: Record<string, unknown> = {};
    for (const [name, values] of byName) record[name] = values[i];
    return record;
  });
}

function tabularOutputs(model: FittedModel, predictions: ReturnType<FittedModel["predict"]>): TensorOut[] {
  const n = predictions.length;
  const classes = model.signature.classes;
  if (classes !== undefined) {
    const cls = predictions as ClassPrediction[];
    return [
      { name: "predictions", shape: [n], datatype: "BYTES", data: cls.map((p) => p.label) },
      {
        name: "probabilities",
        shape: [n, classes.length],
        datatype: "FP64",
        data: cls.flatMap((p) => classes.map((c) => p.probabilities[c] ?? 0)),
      },
    ];
  }
  const reg = predictions as RegressionPrediction[];
  return [
    { name: "predictions", shape: [n], datatype: "FP64", data: reg.map((p) => p.value) },
    { name: "lower", shape: [n], datatype: "FP64", data: reg.map((p) => p.lower) },
    { name: "upper", shape: [n], datatype: "FP64", data: reg.map((p) => p.upper) },
  ];
}

function forecastOutputs(model: FittedModel, inputs: TensorIn[], level: number): TensorOut[] {
  const t = inputs[0];
  const horizon = inputs.length === 1 && t?.name === "horizon" ? flatten(t, "/inputs/0") : null;
  const h = horizon?.length === 1 ? horizon[0] : undefined;
  if (typeof h !== "number" || !Number.isInteger(h) || h < 1) {
    throw invalidInput("a forecast model takes one INT tensor named horizon, shape [1]", [
      { field: "/inputs", reason: "expected [{name: horizon, shape: [1], data: [h]}] with an integer h ≥ 1" },
    ]);
  }
  const rows = model.forecast(h, level);
  return [
    { name: "time", shape: [h], datatype: "BYTES", data: rows.map((r) => r.time) },
    { name: "mean", shape: [h], datatype: "FP64", data: rows.map((r) => r.mean) },
    { name: "lower", shape: [h], datatype: "FP64", data: rows.map((r) => r.lower) },
    { name: "upper", shape: [h], datatype: "FP64", data: rows.map((r) => r.upper) },
  ];
}

function datatypeOf(type: string): Datatype {
  if (type === "string" || type === "time") return "BYTES";
  if (type === "boolean") return "BOOL";
  if (type === "integer") return "INT64";
  return "FP64";
}

export function v2Routes(deps: ServeDeps): FastifyPluginAsync {
  const load = async (request: FastifyRequest<{ Params: Params }>): Promise<LoadedVersion> => {
    const { name, version } = request.params;
    const loaded = await deps.cache.get(name, version !== undefined ? { version: Number(version) } : {});
    request.servedBy = { model: name, version: loaded.record.version };
    return loaded;
  };

  return async (app) => {
    app.get("/v2/health/live", async () => ({ live: true }));
    app.get("/v2/health/ready", async (_request, reply) => {
      const ready = deps.cache.isReady();
      return reply.status(ready ? 200 : 503).send({ ready });
    });
    app.get("/v2", async () => ({ name: "slipway", version: "0.1.0", extensions: [] }));

    await app.register(async (models) => {
      if (deps.protect?.read) models.addHook("preHandler", requireScope(deps.tokens, "read"));
      const metadata = async (request: FastifyRequest<{ Params: Params }>) => {
        const { record, model } = await load(request);
        const summary = await deps.registry.getModel(record.model);
        const s = model.signature;
        const outputs =
          s.task === "forecast"
            ? ["time", "mean", "lower", "upper"].map((n) => ({
                name: n,
                datatype: n === "time" ? "BYTES" : "FP64",
                shape: [-1],
              }))
            : s.classes !== undefined
              ? [
                  { name: "predictions", datatype: "BYTES", shape: [-1] },
                  { name: "probabilities", datatype: "FP64", shape: [-1, s.classes.length] },
                ]
              : ["predictions", "lower", "upper"].map((n) => ({ name: n, datatype: "FP64", shape: [-1] }));
        return {
          name: record.model,
          versions: summary.versions.map((v) => String(v.version)),
          platform: `slipway-${record.family}`,
          inputs:
            s.task === "forecast"
              ? [{ name: "horizon", datatype: "INT64", shape: [1] }]
              : s.inputs.map((c) => ({ name: c.name, datatype: datatypeOf(c.type), shape: [-1] })),
          outputs,
        };
      };
      const ready = async (request: FastifyRequest<{ Params: Params }>) => {
        const { record } = await load(request);
        return { name: record.model, ready: true };
      };
      models.get("/v2/models/:name", { schema: { params: ModelParams } }, metadata);
      models.get("/v2/models/:name/versions/:version", { schema: { params: VersionParams } }, metadata);
      models.get("/v2/models/:name/ready", { schema: { params: ModelParams } }, ready);
      models.get("/v2/models/:name/versions/:version/ready", { schema: { params: VersionParams } }, ready);
    });

    await app.register(async (inference) => {
      if (deps.protect?.predict) inference.addHook("preHandler", requireScope(deps.tokens, "predict"));
      const infer = async (request: FastifyRequest<{ Params: Params; Body: InferBodyT }>, _reply: FastifyReply) => {
        const started = performance.now();
        const { record, model } = await load(request);
        const level = request.body.parameters?.level ?? 0.95;
        const route = request.params.version !== undefined ? "pinned" : "production";
        const log = (kind: "predict" | "forecast", inputs: unknown, outputs: unknown) =>
          deps.predictionLog.write({
            requestId: request.id,
            model: record.model,
            version: record.version,
            kind,
            inputs,
            outputs,
            latencyMs: performance.now() - started,
            route,
          });
        let outputs: TensorOut[];
        if (record.task === "forecast") {
          outputs = forecastOutputs(model, request.body.inputs, level);
          log("forecast", { horizon: outputs[0]?.shape[0], level }, outputs);
        } else {
          const records = recordsOf(model, request.body.inputs);
          const predictions = model.predict(records, level, "/inputs");
          outputs = tabularOutputs(model, predictions);
          for (let i = 0; i < records.length; i++) log("predict", records[i], predictions[i]);
        }
        const wanted = request.body.outputs?.map((o) => o.name);
        if (wanted !== undefined) {
          const names = outputs.map((o) => o.name);
          wanted.forEach((w, i) => {
            if (!names.includes(w)) {
              throw invalidInput(`the model has no output named ${JSON.stringify(w)}`, [
                { field: `/outputs/${i}/name`, reason: `expected one of ${names.join(", ")}` },
              ]);
            }
          });
          outputs = outputs.filter((o) => wanted.includes(o.name));
        }
        deps.metrics.countPredictions(
          record.model,
          record.version,
          record.task === "forecast" ? "forecast" : "predict",
          record.task === "forecast" ? 1 : (outputs[0]?.shape[0] ?? 0),
        );
        return {
          model_name: record.model,
          model_version: String(record.version),
          id: request.body.id ?? request.id,
          outputs,
        };
      };
      const schema = { body: InferBody };
      inference.post("/v2/models/:name/infer", { schema: { ...schema, params: ModelParams } }, infer);
      inference.post(
        "/v2/models/:name/versions/:version/infer",
        { schema: { ...schema, params: VersionParams } },
        infer,
      );
    });
  };
}
