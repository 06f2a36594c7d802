import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { newId, SlipwayError } from "../../core/index.js";
import { isMissing, parseCell, readCsvFile } from "../../data/index.js";
import {
  type Explanation,
  explainerOf,
  type FittedModel,
  loadBundledModel,
  type RegressionPrediction,
  withExplanations,
} from "../../models/index.js";
import { parseModelRef } from "../../registry/index.js";
import { printJson, printTable } from "../output.js";
import { openRuntime, type Runtime, resolveHome } from "../runtime.js";
import { positiveInt } from "./train.js";

function level(value: string): number {
  const n = Number(value);
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError("--level must be a number between 0 and 1 (exclusive)");
  return n;
}

async function loadRef(rt: Runtime, text: string) {
  const ref = parseModelRef(text);
  if (!ref) {
    throw new SlipwayError("SLP_INPUT_INVALID", `${text} is not NAME, NAME@ALIAS or NAME:VERSION`, [
      { field: "MODEL", reason: "not a model reference" },
    ]);
  }
  const record = await rt.registry.resolve(ref);
  return { record, model: await loadBundledModel(rt.stores.artifacts, record.artifactKey) };
}

/** Contributions shown per row and output in the table form; `--json` has all of them. */
const SHOWN_CONTRIBUTIONS = 5;

/**
 * One block per row: for each output, the expected value and the largest contributions by size, signed, so
 * expected + the contributions (all of them) is the raw prediction on the stated scale.
 */
function printExplanations(explanations: Explanation[]): void {
  const number = (v: number) => (v >= 0 ? `+${v.toPrecision(4)}` : v.toPrecision(4));
  explanations.forEach((e, i) => {
    process.stdout.write(`row ${i + 1} (contributions on the ${e.scale} scale)\n`);
    for (const [output, { expected, contributions }] of Object.entries(e.outputs)) {
      const ranked = Object.entries(contributions).sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]));
      const shown = ranked.slice(0, SHOWN_CONTRIBUTIONS).map(([name, v]) => `${name} ${number(v)}`);
      const rest = ranked.length - shown.length;
      const more = rest > 0 ? `, ${rest} more` : "";
      process.stdout.write(`  ${output}: expected ${expected.toPrecision(6)}; ${shown.join(", ")}${more}\n`);
    }
  });
}

/**
 * A forecaster that predicts from a history (`lstm`): the file's rows, in order, are one instance's history (the
 * target column, and the time column for the time of the last row), and the answer is the step after the last row.
 * The model's field pointers become the file's lines.
 */
function predictAfterFile(
  model: FittedModel,
  csv: Awaited<ReturnType<typeof readCsvFile>>,
  file: string,
  level: number,
): RegressionPrediction {
  const { target, timeColumn } = model.signature;
  const at = new Map(csv.header.map((h, i) => [h, i]));
  const targetAt = at.get(target);
  if (targetAt === undefined) {
    throw new SlipwayError("SLP_INPUT_INVALID", `${file} lacks the column ${target}`, [
      { field: target, reason: "missing from the header" },
    ]);
  }
  if (csv.malformed.length > 0) {
    const m = csv.malformed[0];
    throw new SlipwayError("SLP_INPUT_INVALID", `${file} line ${m?.line}: ${m?.error}`, [
      { field: `line ${m?.line}`, reason: m?.error ?? "malformed" },
    ]);
  }
  const values = csv.records.map((r) => {
    const cell = r.fields[targetAt] ?? "";
    const parsed = isMissing(cell) ? null : parseCell(cell, "number");
    return parsed?.ok ? parsed.value : cell;
  });
  const timeAt = timeColumn === undefined ? undefined : at.get(timeColumn);
  const last = csv.records[csv.records.length - 1];
  const instance: Record<string, unknown> = { [target]: values };
  if (timeColumn !== undefined && timeAt !== undefined && last) instance[timeColumn] = last.fields[timeAt];
  try {
    return model.predict([instance], level, "")[0] as RegressionPrediction;
  } catch (error) {
    if (!(error instanceof SlipwayError) || error.code !== "SLP_INPUT_INVALID") throw error;
    const details = error.details.map((d) => {
      const [, column, index] = d.field.split("/").slice(1);
      if (index !== undefined)
        return { field: `line ${csv.records[Number(index)]?.line}`, reason: `${column}: ${d.reason}` };
      if (column === timeColumn) return { field: `line ${last?.line}`, reason: `${column}: ${d.reason}` };
      return { field: column ?? file, reason: d.reason };
    });
    throw new SlipwayError("SLP_INPUT_INVALID", `${file} is not a history the model can predict from`, details);
  }
}

