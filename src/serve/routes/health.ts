import type { FastifyPluginAsync } from "fastify";
import type { ServeDeps } from "../app.js";

export function healthRoutes(deps: ServeDeps): FastifyPluginAsync {
  return async (app) => {
    app.get("/healthz", async () => ({ status: "ok" }));

    app.get("/readyz", async (_request, reply) => {
      let storeOpen = true;
      try {
        await deps.registry.aliasEpoch();
      } catch {
        storeOpen = false;
      }
      const ready = storeOpen && deps.cache.isReady();
      return reply.status(ready ? 200 : 503).send({
        status: ready ? "ready" : "not_ready",
        store: storeOpen ? "open" : "unavailable",
        models: deps.cache.productionVersions(),
      });
    });

    app.get("/metrics", async (_request, reply) => {
      const text = await deps.metrics.registry.metrics();
      return reply.type(deps.metrics.registry.contentType).send(text);
    });
  };
}
