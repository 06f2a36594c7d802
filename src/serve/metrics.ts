import { Counter, Histogram, Registry } from "prom-client";
import type { EventBus } from "../core/index.js";

/** The Prometheus metrics a Slipway process exposes on `/metrics`. */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<"method" | "route" | "status" | "model" | "version"> = new Counter({
    name: "slipway_http_requests_total",
    help: "HTTP requests answered, by route, status and model version.",
    labelNames: ["method", "route", "status", "model", "version"] as const,
    registers: [this.registry],
    collect: (): void => this.flushCounts(this.requestChildren, this.requests),
  });
  readonly latency = new Histogram({
    name: "slipway_http_request_duration_seconds",
    help: "Time to answer an HTTP request, by route and model version.",
    labelNames: ["method", "route", "model", "version"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly predictions: Counter<"model" | "version" | "kind"> = new Counter({
    name: "slipway_predictions_total",
    help: "Predictions (rows or forecast steps) served, by model version and kind.",
    labelNames: ["model", "version", "kind"] as const,
    registers: [this.registry],
    collect: (): void => this.flushCounts(this.predictionChildren, this.predictions),
  });
  readonly shadowDropped = new Counter({
    name: "slipway_shadow_dropped_total",
    help: "Shadow copies dropped because too many were in flight, by model.",
    labelNames: ["model"] as const,
    registers: [this.registry],
  });
  readonly shadowFailed = new Counter({
    name: "slipway_shadow_failed_total",
    help: "Shadow copies that failed (the prediction threw, the bundle did not load, the worker died), by model.",
    labelNames: ["model"] as const,
    registers: [this.registry],
  });
  readonly jobs = new Counter({
    name: "slipway_jobs_total",
    help: "Jobs finished by this process, by kind and final state.",
    labelNames: ["kind", "state"] as const,
    registers: [this.registry],
  });

  constructor(bus?: EventBus) {
    bus?.on("job.finished", (e) => this.jobs.inc({ kind: e.kind, state: e.state }));
  }

  // Label sets are few (routes × statuses × model versions) and the same on every request. Each is looked up by
  // one string, counts add to a plain number that reaches prom-client when scraped (its `inc` hashes and checks
  // the label object every call), and the histogram's child is kept: a quarter of a one-row predict request's
  // time went to prom-client's label handling before.
  private readonly requestChildren = new Map<
    string,
    PendingCount<"method" | "route" | "status" | "model" | "version"> & {
      time: Histogram.Internal<"method" | "route" | "model" | "version">;
    }
  >();
  private readonly predictionChildren = new Map<string, PendingCount<"model" | "version" | "kind">>();

  /** Counts one answered request and observes its duration. */
  observeRequest(method: string, route: string, status: number, model: string, version: string, seconds: number) {
    const key = `${method} ${route} ${status} ${model} ${version}`;
    let child = this.requestChildren.get(key);
    if (!child) {
      child = {
        labels: { method, route, status: String(status), model, version },
        pending: 0,
        time: this.latency.labels({ method, route, model, version }),
      };
      this.requestChildren.set(key, child);
    }
    child.pending++;
    child.time.observe(seconds);
  }

  /** Counts `n` predictions (rows or forecast steps) of a model version. */
  countPredictions(model: string, version: number, kind: "predict" | "forecast", n: number): void {
    const key = `${model} ${version} ${kind}`;
    let child = this.predictionChildren.get(key);
    if (!child) {
      child = { labels: { model, version: String(version), kind }, pending: 0 };
      this.predictionChildren.set(key, child);
    }
    child.pending += n;
  }

  private flushCounts<T extends string>(children: Map<string, PendingCount<T>>, counter: Counter<T>): void {
    for (const child of children.values()) {
      if (child.pending === 0) continue;
      counter.inc(child.labels, child.pending);
      child.pending = 0;
    }
  }
}

/** A label set's count not yet handed to prom-client. */
interface PendingCount<T extends string> {
  labels: Partial<Record<T, string>>;
  pending: number;
}
