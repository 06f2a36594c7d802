/**
 * Bearer-token checks for routes: `requireScope(tokens, scope)` is a Fastify preHandler that answers 401
 * (`SLP_AUTH_MISSING` without a token, `SLP_AUTH_INVALID` for an unknown or revoked one) or 403
 * (`SLP_AUTH_FORBIDDEN`, the token lacks the scope), in the one error body, and otherwise records who called.
 */
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from "fastify";
import { SlipwayError } from "../core/index.js";
import { grants, type Scope, type TokenInfo, type TokenStore } from "./tokens.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The token a protected route was called with. */
    caller?: TokenInfo;
  }
}

const BEARER = /^Bearer[ ]+([A-Za-z0-9._~+/=-]+)[ ]*$/i;

export function requireScope(tokens: TokenStore, scope: Scope): preHandlerAsyncHookHandler {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization;
    if (header === undefined || header === "") {
      void reply.header("www-authenticate", "Bearer");
      throw new SlipwayError("SLP_AUTH_MISSING", `this route needs a bearer token with the ${scope} scope`, [
        { field: "authorization", reason: "required" },
      ]);
    }
    const m = BEARER.exec(header);
    const info = m ? await tokens.verify(m[1] as string) : null;
    if (info === null) {
      void reply.header("www-authenticate", 'Bearer error="invalid_token"');
      throw new SlipwayError("SLP_AUTH_INVALID", "the bearer token is unknown or revoked", [
        { field: "authorization", reason: m ? "unknown or revoked token" : "expected 'Bearer <token>'" },
      ]);
    }
    if (!grants(info.scopes, scope)) {
      throw new SlipwayError("SLP_AUTH_FORBIDDEN", `the token ${info.id} lacks the ${scope} scope`, [
        { field: "authorization", reason: `needs scope ${scope}` },
      ]);
    }
    request.caller = info;
  };
}

/** The audit actor of an authenticated request. */
export function actorOf(request: FastifyRequest): string {
  return request.caller ? `token:${request.caller.name}` : "anonymous";
}
