import { resolve } from "node:path";
import { type Logger, pino } from "pino";
import { EventBus, SlipwayError, systemClock } from "../core/index.js";
import { WebhookChannel } from "../monitor/index.js";
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

/**
 * The release notifications channel: a signed webhook at `$SLIPWAY_WEBHOOK_URL` (HMAC key
 * `$SLIPWAY_WEBHOOK_SECRET`), announcing approval requests and decisions; none when the variable is unset.
 */
function webhookFromEnv(logger: Logger): WebhookChannel | null {
  const url = process.env.SLIPWAY_WEBHOOK_URL;
  if (url === undefined || url === "") return null;
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    parsed = null;
  }
  if (parsed === null || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
    throw new SlipwayError("SLP_CONFIG_INVALID", "SLIPWAY_WEBHOOK_URL is not an http(s) URL", [
      { field: "SLIPWAY_WEBHOOK_URL", reason: "must be an http:// or https:// URL" },
    ]);
  }
  const secret = process.env.SLIPWAY_WEBHOOK_SECRET;
  return new WebhookChannel({
    url,
    ...(secret ? { secret } : {}),
    clock: systemClock,
    onError: (err, event) => logger.error({ err, event }, "webhook delivery failed"),
  });
}

export async function openRuntime(home: string, logger = createLogger()): Promise<Runtime> {
  const webhook = webhookFromEnv(logger);
  const stores = await openStores(home, {
    ...(process.env.SLIPWAY_METADATA_URL ? { metadataUrl: process.env.SLIPWAY_METADATA_URL } : {}),
    ...(process.env.SLIPWAY_ARTIFACTS_URL ? { artifactsUrl: process.env.SLIPWAY_ARTIFACTS_URL } : {}),
  });
  const bus = new EventBus((event, error) => logger.error({ err: error, event }, "event handler failed"));
  const registry = new Registry(stores.metadata.db, bus, systemClock);
  if (webhook) {
    bus.on("model.approval.requested", (e) => webhook.send("model.approval.requested", e));
    bus.on("model.approval.decided", (e) => webhook.send("model.approval.decided", e));
  }
  return {
    stores,
    registry,
    bus,
    clock: systemClock,
    logger,
    close: async () => {
      await webhook?.flush();
      await stores.close();
    },
  };
}

/** Opens the runtime on `$SLIPWAY_HOME` for one command, and closes it however the command ends. */
export async function withRuntime<T>(fn: (rt: Runtime) => Promise<T>): Promise<T> {
  const rt = await openRuntime(resolveHome());
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

/** Who acts from the command line, for the audit log: `$SLIPWAY_ACTOR`, else `$USER`. */
export function cliActor(): string {
  return process.env.SLIPWAY_ACTOR ?? process.env.USER ?? "cli";
}
