import swagger from "@fastify/swagger";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { Logger } from "pino";
import { isValidRequestId, newId } from "../core/index.js";
import type { PredictionLogWriter } from "../monitor/index.js";
import type { Registry } from "../registry/index.js";
import { errorHandler, notFoundHandler } from "./errors.js";
import type { ServiceMetrics } from "./metrics.js";
import type { ModelCache } from "./model-cache.js";
import { adminRoutes } from "./routes/admin.js";
import { healthRoutes } from "./routes/health.js";
import { inferenceRoutes } from "./routes/inference.js";
import { modelRoutes } from "./routes/models.js";
import { v2Routes } from "./routes/v2.js";
import type { ShadowOptions } from "./shadow.js";
import { applyRouteTimeouts, DEFAULT_TIMEOUTS, type RouteTimeouts } from "./timeouts.js";
import type { TokenStore } from "./tokens.js";

export interface ServeDeps {
  registry: Registry;
  cache: ModelCache;
  predictionLog: PredictionLogWriter;
  metrics: ServiceMetrics;
  logger: Logger;
  maxHorizon: number;
  /** Request bodies above this are refused with 413. */
  bodyLimitBytes?: number;
  /** API tokens: the admin routes always need one with the `admin` scope. */
  tokens: TokenStore;
  /** Time limits per route group (see `timeouts.ts`). */
  timeouts?: Partial<RouteTimeouts>;
  /** Route groups that need a token too (predict: predict and forecast; read: model listing). */
  protect?: { predict?: boolean; read?: boolean };
  /** How shadow copies run (on a worker thread; at most 64 in flight by default). */
  shadow?: ShadowOptions;
}

declare module "fastify" {
  interface FastifyRequest {
    /** Model and version that answered, for metrics labels. */
    servedBy?: { model: string; version: number };
  }
}

/** The HTTP service: health, metrics, model listing, predict and forecast. */
export function buildServer(deps: ServeDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Per-request logs would double the hot path's work; metrics and the prediction log record every request.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.bodyLimitBytes ?? 8 * 1024 * 1024,
    connectionTimeout: 60_000,
    // A whole request, body included: a client trickling its body cannot hold a connection for Node's 5 minutes.
    requestTimeout: 60_000,
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return isValidRequestId(given) ? given : newId("req");
    },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true, useDefaults: true } },
  });

  // Callback hooks, not async ones: no promise per request on the hot path.
  app.addHook("onSend", (request, reply, payload, done) => {
    reply.header("x-request-id", request.id);
    reply.header("x-process-time", reply.elapsedTime.toFixed(3));
    done(null, payload);
  });
  app.addHook("onResponse", (request, reply, done) => {
    const served = request.servedBy;
    deps.metrics.observeRequest(
      request.method,
      request.routeOptions.url ?? "unmatched",
      reply.statusCode,
      served?.model ?? "",
      served ? String(served.version) : "",
      reply.elapsedTime / 1000,
    );
    done();
  });
  // Bodies are JSON only: Fastify also parses text/plain by default, which would turn a wrong media type into a
  // validation 400 instead of the 415 the contract names.
  app.removeContentTypeParser("text/plain");
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);

  applyRouteTimeouts(app, { ...DEFAULT_TIMEOUTS, ...deps.timeouts });

  // The OpenAPI document is generated from the route schemas registered after it (one source of truth).
  app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "Slipway",
        version: "0.1.0",
        description: "Predictions, forecasts, model listing, releases (admin) and the Open Inference Protocol (V2).",
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    },
  });
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());

  app.register(healthRoutes(deps));
  app.register(modelRoutes(deps));
  app.register(inferenceRoutes(deps));
  app.register(adminRoutes(deps));
  app.register(v2Routes(deps));
  return app;
}
