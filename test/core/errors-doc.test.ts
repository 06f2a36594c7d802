import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { exitCodeOf } from "../../src/cli/output.js";
import { ERROR_CODES, type ErrorCode, SlipwayError } from "../../src/core/index.js";

// docs/errors.md is the user-facing list of ERROR_CODES; these checks keep the two from drifting apart.
const doc = await readFile(new URL("../../docs/errors.md", import.meta.url), "utf8");
const codes = Object.keys(ERROR_CODES) as ErrorCode[];

/** Rows of the codes table: `| \`SLP_X\` | status | exit code | meaning |`. */
const tableRows = [...doc.matchAll(/^\| `(SLP_[A-Z0-9_]+)` \| (\d{3}) \| (\d) \| (.+) \|$/gm)].map((m) => ({
  code: m[1] as string,
  status: Number(m[2]),
  exitCode: Number(m[3]),
  meaning: (m[4] as string).trim(),
}));
const headings = [...doc.matchAll(/^### `(SLP_[A-Z0-9_]+)`$/gm)].map((m) => m[1] as string);

describe("docs/errors.md", () => {
  it("lists every code in ERROR_CODES in its table, once", () => {
    const documented = tableRows.map((r) => r.code);
    expect(
      codes.filter((c) => !documented.includes(c)),
      "codes missing from the table",
    ).toEqual([]);
    expect(new Set(documented).size, "a code listed twice").toBe(documented.length);
  });

  it("explains when every code happens, in a section of its own", () => {
    expect(
      codes.filter((c) => !headings.includes(c)),
      "codes without a section",
    ).toEqual([]);
    expect(new Set(headings).size, "a section repeated").toBe(headings.length);
  });

  it("mentions no code that ERROR_CODES no longer has", () => {
    const mentioned = new Set([...doc.matchAll(/SLP_[A-Z0-9_]*[A-Z0-9]/g)].map((m) => m[0]));
    expect(
      [...mentioned].filter((c) => !(c in ERROR_CODES)),
      "documented codes that do not exist",
    ).toEqual([]);
  });

  it("gives each code the HTTP status it is raised with and the exit code the CLI maps it to", () => {
    for (const row of tableRows) {
      const code = row.code as ErrorCode;
      expect(row.status, code).toBe(ERROR_CODES[code].status);
      expect(row.exitCode, code).toBe(exitCodeOf(new SlipwayError(code, "doc check")));
      expect(row.exitCode, code).toBe(row.status < 500 ? 2 : 1);
      expect(row.meaning.length, code).toBeGreaterThan(0);
    }
  });

  it("shows the error body with the fields SlipwayError.toBody() produces", () => {
    const body = new SlipwayError("SLP_INPUT_INVALID", "m", [{ field: "/horizon", reason: "r" }]).toBody();
    const block = /```json\n([\s\S]*?)\n```/.exec(doc)?.[1];
    expect(block, "a json example of the error body").toBeDefined();
    const example = JSON.parse(block as string) as typeof body;
    expect(Object.keys(example)).toEqual(Object.keys(body));
    expect(Object.keys(example.error)).toEqual(Object.keys(body.error));
    for (const d of example.error.details) expect(Object.keys(d)).toEqual(["field", "reason"]);
    expect(example.error.code in ERROR_CODES).toBe(true);
  });
});
