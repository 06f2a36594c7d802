/**
 * Per-route time limits. Every route belongs to a group (predict: predict, forecast and V2 infer; admin; read:
 * everything else) whose limit bounds the handler's waits — a version loaded on demand, the metadata store, a
 * release step — after which the client gets 503 `SLP_TIMEOUT` instead of waiting on. Work that does not yield
 * (a prediction's arithmetic) cannot be cut short; the limit answers for it once it yields. Receiving a slow
 * body is bounded by the server's request timeout, not here.
 */
import type { FastifyInstance, RouteHandlerMethod, RouteOptions } from "fastify";
import { SlipwayError } from "../core/index.js";

export interface RouteTimeouts {
  /** Predict, forecast and V2 infer routes (default 10 s). */
  predictMs: number;
  /** Admin routes (default 30 s). */
  adminMs: number;
  /** Every other route: health, metrics, model listing, the OpenAPI document (default 10 s). */
  readMs: number;
}

export const DEFAULT_TIMEOUTS: RouteTimeouts = { predictMs: 10_000, adminMs: 30_000, readMs: 10_000 };

/** The group a route's URL belongs to. */
export function timeoutGroup(url: string): keyof RouteTimeouts {
  if (url.startsWith("/v1/admin/")) return "adminMs";
  if (/\/(predict|forecast|infer)$/.test(url)) return "predictMs";
  return "readMs";
}

/** Wraps the handler of every route registered after this call in its group's time limit. */
export function applyRouteTimeouts(app: FastifyInstance, timeouts: RouteTimeouts): void {
  app.addHook("onRoute", (route: RouteOptions) => {
    const ms = timeouts[timeoutGroup(route.url)];
    route.handler = withTimeout(route.handler, ms);
  });
}

function withTimeout(handler: RouteHandlerMethod, ms: number): RouteHandlerMethod {
  return function timed(this: FastifyInstance, request, reply) {
    const result = handler.call(this, request, reply) as unknown;
    // A handler that answered synchronously (one that called reply.send) needs no timer.
    if (!(result instanceof Promise)) return result as ReturnType<RouteHandlerMethod>;
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new SlipwayError("SLP_TIMEOUT", `the route did not answer within ${ms} ms`, [
              { field: "route", reason: `took longer than ${ms} ms` },
            ]),
          ),
        ms,
      );
    });
    // A late result or failure is dropped: the client already has its 503.
    result.catch(() => undefined);
    return Promise.race([result, limit]).finally(() => clearTimeout(timer)) as ReturnType<RouteHandlerMethod>;
  };
}
