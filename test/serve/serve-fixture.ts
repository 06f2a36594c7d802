import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { openRuntime, type Runtime } from "../../src/cli/runtime.js";
import { Rng } from "../../src/ml/random.js";
import { PredictionLogWriter } from "../../src/monitor/index.js";
import { trainFromFile } from "../../src/pipeline/index.js";
import { buildServer, ModelCache, ServiceMetrics, type ShadowOptions, TokenStore } from "../../src/serve/index.js";
import type { RouteTimeouts } from "../../src/serve/timeouts.js";

/** Rows of the tabular file: y = 3 + 2·f0 − f1 + 0.5·f2 (+ 0·f3) + N(0, 0.1²), features N(0, 1). */
export const TABULAR_ROWS = 200;
/** Monthly series 2019-01 … 2023-12: trend 2/month, a yearly cycle of amplitude 15, N(0, 3²) noise. */
export const SERIES_MONTHS = 60;
export const MAX_HORIZON = 48;

export function tabularCsv(seed: number): string {
  const rng = new Rng(seed);
  const lines = ["f0,f1,f2,f3,y"];
  for (let i = 0; i < TABULAR_ROWS; i++) {
    const f = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
    const y = 3 + 2 * f[0] - f[1] + 0.5 * f[2] + 0.1 * rng.normal();
    lines.push([...f, y].map((v) => v.toFixed(6)).join(","));
  }
  return `${lines.join("\n")}\n`;
}

export function seriesCsv(seed: number): string {
  const rng = new Rng(seed);
  const lines = ["month,volume"];
  for (let t = 0; t < SERIES_MONTHS; t++) {
    const month = new Date(Date.UTC(2019, t, 1)).toISOString().slice(0, 10);
    const volume = 100 + 2 * t + 15 * Math.sin((2 * Math.PI * t) / 12) + 3 * rng.normal();
    lines.push(`${month},${volume.toFixed(3)}`);
  }
  return `${lines.join("\n")}\n`;
}

/** A Slipway home in a temp dir with a real SQLite store, models trained through `trainFromFile`, and a server. */
export interface ServeHarness {
  dir: string;
  rt: Runtime;
  cache: ModelCache;
  metrics: ServiceMetrics;
  predictionLog: PredictionLogWriter;
  app: FastifyInstance;
  tabularPath: string;
  seriesPath: string;
  tokens: TokenStore;
  /** Builds another server over the same runtime (closed by `close()`). */
  extraServer(options?: {
    requiredModels?: string[];
    bodyLimitBytes?: number;
    refresh?: boolean;
    protect?: { predict?: boolean; read?: boolean };
    shadow?: ShadowOptions;
    timeouts?: Partial<RouteTimeouts>;
  }): Promise<FastifyInstance>;
  close(): Promise<void>;
}

export const actor = { actor: "test", reason: "serving tests" };

/**
 * Trains `price` (linear regression on the tabular file) and `demand` (gp forecast on the series) and points
 * production at version 1 of each.
 */
export async function openHarness(): Promise<ServeHarness> {
  const dir = await mkdtemp(join(tmpdir(), "slipway-serve-"));
  const logger = pino({ level: "silent" });
  const rt = await openRuntime(join(dir, "home"), logger);
  const tabularPath = join(dir, "price.csv");
  const seriesPath = join(dir, "demand.csv");
  await writeFile(tabularPath, tabularCsv(11));
  await writeFile(seriesPath, seriesCsv(12));
  const price = await trainFromFile(rt, { data: tabularPath, target: "y", family: "linear", name: "price", seed: 1 });
  const demand = await trainFromFile(rt, {
    data: seriesPath,
    target: "volume",
    time: "month",
    family: "gp",
    name: "demand",
    seed: 1,
  });
  await rt.registry.moveAlias("price", "production", price.version, actor);
  await rt.registry.moveAlias("demand", "production", demand.version, actor);

  const metrics = new ServiceMetrics(rt.bus);
  const cache = new ModelCache(rt.registry, rt.stores.artifacts);
  await cache.refresh(true);
  const predictionLog = new PredictionLogWriter(rt.stores.metadata.db, rt.clock, {
    flushMs: 60_000,
    ...(rt.stores.metadata.sqlite ? { sqlite: rt.stores.metadata.sqlite } : {}),
  });
  const tokens = new TokenStore(rt.stores.metadata.db, rt.clock);
  const app = buildServer({
    registry: rt.registry,
    cache,
    predictionLog,
    metrics,
    logger,
    maxHorizon: MAX_HORIZON,
    tokens,
  });
  await app.ready();

  const extras: FastifyInstance[] = [];
  return {
    dir,
    rt,
    cache,
    metrics,
    predictionLog,
    app,
    tabularPath,
    seriesPath,
    tokens,
    async extraServer(options = {}) {
      const extraCache = new ModelCache(rt.registry, rt.stores.artifacts, {
        ...(options.requiredModels ? { requiredModels: options.requiredModels } : {}),
      });
      if (options.refresh !== false) await extraCache.refresh(true);
      const server = buildServer({
        registry: rt.registry,
        cache: extraCache,
        predictionLog,
        metrics: new ServiceMetrics(),
        logger,
        maxHorizon: MAX_HORIZON,
        tokens,
        ...(options.protect ? { protect: options.protect } : {}),
        ...(options.shadow ? { shadow: options.shadow } : {}),
        ...(options.timeouts ? { timeouts: options.timeouts } : {}),
        ...(options.bodyLimitBytes !== undefined ? { bodyLimitBytes: options.bodyLimitBytes } : {}),
      });
      extras.push(server);
      await server.ready();
      return server;
    },
    async close() {
      for (const s of extras) await s.close();
      await app.close();
      await predictionLog.close();
      await rt.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
