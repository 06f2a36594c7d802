import { basename, extname } from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import { FAMILIES, type Family, TASKS, type Task } from "../../core/index.js";
import { type CandidateScore, primaryMetric } from "../../models/index.js";
import { trainFromFile } from "../../pipeline/index.js";
import { printJson, printTable } from "../output.js";
import { StageProgress } from "../progress.js";
import { openRuntime, resolveHome } from "../runtime.js";

export function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
      throw new InvalidArgumentError(`${flag} must be a positive integer`);
    }
    return n;
  };
}

export function registerTrain(program: Command): void {
  program
    .command("train")
    .description("Train a model on a CSV file, evaluate it, and register a new version (no alias moves).")
    .argument("<data>", "training data (CSV with a header row)")
    .requiredOption("--target <col>", "the column to predict")
    .option("--time <col>", "the time column (makes the task a forecast)")
    .option("--id <col>", "a column naming several series in the file: one forecaster per series")
    .addOption(new Option("--task <task>", "the task (default: inferred from the target)").choices(TASKS))
    .addOption(new Option("--family <family>", "the model family").choices(FAMILIES).default("auto"))
    .option("--test <file>", "evaluate on this CSV (for forecasts: the rows that follow DATA in time)")
    .option(
      "--horizon <n>",
      "evaluate on the last N rows, fitted on the rest, then refit on all",
      positiveInt("--horizon"),
    )
    .option("--name <name>", "model name (default: the data file's base name)")
    .option("--seed <n>", "random seed", positiveInt("--seed"))
    .option("--json", "print one JSON object on stdout")
    .action(async (data: string, opts) => {
      const rt = await openRuntime(resolveHome());
      const progress = opts.json ? null : new StageProgress(1);
      try {
        progress?.stage("training");
        const result = await trainFromFile(rt, {
          data,
          target: opts.target,
          ...(opts.time ? { time: opts.time } : {}),
          ...(opts.id ? { id: opts.id } : {}),
          ...(opts.task ? { task: opts.task as Task } : {}),
          family: opts.family as Family,
          ...(opts.test ? { test: opts.test } : {}),
          ...(opts.horizon !== undefined ? { horizon: opts.horizon } : {}),
          ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
          name: opts.name ?? basename(data, extname(data)),
        });
        progress?.advance();
        progress?.stop();
        const { name, version, task, family, metrics, trainSeconds } = result;
        if (opts.json) printJson({ name, version, task, family, metrics, trainSeconds });
        else {
          process.stdout.write(
            `registered ${name} version ${version} (${task}, ${family}) in ${trainSeconds.toFixed(2)} s\n`,
          );
          for (const [k, v] of Object.entries(metrics))
            process.stdout.write(`  ${k.padEnd(11)} ${Number(v).toPrecision(6)}\n`);
          printBacktest(result.candidates);
          printEvaluated(result.candidates, task);
          process.stdout.write(`promote it with: slipway promote ${name} ${version}\n`);
        }
      } finally {
        progress?.stop();
        await rt.close();
      }
    });
}

/** The backtest `auto` chose a forecaster by: one row per candidate, pooled over the folds, the choice starred. */
function printBacktest(candidates: CandidateScore[]): void {
  const tested = candidates.filter((c) => c.backtest || c.error);
  const first = tested.find((c) => c.backtest)?.backtest;
  if (!first) return;
  process.stdout.write(
    `backtest on the training rows (${first.folds.length} folds of ${first.horizon} steps; chosen by pooled MAE):\n`,
  );
  const number = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? "-" : v.toPrecision(6));
  printTable(
    ["  family", "MAE", "RMSE", "coverage95", "width95"],
    tested.map((c) => {
      const name = `${c.chosen ? "* " : "  "}${candidateLabel(c)}`;
      if (!c.backtest) return [name, `failed: ${c.error ?? "unknown"}`, "", "", ""];
      const m = c.backtest.metrics;
      return [name, number(m.mae), number(m.rmse), number(m.coverage95), number(m.width95)];
    }),
  );
}

/** The candidates `auto` scored on the held-out rows (tabular tasks): one row each, the choice starred. */
function printEvaluated(candidates: CandidateScore[], task: Task): void {
  if (candidates.length < 2 || candidates.some((c) => c.backtest)) return;
  const metric = primaryMetric(task);
  const keys = Object.keys(candidates.find((c) => !c.error)?.metrics ?? {}).filter((k) => k !== "n");
  process.stdout.write(`candidates on the held-out rows (chosen by ${metric}):\n`);
  printTable(
    ["  family", ...keys],
    candidates.map((c) => {
      const name = `${c.chosen ? "* " : "  "}${candidateLabel(c)}`;
      if (c.error) return [name, `failed: ${c.error}`, ...keys.slice(1).map(() => "")];
      return [name, ...keys.map((k) => Number(c.metrics[k]).toPrecision(6))];
    }),
  );
}

/**
 * A candidate's name in the table: its family, then its variant's parameters, e.g. `gp (transform log)`; for the
 * combination, its members and weights, e.g. `combination (gp 0.52, ets 0.48)`.
 */
function candidateLabel(c: Pick<CandidateScore, "family" | "params">): string {
  if (!c.params) return c.family;
  const members = c.params.members;
  if (c.family === "combination" && Array.isArray(members)) {
    const parts = members.map((m: { family: string; params?: Record<string, unknown>; weight: number }) => {
      const variant = m.params ? ` ${parameterList(m.params)}` : "";
      return `${m.family}${variant} ${m.weight.toFixed(2)}`;
    });
    return `${c.family} (${parts.join(", ")})`;
  }
  return `${c.family} (${parameterList(c.params)})`;
}

function parameterList(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(", ");
}
