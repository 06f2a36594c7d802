import type { Command } from "commander";
import { SlipwayError } from "../../core/index.js";
import { scheduleProblems, scheduleText } from "../../registry/index.js";
import { splitView } from "../../serve/index.js";
import { printJson } from "../output.js";
import { cliActor, withRuntime } from "../runtime.js";
import { reasonOf, versionOf } from "./release.js";

/** `--every` as typed: an integer and a unit (`ms`, `s`, `m`, `h`, `d`). */
function durationMsOf(text: string): number {
  const m = /^(\d{1,9})(ms|s|m|h|d)$/.exec(text.trim());
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  if (!m) {
    throw new SlipwayError("SLP_INPUT_INVALID", "--every takes an integer and a unit: 30s, 10m, 1h", [
      { field: "--every", reason: `got ${JSON.stringify(text)}` },
    ]);
  }
  return Number(m[1]) * unit[m[2] as keyof typeof unit];
}

const NUMBER = /^\d*\.?\d+(e-?\d+)?$/i;

/** The canary's schedule from `--step`, `--every` and `--max-latency-ratio`; undefined when stepped by hand. */
function scheduleOf(opts: { step?: string; every?: string; maxLatencyRatio?: string }) {
  if (opts.step === undefined && opts.every === undefined && opts.maxLatencyRatio === undefined) return undefined;
  if (opts.step === undefined || opts.every === undefined) {
    const missing = opts.step === undefined ? "--step" : "--every";
    throw new SlipwayError("SLP_INPUT_INVALID", "a canary schedule needs --step and --every", [
      { field: missing, reason: "required with --step, --every or --max-latency-ratio" },
    ]);
  }
  const flag = (text: string, name: string) => {
    if (!NUMBER.test(text)) {
      throw new SlipwayError("SLP_INPUT_INVALID", `${name} must be a number`, [
        { field: name, reason: `got ${JSON.stringify(text)}` },
      ]);
    }
    return Number(text);
  };
  const schedule = {
    step: flag(opts.step, "--step"),
    everyMs: durationMsOf(opts.every),
    ...(opts.maxLatencyRatio !== undefined
      ? { maxLatencyRatio: flag(opts.maxLatencyRatio, "--max-latency-ratio") }
      : {}),
  };
  const problems = scheduleProblems(schedule, {
    step: "--step",
    everyMs: "--every",
    maxLatencyRatio: "--max-latency-ratio",
  });
  if (problems.length > 0) throw new SlipwayError("SLP_INPUT_INVALID", "invalid canary schedule", problems);
  return schedule;
}

/** `slipway canary` and `slipway shadow`: a share of production traffic, or a copy of it, to another version. */
export function registerTraffic(program: Command): void {
  program
    .command("canary")
    .description(
      "Send a share of a model's production traffic to another version (sticky by the x-routing-key header); " +
        "run again to step the share up or down, --end to stop. Audited.",
    )
    .argument("<name>", "model name")
    .argument("[version]", "the canary version (omit with --end)")
    .option("--share <s>", "share of production traffic, in (0, 1]", "0.1")
    .option("--step <s>", "step by policy: raise the share by this much every --every; at 1, promote the version")
    .option("--every <duration>", "how often to step: 30s, 10m, 1h (1 second to 7 days)")
    .option(
      "--max-latency-ratio <r>",
      "before each step, end the canary if its p95 latency over the interval exceeds r × production's",
    )
    .option("--end", "end the canary: production takes all the traffic")
    .option("--reason <text>", "why, for the audit log", "canary from the command line")
    .option("--json", "print the canary as JSON")
    .action(async (name: string, versionText: string | undefined, opts) => {
      await withRuntime(async (rt) => {
        const by = { actor: cliActor(), reason: reasonOf(opts.reason) };
        if (opts.end) {
          const ended = await rt.registry.endCanary(name, by);
          if (opts.json) printJson(splitView(ended));
          else process.stdout.write(`${name}: canary of version ${ended.version} ended\n`);
          return;
        }
        const version = versionOf(versionText ?? "");
        const share = Number(opts.share);
        if (!/^\d*\.?\d+(e-?\d+)?$/i.test(String(opts.share)) || !(share > 0 && share <= 1)) {
          throw new SlipwayError("SLP_INPUT_INVALID", "--share must be a number in (0, 1]", [
            { field: "--share", reason: `got ${JSON.stringify(opts.share)}` },
          ]);
        }
        const schedule = scheduleOf(opts);
        const r = await rt.registry.setCanary(name, version, share, by, schedule);
        if (opts.json) printJson(splitView(r));
        else {
          const plan = schedule ? `; ${scheduleText(schedule)}, then production` : "";
          process.stdout.write(
            `${name}: version ${version} takes ${(share * 100).toFixed(1)}% of production traffic${plan}\n`,
          );
        }
      });
    });

  program
    .command("shadow")
    .description(
      "Copy a model's production traffic to another version off the response path: both answers are logged, " +
        "only production's is returned. --end to stop. Audited.",
    )
    .argument("<name>", "model name")
    .argument("[version]", "the shadow version (omit with --end)")
    .option("--end", "end the shadow")
    .option("--reason <text>", "why, for the audit log", "shadow from the command line")
    .option("--json", "print the shadow as JSON")
    .action(async (name: string, versionText: string | undefined, opts) => {
      await withRuntime(async (rt) => {
        const by = { actor: cliActor(), reason: reasonOf(opts.reason) };
        if (opts.end) {
          const ended = await rt.registry.endShadow(name, by);
          if (opts.json) printJson(splitView(ended));
          else process.stdout.write(`${name}: shadow of version ${ended.version} ended\n`);
          return;
        }
        const r = await rt.registry.setShadow(name, versionOf(versionText ?? ""), by);
        if (opts.json) printJson(splitView(r));
        else process.stdout.write(`${name}: version ${r.version} shadows production\n`);
      });
    });
}
