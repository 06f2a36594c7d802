import { readFile } from "node:fs/promises";
import { CsvError, parse } from "csv-parse/sync";
import { SlipwayError } from "../core/index.js";

/** One data row of a CSV file: its 1-based line (the header is line 1), its fields, and its text as written. */
export interface CsvRecord {
  line: number;
  fields: string[];
  /** The record's original text without its line ending; multi-line quoted fields keep their inner newlines. */
  raw: string;
}

/**
 * A row that is not valid CSV (bad quoting) or has a different number of fields than the header. `fields` holds
 * what could be parsed (empty when quoting made it unreadable), so a malformed row is also a rejected row.
 */
export interface MalformedRow {
  line: number;
  raw: string;
  fields: string[];
  error: string;
}

export interface CsvText {
  header: string[];
  records: CsvRecord[];
  malformed: MalformedRow[];
}

interface RawRecord {
  line: number;
  raw: string;
}

const QUOTE = 34; // "
const COMMA = 44; // ,
const NEWLINE = 10; // \n

/** The end (exclusive) of the record starting at `pos`, and how many newlines lie inside its quoted fields. */
function scanRecord(text: string, pos: number, lastQuote: number): { end: number; innerNewlines: number } {
  const n = text.length;
  let inQuotes = false;
  let innerNewlines = 0;
  for (let i = pos; i < n; i++) {
    const c = text.charCodeAt(i);
    if (inQuotes) {
      if (c === QUOTE) {
        // "" is an escaped quote inside the field; a lone quote closes it.
        if (text.charCodeAt(i + 1) === QUOTE) i++;
        else inQuotes = false;
      } else if (c === NEWLINE) innerNewlines++;
    } else if (c === NEWLINE) {
      return { end: i, innerNewlines };
    } else if (c === QUOTE && (i === pos || text.charCodeAt(i - 1) === COMMA)) {
      // Only a quote that starts a field opens a quoted field (RFC 4180); one mid-field is a syntax error for
      // csv-parse to report, and must not swallow the following lines. An opening quote that is the last quote in
      // the text can never close, so its record ends with its line.
      if (i === lastQuote) {
        const next = text.indexOf("\n", i);
        return { end: next === -1 ? n : next, innerNewlines };
      }
      inQuotes = true;
    }
  }
  return { end: n, innerNewlines };
}

function stripCr(raw: string): string {
  return raw.endsWith("\r") ? raw.slice(0, -1) : raw;
}

/**
 * Split the text into records by a quote-aware scan, remembering where each starts and its exact text.
 *
 * csv-parse could split the file alone, but after a quoting error it resynchronises badly (good rows after the
 * bad one get swallowed into the skipped text) and its `raw` does not separate blank lines from records. Finding
 * record boundaries here confines any error to one record, which csv-parse then parses on its own.
 */
function splitRecords(text: string): RawRecord[] {
  const out: RawRecord[] = [];
  const lastQuote = text.lastIndexOf('"');
  const n = text.length;
  let pos = 0;
  let line = 1;
  while (pos < n) {
    let { end, innerNewlines } = scanRecord(text, pos, lastQuote);
    // A record spanning lines that is not valid CSV is most likely a stray opening quote that paired with a quote
    // lines later. Only its first line is taken as the bad record, so the lines after it are read on their own.
    if (innerNewlines > 0 && !Array.isArray(parseOne({ line, raw: stripCr(text.slice(pos, end)) }))) {
      end = text.indexOf("\n", pos);
      innerNewlines = 0;
    }
    const raw = stripCr(text.slice(pos, end));
    // Blank lines separate nothing and carry no values; they are not rows, so skipping them drops no data.
    if (raw.length > 0) out.push({ line, raw });
    line += innerNewlines + 1;
    pos = end + 1;
  }
  return out;
}

function describeCsvError(err: unknown): string {
  if (!(err instanceof CsvError)) throw err;
  switch (err.code) {
    case "CSV_INVALID_CLOSING_QUOTE":
      return "malformed CSV: text follows the closing quote of a quoted field";
    case "CSV_QUOTE_NOT_CLOSED":
      return "malformed CSV: a quoted field is never closed";
    case "INVALID_OPENING_QUOTE":
      return "malformed CSV: a quote inside an unquoted field (quote the whole field and double inner quotes)";
    default:
      return `malformed CSV (${err.code})`;
  }
}