export function registerPredict(program: Command): void {
  program
    .command("predict")
    .description("Predict the rows of a CSV file with a model version (one prediction per row, in order).")
    .argument("<model>", "NAME (its production version, else its latest), NAME@ALIAS or NAME:VERSION")
    .requiredOption("--input <file>", "CSV rows to predict (columns the model does not use are ignored)")
    .option("--level <l>", "prediction interval level", level, 0.95)
    .option("--explain", "explain each prediction: every feature's contribution and the expected value")
    .option("--json", "print the same JSON object as POST /v1/models/{name}/predict")
    .action(async (ref: string, opts) => {
      const rt = await openRuntime(resolveHome());
      try {
        const { record, model } = await loadRef(rt, ref);
        if (record.task === "forecast" && model.predictsFromHistory !== true) {
          throw new SlipwayError(
            "SLP_MODEL_TASK_MISMATCH",
            `${record.model} is a forecast model; use slipway forecast`,
            [{ field: "MODEL", reason: "not a predict model" }],
          );
        }
        const explain = opts.explain ? explainerOf(model, "--explain") : null;
        const csv = await readCsvFile(opts.input);
        if (record.task === "forecast") {
          const prediction = predictAfterFile(model, csv, opts.input, opts.level);
          const answer = {
            model: record.model,
            version: record.version,
            request_id: newId("cli"),
            predictions: [prediction],
          };
          if (opts.json) printJson(answer);
          else {
            process.stdout.write(`${record.model} version ${record.version}, the step after the file's last row\n`);
            printTable(
              ["prediction", "lower", "upper"],
              [[prediction.value.toPrecision(6), prediction.lower.toPrecision(6), prediction.upper.toPrecision(6)]],
            );
          }
          return;
        }
        const inputs = model.signature.inputs;
        const missing = inputs.filter((c) => !csv.header.includes(c.name));
        if (missing.length > 0) {
          throw new SlipwayError(
            "SLP_INPUT_INVALID",
            `${opts.input} lacks columns the model needs`,
            missing.map((c) => ({ field: c.name, reason: "missing from the header" })),
          );
        }
        if (csv.malformed.length > 0) {
          const m = csv.malformed[0];
          throw new SlipwayError("SLP_INPUT_INVALID", `${opts.input} line ${m?.line}: ${m?.error}`, [
            { field: `line ${m?.line}`, reason: m?.error ?? "malformed" },
          ]);
        }
        const at = new Map(csv.header.map((h, i) => [h, i]));
        const records = csv.records.map((r) => {
          const row: Record<string, unknown> = {};
          for (const c of inputs) {
            const cell = r.fields[at.get(c.name) as number] ?? "";
            if (isMissing(cell)) row[c.name] = null;
            else {
              const parsed = parseCell(cell, c.type);
              row[c.name] = parsed.ok && c.type !== "time" ? parsed.value : cell;
            }
          }
          return row;
        });
        const predictions = model.predict(records, opts.level, "/rows");
        const explanations = explain ? explain(records, "/rows") : null;
        const answer = {
          model: record.model,
          version: record.version,
          request_id: newId("cli"),
          predictions: explanations ? withExplanations(predictions, explanations) : predictions,
        };
        if (opts.json) printJson(answer);
        else {
          process.stdout.write(`${record.model} version ${record.version}\n`);
          printTable(
            ["row", "prediction", "lower", "upper"],
            predictions.map((p, i) =>
              "value" in p
                ? [i + 1, p.value.toPrecision(6), p.lower.toPrecision(6), p.upper.toPrecision(6)]
                : [i + 1, p.label, "", ""],
            ),
          );
          if (explanations) printExplanations(explanations);
        }
      } finally {
        await rt.close();
      }
    });

  program
    .command("forecast")
    .description("Forecast the steps after a forecast model's last observation, with intervals.")
    .argument("<model>", "NAME (its production version, else its latest), NAME@ALIAS or NAME:VERSION")
    .requiredOption("--horizon <n>", "number of steps", positiveInt("--horizon"))
    .option("--level <l>", "prediction interval level", level, 0.95)
    .option("--id <series>", "the series to forecast, for a model trained with --id")
    .option("--json", "print the same JSON object as POST /v1/models/{name}/forecast")
    .action(async (ref: string, opts) => {
      const rt = await openRuntime(resolveHome());
      try {
        const { record, model } = await loadRef(rt, ref);
        if (record.task !== "forecast") {
          throw new SlipwayError(
            "SLP_MODEL_TASK_MISMATCH",
            `${record.model} is a ${record.task} model; use slipway predict`,
            [{ field: "MODEL", reason: "not a forecast model" }],
          );
        }
        const forecast = model.forecast(opts.horizon, opts.level, opts.id);
        const answer = {
          model: record.model,
          version: record.version,
          ...(opts.id !== undefined ? { id: opts.id } : {}),
          level: opts.level,
          request_id: newId("cli"),
          forecast,
        };
        if (opts.json) printJson(answer);
        else {
          process.stdout.write(`${record.model} version ${record.version}, ${opts.level * 100}% interval\n`);
          printTable(
            ["time", "mean", "lower", "upper"],
            forecast.map((r) => [r.time, r.mean.toPrecision(6), r.lower.toPrecision(6), r.upper.toPrecision(6)]),
          );
        }
      } finally {
        await rt.close();
      }
    });
}
