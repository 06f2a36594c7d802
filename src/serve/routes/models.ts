import type { FastifyPluginAsync } from "fastify";
import type { ModelSummary } from "../../registry/index.js";
import type { ServeDeps } from "../app.js";
import { requireScope } from "../auth.js";
import { ModelParams } from "../schemas.js";

/** The public view of a model: its versions without storage keys. */
export function modelView(m: ModelSummary) {
  return {
    name: m.name,
    task: m.task,
    family: m.family,
    release_policy: m.releasePolicy,
    release_gate: m.releaseGate,
    aliases: m.aliases,
    versions: m.versions.map((v) => ({
      version: v.version,
      family: v.family,
      created_at: v.createdAt,
      aliases: v.aliases,
      metrics: v.metrics,
      run_id: v.runId,
      lineage: v.lineage,
      description: v.description,
      tags: v.tags,
    })),
  };
}

export function modelRoutes(deps: ServeDeps): FastifyPluginAsync {
  return async (app) => {
    if (deps.protect?.read) app.addHook("preHandler", requireScope(deps.tokens, "read"));
    app.get("/v1/models", async () => ({ models: (await deps.registry.listModels()).map(modelView) }));
    app.get<{ Params: { name: string } }>("/v1/models/:name", { schema: { params: ModelParams } }, async (request) =>
      modelView(await deps.registry.getModel(request.params.name)),
    );
  };
}