const PARSE_OPTIONS = {
  // Records arrive already split and stripped of "\r", so "\n" only ever separates records of one batch.
  record_delimiter: "\n",
  // Field counts are compared with the header here, so that a short or long row becomes a rejected row; csv-parse
  // would otherwise throw for the whole batch.
  relax_column_count: true,
} as const;

// Parsing in batches keeps csv-parse's per-call set-up off the per-row cost (about 3x faster than one call per
// row); a batch that throws is re-parsed row by row to find the bad ones.
const BATCH_SIZE = 512;

function parseOne(rec: RawRecord): string[] | { error: string } {
  try {
    const rows = parse(rec.raw, PARSE_OPTIONS);
    if (rows.length !== 1) return { error: "malformed CSV: the record could not be read as one row" };
    return rows[0];
  } catch (err) {
    return { error: describeCsvError(err) };
  }
}

function parseBatch(batch: RawRecord[]): (string[] | { error: string })[] {
  try {
    const rows = parse(batch.map((r) => r.raw).join("\n"), PARSE_OPTIONS);
    if (rows.length === batch.length) return rows;
  } catch (err) {
    describeCsvError(err); // rethrows anything that is not a CSV syntax error
  }
  return batch.map(parseOne);
}

/**
 * Read CSV text under the contract: comma separated, a header row, RFC 4180 quoting (fields may hold commas,
 * quotes and newlines). Rows with bad quoting or the wrong number of fields are returned in `malformed` with their
 * line numbers, never dropped. Blank lines are skipped; a leading byte-order mark is ignored.
 *
 * @throws SlipwayError `SLP_DATA_INVALID` when there is no header row or the header itself is malformed.
 */
export function readCsvText(text: string): CsvText {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const raws = splitRecords(text);
  if (raws.length === 0)
    throw new SlipwayError("SLP_DATA_INVALID", "the file is empty: expected a header row", [
      { field: "header", reason: "missing" },
    ]);
  const head = parseOne(raws[0]);
  if (!Array.isArray(head))
    throw new SlipwayError("SLP_DATA_INVALID", `the header row is not valid CSV: ${head.error}`, [
      { field: "header", reason: head.error },
    ]);
  // Column names are matched against the schema; stray spaces around them are an export artefact, not a name.
  const header = head.map((h) => h.trim());

  const records: CsvRecord[] = [];
  const malformed: MalformedRow[] = [];
  for (let start = 1; start < raws.length; start += BATCH_SIZE) {
    const batch = raws.slice(start, start + BATCH_SIZE);
    const parsed = parseBatch(batch);
    for (let k = 0; k < batch.length; k++) {
      const { line, raw } = batch[k];
      const fields = parsed[k];
      if (!Array.isArray(fields)) malformed.push({ line, raw, fields: [], error: fields.error });
      else if (fields.length !== header.length)
        malformed.push({
          line,
          raw,
          fields,
          error: `expected ${header.length} fields as in the header, got ${fields.length}`,
        });
      else records.push({ line, fields, raw });
    }
  }
  return { header, records, malformed };
}

/**
 * Read a UTF-8 CSV file with {@link readCsvText}.
 *
 * @throws SlipwayError `SLP_INPUT_INVALID` when the file does not exist; `SLP_DATA_INVALID` when it is not UTF-8
 * text or has no valid header.
 */
export async function readCsvFile(path: string): Promise<CsvText> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if (err instanceof Error && "code" in err && err.code === "ENOENT")
      throw new SlipwayError("SLP_INPUT_INVALID", `no such file: ${path}`, [{ field: path, reason: "not found" }], {
        cause: err,
      });
    throw err;
  }
  let text: string;
  try {
    // fatal: a file in another encoding must fail loudly rather than turn into replacement characters.
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (err) {
    throw new SlipwayError("SLP_DATA_INVALID", `${path} is not UTF-8 text`, [{ field: path, reason: "not UTF-8" }], {
      cause: err,
    });
  }
  return readCsvText(text);
}
