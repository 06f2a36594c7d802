import { Counter, Histogram, Registry } from "prom-client";
import type { EventBus } from "../core/index.js";

/** The Prometheus metrics a Slipway process exposes on `/metrics`. */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: "slipway_http_requests_total",
    help: "HTTP requests answered, by route, status and model version.",
    labelNames: ["method", "route", "status", "model", "version"] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: "slipway_http_request_duration_seconds",
    help: "Time to answer an HTTP request, by route and model version.",
    labelNames: ["method", "route", "model", "version"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly predictions = new Counter({
    name: "slipway_predictions_total",
    help: "Predictions (rows or forecast steps) served, by model version and kind.",
    labelNames: ["model", "version", "kind"] as const,
    registers: [this.registry],
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
}
