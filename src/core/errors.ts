/** One field-level reason attached to an error: `field` is a JSON pointer, `body`, a header or a CLI flag. */
export interface ErrorDetail {
  field: string;
  reason: string;
}

/**
 * Every error Slipway raises on purpose. The code is the contract (scripts match on it, never on the message);
 * `status` is the HTTP status the edge answers with, and the CLI maps 4xx to exit code 2.
 */
export const ERROR_CODES = {
  SLP_INPUT_INVALID: {
    status: 400,
    summary: "A request body, file or flag failed validation; details name each field.",
  },
  SLP_INPUT_UNSUPPORTED_MEDIA: { status: 415, summary: "The request body is not JSON." },
  SLP_INPUT_TOO_LARGE: { status: 413, summary: "The request body is larger than the configured limit." },
  SLP_AUTH_MISSING: { status: 401, summary: "The route needs a bearer token and none was sent." },
  SLP_AUTH_INVALID: { status: 401, summary: "The bearer token is unknown or revoked." },
  SLP_AUTH_FORBIDDEN: { status: 403, summary: "The token lacks the scope the route needs." },
  SLP_TOKEN_NOT_FOUND: { status: 404, summary: "No API token with that id." },
  SLP_RELEASE_CONFLICT: {
    status: 409,
    summary: "The release step does not apply now (no pending approval, no earlier version to roll back to).",
  },
  SLP_GATE_FAILED: {
    status: 409,
    summary: "The version fails a gate condition of the model's release policy; details name each metric.",
  },
  SLP_ROUTE_NOT_FOUND: { status: 404, summary: "No route answers this method and path." },
  SLP_MODEL_NOT_FOUND: { status: 404, summary: "No model, version or alias by that name." },
  SLP_MODEL_TASK_MISMATCH: {
    status: 409,
    summary: "The model's task does not answer this route (forecast vs predict).",
  },
  SLP_MODEL_NOT_READY: { status: 503, summary: "The model is registered but not loaded yet." },
  SLP_TIMEOUT: { status: 503, summary: "The route did not answer within its time limit; retrying may succeed." },
  SLP_FAMILY_UNAVAILABLE: { status: 400, summary: "The model family is not available in this build." },
  SLP_TRAIN_FAILED: { status: 422, summary: "Training could not produce a model from this data." },
  SLP_DATA_INVALID: { status: 422, summary: "A data file could not be read against its schema." },
  SLP_CONFIG_INVALID: { status: 400, summary: "The project file failed validation; details name each path." },
  SLP_JOB_LEASE_LOST: { status: 409, summary: "A job's lease expired and another runner took it over." },
  SLP_INTERNAL: { status: 500, summary: "An unexpected failure; the log has the cause." },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class SlipwayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: ErrorDetail[];

  constructor(code: ErrorCode, message: string, details: ErrorDetail[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SlipwayError";
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.details = details;
  }

  /** The JSON body every 4xx/5xx answer and every `--json` failure carries. */
  toBody(): { error: { code: ErrorCode; message: string; details: ErrorDetail[] } } {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}

/** Shorthand for the most common error: one or more invalid fields. */
export function invalidInput(message: string, details: ErrorDetail[]): SlipwayError {
  return new SlipwayError("SLP_INPUT_INVALID", message, details);
}

export function isSlipwayError(e: unknown): e is SlipwayError {
  return e instanceof SlipwayError;
}
