import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openHarness, type ServeHarness } from "./serve-fixture.js";

let h: ServeHarness;
beforeAll(async () => {
  h = await openHarness();
});
afterAll(async () => {
  await h?.close();
});

describe("GET /openapi.json", () => {
  it("documents every route from its schema, admin routes with the bearer scheme", async () => {
    const res = await h.app.inject({ method: "GET", url: "/openapi.json" });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{
      openapi: string;
      paths: Record<
        string,
        Record<
          string,
          { security?: unknown; requestBody?: { content: Record<string, { schema: { required?: string[] } }> } }
        >
      >;
      components: { securitySchemes: Record<string, unknown> };
    }>();
    expect(doc.openapi).toBe("3.0.3");
    // Every route the server answers, but the document itself.
    const routes = h.app.printRoutes({ commonPrefix: false });
    for (const path of [
      "/v1/models/{name}/predict",
      "/v1/models/{name}/versions/{version}/forecast",
      "/v1/admin/models/{name}/approve",
      "/v1/admin/tokens/{id}",
      "/v1/admin/models/{name}/versions/{version}/tags",
      "/v1/admin/models/{name}/versions/{version}/description",
      "/v2/models/{name}/infer",
      "/v2/health/ready",
      "/readyz",
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    expect(routes).toContain("openapi.json");
    expect(Object.keys(doc.paths)).not.toContain("/openapi.json");
    expect(
      doc.paths["/v1/models/{name}/predict"]?.post?.requestBody?.content["application/json"]?.schema.required,
    ).toEqual(["instances"]);
    expect(doc.paths["/v1/admin/models/{name}/promote"]?.post?.security).toEqual([{ bearer: [] }]);
    expect(doc.paths["/v1/admin/models/{name}/versions/{version}/tags"]?.post?.security).toEqual([{ bearer: [] }]);
    expect(
      doc.paths["/v1/admin/models/{name}/versions/{version}/description"]?.post?.requestBody?.content[
        "application/json"
      ]?.schema.required,
    ).toEqual(["description"]);
    expect(doc.paths["/v1/models/{name}/predict"]?.post?.security).toBeUndefined();
    expect(doc.components.securitySchemes.bearer).toEqual({ type: "http", scheme: "bearer" });
  });
});
