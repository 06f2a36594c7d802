import { Type } from "@sinclair/typebox";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { invalidInput } from "../../core/index.js";
import {
  type ApprovalRequest,
  type ApproveResult,
  type DescribeResult,
  type GateCheck,
  MAX_DESCRIPTION_CHARS,
  MAX_STEP_EVERY_MS,
  MAX_TAG_VALUE_CHARS,
  MAX_TAGS,
  MIN_STEP_EVERY_MS,
  type PromoteResult,
  type TagsResult,
  type TrafficSplit,
} from "../../registry/index.js";
import type { ServeDeps } from "../app.js";
import { actorOf, requireScope } from "../auth.js";
import { ModelParams, VersionParams } from "../schemas.js";
import { parseScopes, SCOPES, type TokenInfo } from "../tokens.js";

/** The JSON view of an approval request (the CLI's `--json` prints the same). */
export function approvalView(a: ApprovalRequest) {
  return {
    id: a.id,
    model: a.model,
    version: a.version,
    state: a.state,
    requested_by: a.requestedBy,
    requested_at: a.requestedAt,
    reason: a.reason,
    decided_by: a.decidedBy,
    decided_at: a.decidedAt,
    decision_reason: a.decisionReason,
  };
}

/** The JSON view of a gate check: every bound of every condition, and whether a person forced a failure through. */
export function gateView(check: GateCheck) {
  return {
    passed: check.passed,
    forced: check.forced,
    candidate_version: check.candidateVersion,
    champion_version: check.championVersion,
    results: check.results.map((r) => ({
      metric: r.metric,
      bound: r.bound,
      limit: r.limit,
      candidate: r.candidate,
      champion: r.champion,
      threshold: r.threshold,
      passed: r.passed,
      reason: r.reason,
    })),
  };
}

export function promoteView(p: PromoteResult) {
  return {
    model: p.model,
    alias: p.alias,
    from: p.from,
    to: p.to,
    status: p.status,
    approval: p.approval ? approvalView(p.approval) : null,
    // Only when the policy's gate conditions were checked, so that answers without conditions keep their shape.
    ...(p.gate !== null ? { gate: gateView(p.gate) } : {}),
  };
}

/** The answer of an approval: the move, the request, and the gate check made at approval. */
export function approveView(r: ApproveResult) {
  return {
    model: r.model,
    alias: r.alias,
    from: r.from,
    to: r.to,
    approval: approvalView(r.approval),
    ...(r.gate !== null ? { gate: gateView(r.gate) } : {}),
  };
}

export function splitView(t: TrafficSplit & { from?: { version: number; share: number } | null }) {
  return {
    model: t.model,
    kind: t.kind,
    version: t.version,
    share: t.share,
    updated_at: t.updatedAt,
    // Only for a canary stepped by policy, so that the answer for one stepped by hand keeps its shape.
    ...(t.schedule !== null
      ? {
          schedule: {
            step: t.schedule.step,
            every_ms: t.schedule.everyMs,
            max_latency_ratio: t.schedule.maxLatencyRatio,
            next_step_at: t.schedule.nextStepAt,
          },
        }
      : {}),
    ...(t.from !== undefined ? { from: t.from } : {}),
  };
}

/** The JSON view of a tag change: the version's tags after it, and each change (`from`/`to` null: not set). */
export function tagsView(r: TagsResult) {
  return { model: r.model, version: r.version, tags: r.tags, changes: r.changes };
}

export function descriptionView(r: DescribeResult) {
  return { model: r.model, version: r.version, description: r.description, from: r.from };
}

export function tokenView(t: TokenInfo & { token?: string }) {
  return {
    id: t.id,
    name: t.name,
    scopes: t.scopes,
    created_at: t.createdAt,
    revoked_at: t.revokedAt,
    ...(t.token !== undefined ? { token: t.token } : {}),
  };
}

