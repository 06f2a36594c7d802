import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { SlipwayError } from "../../core/index.js";
import { explainerOf, withExplanations } from "../../models/index.js";
import type { ServeDeps } from "../app.js";
import { requireScope } from "../auth.js";
import type { LoadedVersion } from "../model-cache.js";
import { forecastBody, ModelParams, PredictBody, VersionParams } from "../schemas.js";

interface ForecastBody {
  horizon: number;
  level?: number;
  id?: string;
}
interface PredictBodyT {
  instances: Record<string, unknown>[];
  level?: number;
  explain?: boolean;
}
type Params = { name: string; version?: string };

export function inferenceRoutes(deps: ServeDeps): FastifyPluginAsync {
  const resolve = async (request: FastifyRequest<{ Params: Params }>): Promise<LoadedVersion> => {
    const { name, version } = request.params;
    const loaded = await deps.cache.get(name, version !== undefined ? { version: Number(version) } : {});
    request.servedBy = { model: name, version: loaded.record.version };
    return loaded;
  };

  return async (app) => {
    if (deps.protect?.predict) app.addHook("preHandler", requireScope(deps.tokens, "predict"));
    const forecastSchema = { body: forecastBody(deps.maxHorizon) };
    const forecast = async (request: FastifyRequest<{ Params: Params; Body: ForecastBody }>) => {
      const started = performance.now();
      const { record, model } = await resolve(request);
      if (record.task !== "forecast") {
        throw new SlipwayError(
          "SLP_MODEL_TASK_MISMATCH",
          `model ${record.model} is a ${record.task} model; use /predict`,
          [{ field: "path", reason: "not a forecast model" }],
        );
      }
      const level = request.body.level ?? 0.95;
      const { horizon, id } = request.body;
      const rows = model.forecast(horizon, level, id);
      const answer = {
        model: record.model,
        version: record.version,
        ...(id !== undefined ? { id } : {}),
        level,
        request_id: request.id,
        forecast: rows,
      };
      deps.metrics.predictions.inc(
        { model: record.model, version: String(record.version), kind: "forecast" },
        rows.length,
      );
      deps.predictionLog.write({
        requestId: request.id,
        model: record.model,
        version: record.version,
        kind: "forecast",
        inputs: request.body,
        outputs: rows,
        latencyMs: performance.now() - started,
      });
      return answer;
    };

    const predict = async (request: FastifyRequest<{ Params: Params; Body: PredictBodyT }>) => {
      const started = performance.now();
      const { record, model } = await resolve(request);
      if (record.task === "forecast") {
        throw new SlipwayError("SLP_MODEL_TASK_MISMATCH", `model ${record.model} is a forecast model; use /forecast`, [
          { field: "path", reason: "not a predict model" },
        ]);
      }
      const level = request.body.level ?? 0.95;
      const explain = request.body.explain === true ? explainerOf(model, "/explain") : null;
      const predictions = model.predict(request.body.instances, level, "/instances");
      const explanations = explain ? explain(request.body.instances, "/instances") : null;
      deps.metrics.predictions.inc(
        { model: record.model, version: String(record.version), kind: "predict" },
        predictions.length,
      );
      const latencyMs = performance.now() - started;
      for (let i = 0; i < predictions.length; i++) {
        deps.predictionLog.write({
          requestId: request.id,
          model: record.model,
          version: record.version,
          kind: "predict",
          inputs: request.body.instances[i],
          outputs: predictions[i],
          latencyMs,
        });
      }
      return {
        model: record.model,
        version: record.version,
        request_id: request.id,
        predictions: explanations ? withExplanations(predictions, explanations) : predictions,
      };
    };

    app.post("/v1/models/:name/forecast", { schema: { ...forecastSchema, params: ModelParams } }, forecast);
    app.post(
      "/v1/models/:name/versions/:version/forecast",
      { schema: { ...forecastSchema, params: VersionParams } },
      forecast,
    );
    app.post("/v1/models/:name/predict", { schema: { body: PredictBody, params: ModelParams } }, predict);
    app.post(
      "/v1/models/:name/versions/:version/predict",
      { schema: { body: PredictBody, params: VersionParams } },
      predict,
    );
  };
}
