import { resolve } from "node:path";
import { pino } from "pino";
import { EventBus, systemClock } from "../core/index.js";
import type { PipelineContext } from "../pipeline/index.js";
import { Registry } from "../registry/index.js";
import { openStores } from "../store/index.js";

/** `$SLIPWAY_HOME`, else `fallback` (`DIR/.slipway` for `up`, `./.slipway` otherwise). */
export function resolveHome(fallback = ".slipway"): string {
  const env = process.env.SLIPWAY_HOME;
  return resolve(env && env.length > 0 ? env : fallback);
}

/** Logs go to stderr as JSON lines, never to stdout (stdout carries answers and `--json` output). */
export function createLogger() {
  return pino({ level: process.env.SLIPWAY_LOG_LEVEL ?? "info", base: { pid: process.pid } }, pino.destination(2));
}

export interface Runtime extends PipelineContext {
  close(): Promise<void>;
}

export async function openRuntime(home: string, logger = createLogger()): Promise<Runtime> {
  const stores = await openStores(home, {
    ...(process.env.SLIPWAY_METADATA_URL ? { metadataUrl: process.env.SLIPWAY_METADATA_URL } : {}),
    ...(process.env.SLIPWAY_ARTIFACTS_URL ? { artifactsUrl: process.env.SLIPWAY_ARTIFACTS_URL } : {}),
  });
  const bus = new EventBus((event, error) => logger.error({ err: error, event }, "event handler failed"));
  const registry = new Registry(stores.metadata.db, bus, systemClock);
  return { stores, registry, bus, clock: systemClock, logger, close: () => stores.close() };
}