const Version = Type.Integer({ minimum: 1, maximum: 999_999_999 });
const Reason = Type.String({ minLength: 1, maxLength: 1000 });
const Alias = Type.String({ pattern: "^[A-Za-z0-9._-]{1,64}$" });
/** `force`: release a version that fails the policy's gate conditions; needs a reason (audited as `gate.override`). */
const Force = Type.Boolean({ default: false });
const PromoteBody = Type.Object(
  { version: Version, alias: Type.Optional(Alias), reason: Type.Optional(Reason), force: Type.Optional(Force) },
  { additionalProperties: false },
);
const DecisionBody = Type.Object({ version: Version, reason: Reason }, { additionalProperties: false });
const ApproveBody = Type.Object(
  { version: Version, reason: Reason, force: Type.Optional(Force) },
  { additionalProperties: false },
);
/** A canary; with `step` and `every_ms` (and optionally `max_latency_ratio`) it is stepped by policy. */
const CanaryBody = Type.Object(
  {
    version: Version,
    share: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
    reason: Type.Optional(Reason),
    step: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
    every_ms: Type.Optional(Type.Integer({ minimum: MIN_STEP_EVERY_MS, maximum: MAX_STEP_EVERY_MS })),
    max_latency_ratio: Type.Optional(Type.Number({ minimum: 1, maximum: 1e6 })),
  },
  { additionalProperties: false },
);
const ShadowBody = Type.Object({ version: Version, reason: Type.Optional(Reason) }, { additionalProperties: false });
const RollbackBody = Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false });
const TokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    scopes: Type.Array(Type.Union(SCOPES.map((s) => Type.Literal(s))), { minItems: 1, maxItems: SCOPES.length }),
  },
  { additionalProperties: false },
);
// Keys are checked by the registry, which names the bad key in the error (`/set/<key>`).
const TagsBody = Type.Object(
  {
    set: Type.Optional(
      Type.Record(Type.String(), Type.String({ maxLength: MAX_TAG_VALUE_CHARS }), { maxProperties: MAX_TAGS }),
    ),
    remove: Type.Optional(Type.Array(Type.String(), { maxItems: MAX_TAGS })),
    reason: Type.Optional(Reason),
  },
  { additionalProperties: false },
);
const DescriptionBody = Type.Object(
  { description: Type.String({ maxLength: MAX_DESCRIPTION_CHARS }), reason: Type.Optional(Reason) },
  { additionalProperties: false },
);
const TokenParams = Type.Object({ id: Type.String({ pattern: "^[A-Za-z0-9_]{1,64}$" }) });

/** OpenAPI: every admin route needs the bearer token (see `app.ts`'s security scheme). */
const SECURED = { tags: ["admin"], security: [{ bearer: [] }] };

type Named<B> = FastifyRequest<{ Params: { name: string }; Body: B }>;
type Versioned<B> = FastifyRequest<{ Params: { name: string; version: string }; Body: B }>;

