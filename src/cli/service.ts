import { resolve } from "node:path";
import type { ProjectConfig } from "../config/index.js";
import { PredictionLogWriter } from "../monitor/index.js";
import { JobRunner, ProjectLoop } from "../pipeline/index.js";
import { buildServer, ModelCache, type RouteTimeouts, ServiceMetrics, TokenStore } from "../serve/index.js";
import { openRuntime } from "./runtime.js";

export interface ServiceOptions {
  home: string;
  host: string;
  port: number;
  maxHorizon: number;
  /** With a project, the process also runs the loop: ingest, train, gate, release, watch. */
  project?: { config: ProjectConfig; dir: string };
  /** How often to look for alias moves made by other processes. */
  aliasPollMs?: number;
  /** Route groups that need a token (admin routes always do). */
  protect?: { predict?: boolean; read?: boolean };
  /** Time limits per route group. */
  timeouts?: Partial<RouteTimeouts>;
}

export interface RunningService {
  url: string;
  close(): Promise<void>;
}

/** Starts `slipway serve` (models only) or `slipway up` (models and the project loop) in this process. */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const rt = await openRuntime(options.home);
  const { logger } = rt;
  const metrics = new ServiceMetrics(rt.bus);
  const cache = new ModelCache(rt.registry, rt.stores.artifacts, {
    onError: (err) => logger.error({ err }, "model load failed"),
    ...(options.project ? { requiredModels: [options.project.config.model.name] } : {}),
  });
  await cache.refresh(true);
  const predictionLog = new PredictionLogWriter(rt.stores.metadata.db, rt.clock, {
    onError: (err) => logger.error({ err }, "prediction log write failed; will retry"),
    ...(rt.stores.metadata.sqlite ? { sqlite: rt.stores.metadata.sqlite } : {}),
  });
  const app = buildServer({
    registry: rt.registry,
    cache,
    predictionLog,
    metrics,
    logger,
    maxHorizon: options.maxHorizon,
    tokens: new TokenStore(rt.stores.metadata.db, rt.clock),
    ...(options.protect ? { protect: options.protect } : {}),
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
  });

  // Alias moves in this process refresh at once; moves by other processes are seen by polling the alias epoch.
  rt.bus.on("model.alias.moved", () => void cache.refresh().catch((err) => logger.error({ err }, "refresh failed")));
  // The same poll takes the canary steps that are due (one query when none is); of several serving processes on
  // the store, the one that claims a step takes it. A poll that finds the last one still running skips.
  let stepping: Promise<void> | null = null;
  const stepCanaries = async () => {
    try {
      for (const o of await rt.registry.stepCanaries()) {
        const { error, ...fields } = o;
        if (o.action === "error")
          logger.error({ err: error, ...fields }, "canary step failed; tried again next interval");
        else logger.info(fields, `canary ${o.action}`);
      }
    } catch (err) {
      logger.error({ err }, "canary stepping failed");
    }
  };
  const poll = setInterval(() => {
    void cache.refresh().catch((err) => logger.error({ err }, "refresh failed"));
    stepping ??= stepCanaries().finally(() => {
      stepping = null;
    });
  }, options.aliasPollMs ?? 500);

  let runner: JobRunner | null = null;
  let loop: ProjectLoop | null = null;
  if (options.project) {
    runner = new JobRunner(rt.stores.metadata.db, rt.bus, rt.clock, {
      onError: (kind, jobId, err) => logger.error({ err, kind, jobId }, "job failed"),
    });
    loop = new ProjectLoop(rt, options.project.config, resolve(options.project.dir), runner);
    await loop.ingestAll();
    runner.start();
    loop.watch();
  }

  const address = await app.listen({ host: options.host, port: options.port });
  logger.info({ url: address, home: options.home }, "serving");

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      clearInterval(poll);
      await stepping;
      await loop?.close();
      await runner?.stop();
      await app.close(); // stops accepting, lets in-flight requests finish
      await predictionLog.close();
      await rt.close();
    })();
    return closing;
  };
  return { url: address, close };
}
