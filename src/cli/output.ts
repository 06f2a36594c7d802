import { CommanderError } from "commander";
import { SlipwayError } from "../core/index.js";

/** Prints one JSON object on stdout (the whole of `--json` output). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A plain table for people: columns padded to their widest cell. */
export function printTable(headers: string[], rows: (string | number)[][]): void {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  for (const r of cells)
    process.stdout.write(
      `${r
        .map((c, i) => c.padEnd(widths[i] as number))
        .join("  ")
        .trimEnd()}\n`,
    );
}

/** Exit codes: 0 success, 1 failure, 2 usage or input error. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  if (error instanceof SlipwayError) return error.status < 500 ? 2 : 1;
  return 1;
}

/** Reports a failure on stderr (as the HTTP error body with `--json`) and returns the exit code. */
export function reportFailure(error: unknown, json: boolean): number {
  const code = exitCodeOf(error);
  if (error instanceof CommanderError) return code;
  const e =
    error instanceof SlipwayError
      ? error
      : new SlipwayError("SLP_INTERNAL", error instanceof Error ? error.message : String(error), [], { cause: error });
  if (json) process.stderr.write(`${JSON.stringify(e.toBody())}\n`);
  else {
    process.stderr.write(`slipway: ${e.message}\n`);
    for (const d of e.details) process.stderr.write(`  ${d.field}: ${d.reason}\n`);
    if (code === 1 && process.env.SLIPWAY_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  }
  return code;
}
