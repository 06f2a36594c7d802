import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { SlipwayError } from "../../core/index.js";
import { explainerOf, withExplanations } from "../../models/index.js";
import type { ModelVersionRecord } from "../../registry/index.js";
import type { ServeDeps } from "../app.js";
import { requireScope } from "../auth.js";
import type { LoadedVersion } from "../model-cache.js";
import { forecastBody, ModelParams, PredictBody, VersionParams } from "../schemas.js";
import { ShadowRunner } from "../shadow.js";

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

const ROUTING_KEY = /^[\x21-\x7e]{1,256}$/;

export function inferenceRoutes(deps: ServeDeps): FastifyPluginAsync {
  const shadows = new ShadowRunner(
    deps.cache.artifacts,
    {
      onError: (err, job) => {
        deps.metrics.shadowFailed.inc({ model: job.model });
        deps.logger.error({ err, model: job.model, version: job.version }, "shadow prediction failed");
      },
      onDrop: (job) => deps.metrics.shadowDropped.inc({ model: job.model }),
    },
    deps.shadow,
  );
  type Served = { loaded: LoadedVersion; route: "production" | "canary" | "pinned" };
  const routingKeyOf = (request: FastifyRequest): string | undefined => {
    const key = request.headers["x-routing-key"];
    if (key !== undefined && (typeof key !== "string" || !ROUTING_KEY.test(key))) {
      throw new SlipwayError("SLP_INPUT_INVALID", "x-routing-key must be 1–256 visible ASCII characters", [
        { field: "x-routing-key", reason: "invalid" },
      ]);
    }
    return key;
  };
  const served = (request: FastifyRequest, s: Served): Served => {
    request.servedBy = { model: s.loaded.record.model, version: s.loaded.record.version };
    return s;
  };
  /** The answering version when it is in memory (the common case, answered without a promise), else undefined. */
  const resolveLoaded = (request: FastifyRequest<{ Params: Params }>): Served | undefined => {
    const { name, version } = request.params;
    const hit =
      version !== undefined
        ? deps.cache.routeLoaded(name, undefined, Number(version))
        : deps.cache.routeLoaded(name, routingKeyOf(request));
    return hit && served(request, hit);
  };
  const resolve = async (request: FastifyRequest<{ Params: Params }>): Promise<Served> => {
    const { name, version } = request.params;
    if (version !== undefined) {
      return served(request, { loaded: await deps.cache.get(name, { version: Number(version) }), route: "pinned" });
    }
    return served(request, await deps.cache.route(name, routingKeyOf(request)));
  };
  /** The shadow version of an unpinned request's model, when it has one other than the answering version. */
  const shadowFor = (route: string, record: ModelVersionRecord): LoadedVersion | undefined => {
    if (route === "pinned") return undefined;
    const shadow = deps.cache.shadowOf(record.model);
    return shadow !== undefined && shadow.record.version !== record.version ? shadow : undefined;
  };

  /** A handler that answers at once when the version is in memory, and once it is loaded otherwise. */
  const answering =
    <R extends FastifyRequest<{ Params: Params }>>(
      answer: (request: R, reply: FastifyReply, served: Served, started: number) => unknown,
    ) =>
    (request: R, reply: FastifyReply) => {
      const started = performance.now();
      const hit = resolveLoaded(request);
      if (hit) return answer(request, reply, hit, started);
      return resolve(request).then((s) => answer(request, reply, s, started));
    };

  return async (app) => {
    app.addHook("onClose", () => shadows.close());
    if (deps.protect?.predict) app.addHook("preHandler", requireScope(deps.tokens, "predict"));
    const forecastSchema = { body: forecastBody(deps.maxHorizon) };
    type ForecastRequest = FastifyRequest<{ Params: Params; Body: ForecastBody }>;
    const answerForecast = (request: ForecastRequest, reply: FastifyReply, served: Served, started: number) => {
      const { loaded, route } = served;
      const { record, model } = loaded;
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
      deps.metrics.countPredictions(record.model, record.version, "forecast", rows.length);
      deps.predictionLog.write({
        requestId: request.id,
        model: record.model,
        version: record.version,
        kind: "forecast",
        inputs: request.body,
        outputs: rows,
        latencyMs: performance.now() - started,
        route,
      });
      const shadow = shadowFor(route, record);
      if (shadow) {
        const { version: shadowVersion, artifactKey } = shadow.record;
        const copy = { requestId: request.id, model: record.model, version: shadowVersion, artifactKey };
        shadows.after(reply, { ...copy, kind: "forecast", horizon, level, id }, ({ outputs, latencyMs: ms }) => {
          deps.predictionLog.write({
            requestId: request.id,
            model: record.model,
            version: shadowVersion,
            kind: "forecast",
            inputs: request.body,
            outputs,
            latencyMs: ms,
            route: "shadow",
          });
        });
      }
      return answer;
    };

    type PredictRequest = FastifyRequest<{ Params: Params; Body: PredictBodyT }>;
    const answerPredict = (request: PredictRequest, reply: FastifyReply, served: Served, started: number) => {
      const { loaded, route } = served;
      const { record, model } = loaded;
      // A forecaster answers /predict only when it predicts from a history sent with each instance (lstm).
      if (record.task === "forecast" && model.predictsFromHistory !== true) {
        throw new SlipwayError("SLP_MODEL_TASK_MISMATCH", `model ${record.model} is a forecast model; use /forecast`, [
          { field: "path", reason: "not a predict model" },
        ]);
      }
      const level = request.body.level ?? 0.95;
      const explain = request.body.explain === true ? explainerOf(model, "/explain") : null;
      const predictions = model.predict(request.body.instances, level, "/instances");
      const explanations = explain ? explain(request.body.instances, "/instances") : null;
      deps.metrics.countPredictions(record.model, record.version, "predict", predictions.length);
      const latencyMs = performance.now() - started;
      const logRows = (version: number, outputs: unknown[], ms: number, as: typeof route | "shadow") => {
        for (let i = 0; i < outputs.length; i++) {
          deps.predictionLog.write({
            requestId: request.id,
            model: record.model,
            version,
            kind: "predict",
            inputs: request.body.instances[i],
            outputs: outputs[i],
            latencyMs: ms,
            route: as,
          });
        }
      };
      logRows(record.version, predictions, latencyMs, route);
      const shadow = shadowFor(route, record);
      if (shadow) {
        const { version: shadowVersion, artifactKey } = shadow.record;
        const { instances } = request.body;
        const copy = { requestId: request.id, model: record.model, version: shadowVersion, artifactKey };
        shadows.after(reply, { ...copy, kind: "predict", instances, level }, ({ outputs, latencyMs: ms }) =>
          logRows(shadowVersion, outputs, ms, "shadow"),
        );
      }
      return {
        model: record.model,
        version: record.version,
        request_id: request.id,
        predictions: explanations ? withExplanations(predictions, explanations) : predictions,
      };
    };

    const forecast = answering(answerForecast);
    const predict = answering(answerPredict);
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
