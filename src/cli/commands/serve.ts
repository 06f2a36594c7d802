import cluster from "node:cluster";
import { join, resolve } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import { loadProject } from "../../config/index.js";
import { SlipwayError } from "../../core/index.js";
import type { RouteTimeouts } from "../../serve/index.js";
import { resolveHome } from "../runtime.js";
import { type RunningService, startService } from "../service.js";
import { positiveInt } from "./train.js";

function isPort(value: string): boolean {
  return /^\d{1,5}$/.test(value) && Number(value) <= 65535;
}

function port(value: string): number {
  if (!isPort(value)) throw new InvalidArgumentError("--port must be an integer from 0 to 65535");
  return Number(value);
}

/** --port, else $PORT, else the project's or the default 8080. */
function choosePort(flag: number | undefined, fallback: number): number {
  if (flag !== undefined) return flag;
  const env = process.env.PORT;
  if (env === undefined || env === "") return fallback;
  if (!isPort(env)) {
    throw new SlipwayError("SLP_CONFIG_INVALID", `PORT=${JSON.stringify(env)} is not a port number`, [
      { field: "PORT", reason: "must be an integer from 0 to 65535" },
    ]);
  }
  return Number(env);
}

/** `--protect predict,read` → the route groups that need a token. */
function protectList(value: string): ("predict" | "read")[] {
  const parts = value.split(",").map((p) => p.trim());
  for (const p of parts) {
    if (p !== "predict" && p !== "read") throw new InvalidArgumentError("--protect takes predict, read or both");
  }
  return parts as ("predict" | "read")[];
}

/** `--timeout predict=5000` (repeatable) → the route groups' time limits in milliseconds. */
function timeoutEntry(value: string, previous: Partial<RouteTimeouts> = {}): Partial<RouteTimeouts> {
  const m = /^(predict|admin|read)=(\d{1,9})$/.exec(value.trim());
  if (!m || Number(m[2]) < 1) {
    throw new InvalidArgumentError("--timeout takes GROUP=MS, GROUP one of predict, admin, read, MS ≥ 1");
  }
  return { ...previous, [`${m[1]}Ms`]: Number(m[2]) };
}

function timeoutsOf(project: { predict: number; admin: number; read: number }): RouteTimeouts {
  return { predictMs: project.predict, adminMs: project.admin, readMs: project.read };
}

function protectOf(list: readonly string[]): { predict: boolean; read: boolean } {
  return { predict: list.includes("predict"), read: list.includes("read") };
}

/**
 * `--workers N`: this process forks N servers that share the port (each opens the same home: SQLite in WAL mode
 * and the artifact folder are safe to share), prints the address once, passes SIGINT/SIGTERM on, and exits when
 * they have drained. A worker that dies unasked is replaced.
 */
function runPrimary(workers: number): void {
  let stopping = false;
  let announced = false;
  const fork = () => {
    const worker = cluster.fork();
    worker.on("message", (m: { listening?: string }) => {
      if (m.listening && !announced) {
        announced = true;
        process.stdout.write(`slipway serving on ${m.listening} (${workers} workers)\n`);
      }
    });
  };
  for (let i = 0; i < workers; i++) fork();
  cluster.on("exit", (worker, code) => {
    if (!stopping) {
      process.stderr.write(`slipway: worker ${worker.process.pid} exited with ${code}; starting another\n`);
      fork();
    } else if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  });
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    process.stderr.write(`slipway: ${signal}, draining and stopping ${workers} workers\n`);
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill(signal);
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}

function stopOnSignals(service: RunningService): void {
  const stop = (signal: string) => {
    process.stderr.write(`slipway: ${signal}, draining and stopping\n`);
    void service.close().then(() => process.exit(0));
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("Serve the production versions of every model over HTTP (no training loop); follows alias moves.")
    .option("--port <n>", "port (default 8080; PORT overrides)", port)
    .option("--host <h>", "interface to listen on", "127.0.0.1")
    .option("--max-horizon <n>", "largest forecast horizon a request may ask for", positiveInt("--max-horizon"), 1000)
    .option(
      "--protect <groups>",
      "route groups that need an API token too: predict, read (comma-separated)",
      protectList,
    )
    .option("--workers <n>", "server processes sharing the port (node:cluster)", positiveInt("--workers"), 1)
    .option(
      "--timeout <group=ms>",
      "time limit of a route group, repeatable: predict (default 10000), admin (30000), read (10000)",
      timeoutEntry,
    )
    .action(async (opts) => {
      const port = choosePort(opts.port, 8080);
      if (opts.workers > 1 && cluster.isPrimary) {
        runPrimary(opts.workers);
        return;
      }
      const service = await startService({
        home: resolveHome(),
        host: opts.host,
        port,
        maxHorizon: opts.maxHorizon,
        protect: protectOf(opts.protect ?? []),
        ...(opts.timeout ? { timeouts: opts.timeout } : {}),
      });
      stopOnSignals(service);
      if (cluster.isWorker) process.send?.({ listening: service.url });
      else process.stdout.write(`slipway serving on ${service.url}\n`);
    });

  program
    .command("up")
    .description("Run a project's whole loop in one process: ingest, train, gate, release, serve, watch for new data.")
    .argument("[dir]", "project folder (with slipway.config.json)", ".")
    .option("--port <n>", "port (default: the project's, else 8080; PORT overrides)", port)
    .option("--host <h>", "interface to listen on")
    .action(async (dir: string, opts) => {
      const { config } = await loadProject(dir);
      const home = resolveHome(join(resolve(dir), ".slipway"));
      const service = await startService({
        home,
        host: opts.host ?? config.serve.host,
        port: choosePort(opts.port, config.serve.port),
        maxHorizon: config.serve.maxHorizon,
        protect: protectOf(config.serve.protect),
        timeouts: timeoutsOf(config.serve.timeouts),
        project: { config, dir },
      });
      stopOnSignals(service);
      const m = config.model.name;
      const example =
        config.model.task === "forecast"
          ? `curl -s -X POST ${service.url}/v1/models/${m}/forecast -H 'content-type: application/json' -d '{"horizon": 12}'`
          : `curl -s -X POST ${service.url}/v1/models/${m}/predict -H 'content-type: application/json' -d '{"instances": [{...}]}'`;
      process.stdout.write(
        `slipway is running project ${config.name} on ${service.url}\n` +
          `  watching ${resolve(dir, config.dataset.source)} for new data; home ${home}\n` +
          `  try: ${example}\n`,
      );
    });
}
