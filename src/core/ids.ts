import { randomUUID } from "node:crypto";

/** A new opaque id with a readable prefix (`run_…`, `job_…`, `req_…`). */
export function newId(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll("-", "").slice(0, 20)}`;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** A client's request id is kept when it is 1–128 characters of `[A-Za-z0-9._-]`. */
export function isValidRequestId(id: unknown): id is string {
  return typeof id === "string" && REQUEST_ID.test(id);
}
