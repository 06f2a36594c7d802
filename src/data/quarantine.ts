import { randomBytes } from "node:crypto";
import { copyFile, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { SlipwayError } from "../core/index.js";
import type { RejectedRow } from "./validate.js";

/** Quote a CSV field when it needs it (RFC 4180): commas, quotes and line breaks; inner quotes are doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function csvLine(fields: readonly string[]): string {
  return `${fields.map(csvField).join(",")}\n`;
}

function tempPathFor(target: string): string {
  return `${target}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
}

/** Write via a temp file in the same directory and a rename, so readers see the old file or the new, never half. */
async function writeAtomic(target: string, content: string): Promise<void> {
  const temp = tempPathFor(target);
  try {
    await writeFile(temp, content, "utf8");
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    if (err instanceof Error && "code" in err && err.code === "ENOENT") return undefined;
    throw err;
  }
}

/**
 * The cells written for a rejected row, one per header column. A row with the header's field count is written
 * as it was; a short row is padded with empty cells; a long or unreadable row goes whole, as its raw text, into
 * the first cell, because splitting it across the columns would misplace `_line` and `_error`.
 */
function rowCells(header: readonly string[], row: RejectedRow): string[] {
  if (row.fields.length === header.length) return row.fields;
  const cells = new Array<string>(header.length).fill("");
  if (row.fields.length > 0 && row.fields.length < header.length) {
    for (let i = 0; i < row.fields.length; i++) cells[i] = row.fields[i];
  } else cells[0] = row.raw;
  return cells;
}

/**
 * Write rejected rows to `<dir>/<sourceFileName>.rejected.csv`: the source header plus `_line,_error`, then each
 * row's original fields, its 1-based line in the source and the reason. An existing file gets the new rows
 * appended under its one header (read and rewritten atomically). Writers to one file must be serialised by the
 * caller (ingest handles one source file per job).
 *
 * @returns the path written, or `null` when there were no rows to write.
 * @throws SlipwayError `SLP_DATA_INVALID` when the existing file has a different header (the schema changed):
 * mixing the two would put values under the wrong columns.
 */
export async function writeRejected(
  dir: string,
  sourceFileName: string,
  header: readonly string[],
  rejected: readonly RejectedRow[],
): Promise<string | null> {
  if (rejected.length === 0) return null;
  await mkdir(dir, { recursive: true });
  const target = join(dir, `${basename(sourceFileName)}.rejected.csv`);
  const headerLine = csvLine([...header, "_line", "_error"]);
  let content = await readIfExists(target);
  if (content === undefined || content.length === 0) content = headerLine;
  else if (!content.startsWith(headerLine))
    throw new SlipwayError("SLP_DATA_INVALID", `${target} already holds rows with a different header`, [
      { field: target, reason: "exists with a different header" },
    ]);
  else if (!content.endsWith("\n")) content += "\n";
  const rows = rejected.map((r) => csvLine([...rowCells(header, r), String(r.line), r.error]));
  await writeAtomic(target, content + rows.join(""));
  return target;
}

/**
 * Move a whole source file aside: copy it to `<dir>/<name>` (via a temp file and a rename) and write
 * `<dir>/<name>.reason.txt` saying why. The source is left in place; removing it is the caller's step. A file of
 * the same name quarantined earlier is replaced.
 *
 * @returns the paths of the copy and of the reason file.
 */
export async function quarantineWholeFile(
  dir: string,
  sourcePath: string,
  reason = "too many rows were rejected",
): Promise<{ path: string; reasonPath: string }> {
  await mkdir(dir, { recursive: true });
  const name = basename(sourcePath);
  const target = join(dir, name);
  const temp = tempPathFor(target);
  try {
    await copyFile(sourcePath, temp);
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  const reasonPath = join(dir, `${name}.reason.txt`);
  await writeAtomic(reasonPath, `${reason}\nsource: ${sourcePath}\n`);
  return { path: target, reasonPath };
}

export interface WholeFileRule {
  /** Below this many rows a few bad ones are too noisy a signal to throw the file away. */
  minRows?: number;
  /** The share of rejected rows above which the file as a whole is suspect (a wrong export, a shifted column). */
  maxRejectedShare?: number;
}

/** True when a file has at least `minRows` rows (default 20) and more than `maxRejectedShare` (0.05) were rejected. */
export function shouldQuarantineWholeFile(
  totalRows: number,
  rejectedRows: number,
  { minRows = 20, maxRejectedShare = 0.05 }: WholeFileRule = {},
): boolean {
  return totalRows >= minRows && totalRows > 0 && rejectedRows / totalRows > maxRejectedShare;
}
