import type { Logger } from "pino";
import type { Clock, EventBus } from "../core/index.js";
import type { Registry } from "../registry/index.js";
import type { Stores } from "../store/index.js";

/** What every pipeline step works with: the stores, the registry, the event bus, a clock and a logger. */
export interface PipelineContext {
  stores: Stores;
  registry: Registry;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
}
