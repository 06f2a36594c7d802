/**
 * A canary's health from the prediction log: the p95 latency of the requests one route answered over a window.
 * Latency is per request (a batch's rows share one `request_id` and one latency), so a batch weighs as much as a
 * single row; shadow copies (`route` `shadow`) are never counted.
 */
import type { Kysely } from "kysely";
import type { Database } from "../store/index.js";

export interface LatencySample {
  /** Requests in the window. */
  requests: number;
  /** Nearest-rank 95th percentile of their latencies in ms; null without requests. */
  p95Ms: number | null;
}

/** The canary must have answered at least this many requests in the interval for its latency to be judged. */
export const MIN_REQUESTS_TO_COMPARE = 20;

/**
 * p95 latency of the requests for `model` answered by `route` (and `version`, when given) logged in
 * [`fromMs`, `toMs`]. Computed in the store: a count, then the row at rank ⌈0.95·n⌉ in latency order.
 */
export async function latencyP95(
  db: Kysely<Database>,
  filter: { model: string; route: string; version?: number; fromMs: number; toMs: number },
): Promise<LatencySample> {
  let perRequest = db
    .selectFrom("prediction_log")
    .select((eb) => ["request_id", eb.fn.max("latency_ms").as("latency")])
    .where("model", "=", filter.model)
    .where("route", "=", filter.route)
    .where("at", ">=", filter.fromMs)
    .where("at", "<=", filter.toMs)
    .groupBy("request_id");
  if (filter.version !== undefined) perRequest = perRequest.where("version", "=", filter.version);
  const counted = await db
    .selectFrom(perRequest.as("r"))
    .select((eb) => eb.fn.countAll().as("n"))
    .executeTakeFirst();
  const requests = Number(counted?.n ?? 0);
  if (requests === 0) return { requests, p95Ms: null };
  const rank = Math.ceil(0.95 * requests);
  const row = await db
    .selectFrom(perRequest.as("r"))
    .select("r.latency")
    .orderBy("r.latency")
    .limit(1)
    .offset(rank - 1)
    .executeTakeFirst();
  return { requests, p95Ms: row ? Number(row.latency) : null };
}