/** The admin API: the release steps and tokens of the CLI, each behind a token with the `admin` scope, audited. */
export function adminRoutes(deps: ServeDeps): FastifyPluginAsync {
  return async (app) => {
    app.addHook("preHandler", requireScope(deps.tokens, "admin"));
    const by = (request: FastifyRequest, reason: string | undefined, fallback: string) => ({
      actor: actorOf(request),
      reason: reason ?? fallback,
    });

    app.post(
      "/v1/admin/models/:name/promote",
      { schema: { ...SECURED, params: ModelParams, body: PromoteBody } },
      async (request: Named<{ version: number; alias?: string; reason?: string; force?: boolean }>) => {
        const { version, alias, reason, force } = request.body;
        if (force === true && reason === undefined) {
          throw invalidInput("force needs a reason", [{ field: "/reason", reason: "required with force" }]);
        }
        const result = await deps.registry.promote(request.params.name, version, {
          ...by(request, reason, "promoted through the admin API"),
          ...(alias !== undefined ? { alias } : {}),
          force: force === true,
        });
        return promoteView(result);
      },
    );
    app.post(
      "/v1/admin/models/:name/approve",
      { schema: { ...SECURED, params: ModelParams, body: ApproveBody } },
      async (request: Named<{ version: number; reason: string; force?: boolean }>) => {
        const r = await deps.registry.approve(request.params.name, request.body.version, {
          ...by(request, request.body.reason, ""),
          force: request.body.force === true,
        });
        return approveView(r);
      },
    );
    app.post(
      "/v1/admin/models/:name/reject",
      { schema: { ...SECURED, params: ModelParams, body: DecisionBody } },
      async (request: Named<{ version: number; reason: string }>) => {
        const a = await deps.registry.reject(
          request.params.name,
          request.body.version,
          by(request, request.body.reason, ""),
        );
        return { model: a.model, version: a.version, approval: approvalView(a) };
      },
    );
    app.post(
      "/v1/admin/models/:name/rollback",
      { schema: { ...SECURED, params: ModelParams, body: RollbackBody } },
      async (request: Named<{ reason?: string }>) =>
        deps.registry.rollback(
          request.params.name,
          by(request, request.body?.reason, "rolled back through the admin API"),
        ),
    );
    app.post(
      "/v1/admin/models/:name/canary",
      { schema: { ...SECURED, params: ModelParams, body: CanaryBody } },
      async (
        request: Named<{
          version: number;
          share: number;
          reason?: string;
          step?: number;
          every_ms?: number;
          max_latency_ratio?: number;
        }>,
      ) => {
        const { version, share, reason, step, every_ms, max_latency_ratio } = request.body;
        if (
          (step === undefined) !== (every_ms === undefined) ||
          (max_latency_ratio !== undefined && step === undefined)
        ) {
          const missing = step === undefined ? "/step" : "/every_ms";
          throw invalidInput("a canary schedule needs step and every_ms", [
            { field: missing, reason: "required with every_ms, step or max_latency_ratio" },
          ]);
        }
        const schedule =
          step !== undefined && every_ms !== undefined
            ? {
                step,
                everyMs: every_ms,
                ...(max_latency_ratio !== undefined ? { maxLatencyRatio: max_latency_ratio } : {}),
              }
            : undefined;
        const r = await deps.registry.setCanary(
          request.params.name,
          version,
          share,
          by(request, reason, "canary set through the admin API"),
          schedule,
        );
        return splitView(r);
      },
    );
    app.delete(
      "/v1/admin/models/:name/canary",
      { schema: { ...SECURED, params: ModelParams } },
      async (request: Named<unknown>) =>
        splitView(
          await deps.registry.endCanary(
            request.params.name,
            by(request, undefined, "canary ended through the admin API"),
          ),
        ),
    );
    app.post(
      "/v1/admin/models/:name/shadow",
      { schema: { ...SECURED, params: ModelParams, body: ShadowBody } },
      async (request: Named<{ version: number; reason?: string }>) => {
        const { version, reason } = request.body;
        return splitView(
          await deps.registry.setShadow(
            request.params.name,
            version,
            by(request, reason, "shadow set through the admin API"),
          ),
        );
      },
    );
    app.delete(
      "/v1/admin/models/:name/shadow",
      { schema: { ...SECURED, params: ModelParams } },
      async (request: Named<unknown>) =>
        splitView(
          await deps.registry.endShadow(
            request.params.name,
            by(request, undefined, "shadow ended through the admin API"),
          ),
        ),
    );
    app.post(
      "/v1/admin/models/:name/versions/:version/tags",
      { schema: { ...SECURED, params: VersionParams, body: TagsBody } },
      async (request: Versioned<{ set?: Record<string, string>; remove?: string[]; reason?: string }>) => {
        const { set, remove, reason } = request.body;
        const r = await deps.registry.updateTags(
          request.params.name,
          Number(request.params.version),
          { ...(set !== undefined ? { set } : {}), ...(remove !== undefined ? { remove } : {}) },
          by(request, reason, "tagged through the admin API"),
        );
        return tagsView(r);
      },
    );
    app.post(
      "/v1/admin/models/:name/versions/:version/description",
      { schema: { ...SECURED, params: VersionParams, body: DescriptionBody } },
      async (request: Versioned<{ description: string; reason?: string }>) => {
        const r = await deps.registry.describeVersion(
          request.params.name,
          Number(request.params.version),
          request.body.description,
          by(request, request.body.reason, "described through the admin API"),
        );
        return descriptionView(r);
      },
    );
    app.post(
      "/v1/admin/tokens",
      { schema: { ...SECURED, body: TokenBody } },
      async (request: FastifyRequest<{ Body: { name: string; scopes: string[] } }>, reply) => {
        const scopes = parseScopes(request.body.scopes, "/scopes");
        const created = await deps.tokens.create(request.body.name, scopes, { actor: actorOf(request) });
        void reply.status(201);
        return tokenView(created);
      },
    );
    app.delete(
      "/v1/admin/tokens/:id",
      { schema: { ...SECURED, params: TokenParams } },
      async (request: FastifyRequest<{ Params: { id: string } }>) =>
        tokenView(await deps.tokens.revoke(request.params.id, { actor: actorOf(request) })),
    );
  };
}
