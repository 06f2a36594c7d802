import { randomFillSync } from "node:crypto";

/**
 * A new opaque id with a readable prefix (`run_…`, `job_…`, `req_…`): 12 hex digits of the millisecond clock, then
 * 8 random ones. Ids made later sort later, so indexes on them grow at their end; the prediction log's index on
 * request ids took 5× longer per insert with fully random ids (29 against 5 µs a row at 400,000 rows).
 */
export function newId(prefix: string): string {
  const now = Date.now();
  if (now !== clockAt) {
    clockAt = now;
    clockHex = now.toString(16).padStart(12, "0");
  }
  if (randomAt === random.length) {
    randomFillSync(random);
    randomAt = 0;
  }
  return `${prefix}_${clockHex}${(random[randomAt++] as number).toString(16).padStart(8, "0")}`;
}

// A request id is made per request: the clock's hex is kept for its millisecond and random words are drawn a
// thousand at a time (one fill instead of a UUID per id).
let clockAt = -1;
let clockHex = "";
const random = new Uint32Array(1024);
let randomAt = random.length;

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** A client's request id is kept when it is 1–128 characters of `[A-Za-z0-9._-]`. */
export function isValidRequestId(id: unknown): id is string {
  return typeof id === "string" && REQUEST_ID.test(id);
}
