import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { type ErrorDetail, SlipwayError } from "../core/index.js";

interface AjvError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Ajv's errors as field details: `field` is the JSON pointer of the offending value. */
export function ajvDetails(errors: AjvError[]): ErrorDetail[] {
  return errors.map((e) => {
    let field = e.instancePath ?? "";
    if (e.keyword === "required" && typeof e.params?.missingProperty === "string") {
      field = `${field}/${e.params.missingProperty}`;
      return { field, reason: "required" };
    }
    if (e.keyword === "additionalProperties" && typeof e.params?.additionalProperty === "string") {
      return { field: `${field}/${e.params.additionalProperty}`, reason: "not an accepted field" };
    }
    return { field: field || "body", reason: e.message ?? "invalid" };
  });
}

/** Maps every failure to the one error body; a client's mistake is a 4xx, only our own failures are 5xx. */
export function toSlipwayError(error: FastifyError | Error): SlipwayError {
  if (error instanceof SlipwayError) return error;
  const fe = error as FastifyError & { validation?: AjvError[] };
  if (fe.validation)
    return new SlipwayError("SLP_INPUT_INVALID", "the request failed validation", ajvDetails(fe.validation));
  switch (fe.code) {
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new SlipwayError("SLP_INPUT_UNSUPPORTED_MEDIA", "send the body as application/json", [
        { field: "content-type", reason: "must be application/json" },
      ]);
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new SlipwayError("SLP_INPUT_TOO_LARGE", "the request body is too large", [
        { field: "body", reason: "too large" },
      ]);
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new SlipwayError("SLP_INPUT_INVALID", "the request body is empty", [
        { field: "body", reason: "required" },
      ]);
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new SlipwayError("SLP_INPUT_INVALID", "the request body is not valid JSON", [
        { field: "body", reason: "not valid JSON" },
      ]);
  }
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code =
      fe.statusCode === 413
        ? "SLP_INPUT_TOO_LARGE"
        : fe.statusCode === 415
          ? "SLP_INPUT_UNSUPPORTED_MEDIA"
          : "SLP_INPUT_INVALID";
    return new SlipwayError(code, fe.message, [{ field: "body", reason: fe.message }]);
  }
  return new SlipwayError("SLP_INTERNAL", "internal error", [], { cause: error });
}

export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const e = toSlipwayError(error);
  if (e.status >= 500) request.log.error({ err: error }, "request failed");
  void reply.status(e.status).send(e.toBody());
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  void reply
    .status(404)
    .send(
      new SlipwayError("SLP_ROUTE_NOT_FOUND", `no route ${request.method} ${request.url.split("?")[0]}`, [
        { field: "path", reason: "no such route" },
      ]).toBody(),
    );
}
