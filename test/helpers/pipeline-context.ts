import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { EventBus, type EventName, type SlipwayEvents, systemClock } from "../../src/core/index.js";
import type { PipelineContext } from "../../src/pipeline/index.js";
import { Registry } from "../../src/registry/index.js";
import { openStores } from "../../src/store/index.js";

export interface TestContext extends PipelineContext {
  dir: string;
  events: { name: EventName; payload: SlipwayEvents[EventName] }[];
  cleanup(): Promise<void>;
}

/** A pipeline context over real stores in a fresh temporary folder, recording every event. */
export async function createTestContext(): Promise<TestContext> {
  const dir = await mkdtemp(join(tmpdir(), "slipway-test-"));
  const stores = await openStores(join(dir, "home"));
  const bus = new EventBus((_e, error) => {
    throw error;
  });
  const events: TestContext["events"] = [];
  const names: EventName[] = [
    "dataset.version.created",
    "dataset.file.quarantined",
    "model.version.registered",
    "model.alias.moved",
    "gate.decided",
    "job.finished",
  ];
  for (const name of names) bus.on(name, (payload) => events.push({ name, payload }));
  const registry = new Registry(stores.metadata.db, bus, systemClock);
  return {
    dir,
    stores,
    registry,
    bus,
    clock: systemClock,
    logger: pino({ level: "silent" }),
    events,
    cleanup: async () => {
      await stores.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Monthly rows `month,contacts` from `start` (YYYY-MM) for `n` months: trend + yearly cycle + seeded noise. */
export function monthlyCsv(start: [number, number], n: number, seed = 7): string {
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const lines = ["month,contacts"];
  for (let i = 0; i < n; i++) {
    const d = new Date(Date.UTC(start[0], start[1] - 1 + i, 1));
    const v = 1000 + 5 * i + 120 * Math.cos((2 * Math.PI * d.getUTCMonth()) / 12) + 30 * (rand() - 0.5);
    lines.push(`${d.toISOString().slice(0, 10)},${v.toFixed(1)}`);
  }
  return `${lines.join("\n")}\n`;
}
